-- Cost-spike alerts raised by the job: a model's window cost against its recent baseline.
-- One row per model and window; re-raised alerts (replays) replace their row.
CREATE TABLE IF NOT EXISTS llm_cost_alerts (
    model         TEXT           NOT NULL,
    window_start  TIMESTAMPTZ    NOT NULL,
    window_end    TIMESTAMPTZ    NOT NULL,
    cost_usd      NUMERIC(24, 12) NOT NULL,
    -- NULL for new spend on a model without history.
    baseline_usd  NUMERIC(24, 12),
    ratio         DOUBLE PRECISION,
    raised_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    PRIMARY KEY (model, window_start)
);

CREATE INDEX IF NOT EXISTS llm_cost_alerts_window_idx ON llm_cost_alerts (window_start);
