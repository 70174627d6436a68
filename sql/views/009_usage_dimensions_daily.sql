-- usage_dimensions_daily: the measures of usage_dimensions_hourly per dimension value and UTC day,
-- summed from it (a UTC day is whole UTC hours); longer-range totals per tenant, app, ... with
-- the same meaning of '', '__other__' and cost_usd.
CREATE OR REPLACE VIEW usage_dimensions_daily AS
SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
       dimension,
       value,
       sum(requests)          AS requests,
       sum(prompt_tokens)     AS prompt_tokens,
       sum(completion_tokens) AS completion_tokens,
       sum(total_tokens)      AS total_tokens,
       sum(unpriced_requests) AS unpriced_requests,
       sum(cost_usd)          AS cost_usd
FROM usage_dimensions_hourly
GROUP BY 1, 2, 3;
