-- Service tiers and the usage details of 2025-2026 responses. Migrates a table created by the
-- earlier files in place: existing rows keep their values, with service_tier '' and 0 for the
-- new token columns; the row key widens to include service_tier. Idempotent.

ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS service_tier TEXT NOT NULL DEFAULT '';
-- Parts of prompt_tokens: audio input, tokens written to the prompt cache.
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS audio_prompt_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS cache_write_tokens BIGINT NOT NULL DEFAULT 0;
-- Parts of completion_tokens: audio output, predicted output accepted and rejected (both billed).
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS audio_completion_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS accepted_prediction_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS rejected_prediction_tokens BIGINT NOT NULL DEFAULT 0;

DO $$
BEGIN
    -- What the row would cost at the standard tier's prices: cost_usd for rows of the standard
    -- tier, the base of flex savings and priority premiums otherwise. Rows written before tiers
    -- were all priced at standard prices, so their cost is their standard cost.
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                   WHERE attrelid = 'llm_usage'::regclass AND attname = 'standard_cost_usd'
                     AND NOT attisdropped) THEN
        ALTER TABLE llm_usage ADD COLUMN standard_cost_usd NUMERIC(24, 12);
        UPDATE llm_usage SET standard_cost_usd = cost_usd;
    END IF;
END $$;

DO $$
DECLARE
    old_key TEXT;
BEGIN
    -- The primary key without service_tier, if the table still has it (found by catalog, as a
    -- table renamed with --table has a key of another name).
    SELECT c.conname INTO old_key FROM pg_constraint c
    WHERE c.conrelid = 'llm_usage'::regclass AND c.contype = 'p'
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                        AND a.attname = 'service_tier');
    IF old_key IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', 'llm_usage'::regclass, old_key);
        ALTER TABLE llm_usage
            ADD PRIMARY KEY (window_start, window_end, model, system_fingerprint, service_tier);
    END IF;
END $$;
