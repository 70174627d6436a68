-- Cost of each row in USD at list prices (see the job's price list or --prices).
-- NULL when the model has no price: unknown cost is not zero cost.
ALTER TABLE llm_usage ADD COLUMN IF NOT EXISTS cost_usd NUMERIC(24, 12);
