-- usage-analytics warehouse table: one row per window × model × backend fingerprint.
-- Idempotent: safe to apply again. Applied in file-name order; never edit a file once applied,
-- add the next numbered file instead.

CREATE TABLE IF NOT EXISTS llm_usage (
    window_start          TIMESTAMPTZ NOT NULL,
    window_end            TIMESTAMPTZ NOT NULL,
    model                 TEXT        NOT NULL,
    system_fingerprint    TEXT        NOT NULL DEFAULT '',
    requests              BIGINT      NOT NULL,
    streamed_requests     BIGINT      NOT NULL,
    choices               BIGINT      NOT NULL,
    prompt_tokens         BIGINT      NOT NULL,
    completion_tokens     BIGINT      NOT NULL,
    total_tokens          BIGINT      NOT NULL,
    cached_prompt_tokens  BIGINT      NOT NULL,
    reasoning_tokens      BIGINT      NOT NULL,
    finish_stop           BIGINT      NOT NULL,
    finish_length         BIGINT      NOT NULL,
    finish_tool_calls     BIGINT      NOT NULL,
    finish_content_filter BIGINT      NOT NULL,
    finish_function_call  BIGINT      NOT NULL,
    finish_other          BIGINT      NOT NULL,
    finish_none           BIGINT      NOT NULL,
    estimated_requests    BIGINT      NOT NULL,
    duplicates_dropped    BIGINT      NOT NULL,
    -- When the row's values last changed (a replay that changes nothing leaves it alone).
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end, model, system_fingerprint)
);

-- Dashboards filter on time ranges, across all models and for one model.
CREATE INDEX IF NOT EXISTS llm_usage_window_end_idx ON llm_usage (window_end);
CREATE INDEX IF NOT EXISTS llm_usage_model_window_idx ON llm_usage (model, window_start);
