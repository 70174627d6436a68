-- Dashboard views over llm_usage, applied with psql after sql/schema, in file-name order:
--   for f in sql/views/*.sql sql/alerts/*.sql; do psql -v ON_ERROR_STOP=1 -f "$f"; done
-- Idempotent. CREATE OR REPLACE VIEW can only append columns: to change or drop one, DROP VIEW first.
--
-- Windows are configurable (60 s by default), so every rollup buckets a row by the hour or day of
-- its window_start and never assumes a window size. Buckets are UTC whatever the session TimeZone.
-- The bucket expression is immutable, so on a large table the dashboards' time filter on `hour`
-- can use an index (about 10x faster for a week of 60 s windows):
--   CREATE INDEX CONCURRENTLY llm_usage_hour_idx
--       ON llm_usage ((date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'));

-- usage_hourly: requests, tokens and cost per model and hour; the dashboard's time series of cost,
-- tokens and requests by model. Every service tier and fingerprint of the model is in it (cost_usd
-- at each row's own tier's prices); usage_tiers_hourly splits it by tier.
-- cost_usd is sum() of the rows' cost: NULL only when every row of the hour is unpriced (unknown
-- cost is not zero cost); when some rows are unpriced it is the priced part, and unpriced_requests
-- says how much is missing.
CREATE OR REPLACE VIEW usage_hourly AS
SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
       model,
       sum(requests)             AS requests,
       sum(streamed_requests)    AS streamed_requests,
       sum(choices)              AS choices,
       sum(prompt_tokens)        AS prompt_tokens,
       sum(completion_tokens)    AS completion_tokens,
       sum(total_tokens)         AS total_tokens,
       sum(cached_prompt_tokens) AS cached_prompt_tokens,
       sum(reasoning_tokens)     AS reasoning_tokens,
       sum(estimated_requests)   AS estimated_requests,
       sum(duplicates_dropped)   AS duplicates_dropped,
       coalesce(sum(requests) FILTER (WHERE cost_usd IS NULL), 0) AS unpriced_requests,
       sum(cost_usd)             AS cost_usd,
       -- Added with service tiers, so after cost_usd (a view can only gain columns at the end).
       -- Parts of prompt_tokens:
       sum(audio_prompt_tokens)        AS audio_prompt_tokens,
       sum(cache_write_tokens)         AS cache_write_tokens,
       -- parts of completion_tokens:
       sum(audio_completion_tokens)    AS audio_completion_tokens,
       sum(accepted_prediction_tokens) AS accepted_prediction_tokens,
       sum(rejected_prediction_tokens) AS rejected_prediction_tokens
FROM llm_usage
GROUP BY 1, 2;
