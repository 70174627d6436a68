-- Attribution: each row's values of the job's --dimension options (tenant, API key, user, ...),
-- as a JSON object of name to value; '{}' for a job without dimensions, so that its table is what
-- it was. Migrates a table created by the earlier files in place: existing rows get '{}' and the
-- row key widens to include dimensions. Idempotent.

ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS dimensions JSONB NOT NULL DEFAULT '{}';

DO $$
DECLARE
    old_key TEXT;
BEGIN
    -- The primary key without dimensions, if the table still has it (found by catalog, as a
    -- table renamed with --table has a key of another name).
    SELECT c.conname INTO old_key FROM pg_constraint c
    WHERE c.conrelid = 'llm_usage'::regclass AND c.contype = 'p'
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                        AND a.attname = 'dimensions');
    IF old_key IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', 'llm_usage'::regclass, old_key);
        ALTER TABLE llm_usage
            ADD PRIMARY KEY (window_start, window_end, model, system_fingerprint, service_tier, dimensions);
    END IF;
END $$;

-- Dashboards filter and group on one dimension's values.
CREATE INDEX IF NOT EXISTS llm_usage_dimensions_idx ON llm_usage USING gin (dimensions);
