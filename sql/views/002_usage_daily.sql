-- usage_daily: the same measures per model and UTC day; the dashboard's daily cost bars and
-- longer-range totals. cost_usd has sum() semantics as in usage_hourly: NULL only when every row
-- of the day is unpriced, otherwise the priced part (unpriced_requests says how much is missing).
CREATE OR REPLACE VIEW usage_daily AS
SELECT date_trunc('day', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
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
       sum(cost_usd)             AS cost_usd
FROM llm_usage
GROUP BY 1, 2;
