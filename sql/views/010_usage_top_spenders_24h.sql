-- usage_top_spenders_24h: each dimension's values by cost over the last 24 hours (rows with
-- window_start >= now() - 24 h, the current window included); the dashboard's "Top spenders
-- (24 h)" table, whatever its time range.
-- rank is 1 for the value that spent most in its dimension (by priced cost, then by tokens, so
-- unpriced values come last; ties share a rank). '__other__' is no spender but the usage the job's
-- cardinality guard did not attribute (see usage_dimensions_hourly): it is listed, with rank NULL,
-- and its cost_share says how much of the cost is not attributed. value '' is usage whose records
-- did not carry the dimension; it is ranked like a value.
-- cost_share is the value's part of the dimension's priced cost in the 24 hours; cost_usd and
-- unpriced_requests are as in usage_dimensions_hourly.
CREATE OR REPLACE VIEW usage_top_spenders_24h AS
SELECT dimension,
       value,
       CASE WHEN value <> '__other__'
            THEN rank() OVER (PARTITION BY dimension, value = '__other__'
                              ORDER BY cost_usd DESC NULLS LAST, total_tokens DESC)
       END AS rank,
       requests,
       prompt_tokens,
       completion_tokens,
       total_tokens,
       unpriced_requests,
       cost_usd,
       cost_usd / nullif(sum(cost_usd) OVER (PARTITION BY dimension), 0) AS cost_share
FROM (
    SELECT d.dimension,
           d.value,
           sum(u.requests)          AS requests,
           sum(u.prompt_tokens)     AS prompt_tokens,
           sum(u.completion_tokens) AS completion_tokens,
           sum(u.total_tokens)      AS total_tokens,
           coalesce(sum(u.requests) FILTER (WHERE u.cost_usd IS NULL), 0) AS unpriced_requests,
           sum(u.cost_usd)          AS cost_usd
    FROM llm_usage u
    CROSS JOIN LATERAL jsonb_each_text(u.dimensions) AS d (dimension, value)
    WHERE u.window_start >= now() - interval '24 hours'
    GROUP BY 1, 2
) per_value;
