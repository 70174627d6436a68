-- The scope of a cost-spike alert: 'model' (scope_value is the model, as in model) or the name of a
-- --spike-by dimension (scope_value is its value, all models together; model is ''). Migrates the
-- table created by 003 in place: existing rows are model alerts, and the key becomes one alert
-- per scope, value and window. Idempotent.

ALTER TABLE llm_cost_alerts ADD COLUMN IF NOT EXISTS scope TEXT NOT NULL DEFAULT 'model';

DO $$
DECLARE
    old_key TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                   WHERE attrelid = 'llm_cost_alerts'::regclass AND attname = 'scope_value'
                     AND NOT attisdropped) THEN
        ALTER TABLE llm_cost_alerts ADD COLUMN scope_value TEXT;
        UPDATE llm_cost_alerts SET scope_value = model;
        ALTER TABLE llm_cost_alerts ALTER COLUMN scope_value SET NOT NULL;
    END IF;
    -- The primary key without scope_value, if the table still has it (found by catalog, as a
    -- renamed table has a key of another name).
    SELECT c.conname INTO old_key FROM pg_constraint c
    WHERE c.conrelid = 'llm_cost_alerts'::regclass AND c.contype = 'p'
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                        AND a.attname = 'scope_value');
    IF old_key IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', 'llm_cost_alerts'::regclass, old_key);
        ALTER TABLE llm_cost_alerts ADD PRIMARY KEY (scope, scope_value, window_start);
    END IF;
END $$;
