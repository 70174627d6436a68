-- usage_tiers_hourly: requests, tokens and cost per model, service tier and hour, with what the
-- same usage would have cost at standard-tier prices; the dashboard's "Cost by service tier" and
-- "Flex savings / priority premium" panels.
-- tier is service_tier as the API reported it, except that '' (a response without service_tier)
-- is reported as 'default': such a response was served at the standard tier, so it adds to the
-- 'default' row of its hour instead of a row of its own.
-- cost_usd (at the tier's own prices) and standard_cost_usd have sum() semantics, as in
-- usage_hourly: NULL only when every row of the group is unpriced, otherwise the priced part, and
-- unpriced_requests says how much is missing.
-- flex_savings_usd is standard minus actual cost of the 'flex' rows, priority_premium_usd actual
-- minus standard cost of the 'priority' rows; each is 0 on the rows of other tiers and NULL when
-- none of the tier's rows is priced. The difference is taken row by row, so a row priced at only
-- one of the two prices adds nothing to it.
CREATE OR REPLACE VIEW usage_tiers_hourly AS
SELECT hour,
       model,
       tier,
       requests,
       prompt_tokens,
       completion_tokens,
       total_tokens,
       unpriced_requests,
       cost_usd,
       standard_cost_usd,
       CASE tier WHEN 'flex' THEN below_standard_usd ELSE 0 END      AS flex_savings_usd,
       CASE tier WHEN 'priority' THEN -below_standard_usd ELSE 0 END AS priority_premium_usd
FROM (
    SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           model,
           coalesce(nullif(service_tier, ''), 'default') AS tier,
           sum(requests)          AS requests,
           sum(prompt_tokens)     AS prompt_tokens,
           sum(completion_tokens) AS completion_tokens,
           sum(total_tokens)      AS total_tokens,
           coalesce(sum(requests) FILTER (WHERE cost_usd IS NULL), 0) AS unpriced_requests,
           sum(cost_usd)          AS cost_usd,
           sum(standard_cost_usd) AS standard_cost_usd,
           sum(standard_cost_usd - cost_usd) AS below_standard_usd
    FROM llm_usage
    GROUP BY 1, 2, 3
) per_tier;
