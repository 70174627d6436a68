-- usage_cost_hourly: cost against the tokens and requests that were priced, per model and hour;
-- the dashboard's "cost and tokens by model" table and unit-cost series.
-- Unit costs divide by priced tokens and requests only, so unpriced traffic does not make a model
-- look cheaper. They are NULL when nothing in the hour was priced. To total a range, sum the
-- columns and divide again (an average of hourly ratios would weight quiet hours like busy ones).
-- hour_cost_share is the model's part of all priced cost in that hour.
CREATE OR REPLACE VIEW usage_cost_hourly AS
SELECT hour,
       model,
       requests,
       total_tokens,
       priced_requests,
       priced_tokens,
       requests - priced_requests         AS unpriced_requests,
       total_tokens - priced_tokens       AS unpriced_tokens,
       cost_usd,
       cost_usd / nullif(priced_requests, 0)      AS usd_per_request,
       cost_usd * 1000 / nullif(priced_tokens, 0) AS usd_per_1k_tokens,
       cost_usd / nullif(sum(cost_usd) OVER (PARTITION BY hour), 0) AS hour_cost_share
FROM (
    SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           model,
           sum(requests)     AS requests,
           sum(total_tokens) AS total_tokens,
           coalesce(sum(requests) FILTER (WHERE cost_usd IS NOT NULL), 0)     AS priced_requests,
           coalesce(sum(total_tokens) FILTER (WHERE cost_usd IS NOT NULL), 0) AS priced_tokens,
           sum(cost_usd)     AS cost_usd
    FROM llm_usage
    GROUP BY 1, 2
) per_hour;
