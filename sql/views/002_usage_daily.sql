-- usage_daily: the same measures per model and UTC day, summed from usage_hourly (a UTC day is
-- whole UTC hours); the dashboard's daily cost bars and longer-range totals. cost_usd keeps sum()
-- semantics: NULL only when every row of the day is unpriced, otherwise the priced part
-- (unpriced_requests says how much is missing).
CREATE OR REPLACE VIEW usage_daily AS
SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
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
       sum(unpriced_requests)    AS unpriced_requests,
       sum(cost_usd)             AS cost_usd,
       sum(audio_prompt_tokens)        AS audio_prompt_tokens,
       sum(cache_write_tokens)         AS cache_write_tokens,
       sum(audio_completion_tokens)    AS audio_completion_tokens,
       sum(accepted_prediction_tokens) AS accepted_prediction_tokens,
       sum(rejected_prediction_tokens) AS rejected_prediction_tokens
FROM usage_hourly
GROUP BY 1, 2;
