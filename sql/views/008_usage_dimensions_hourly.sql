-- usage_dimensions_hourly: requests, tokens and cost per dimension value and hour (attribution: who
-- spent it), one row per hour, dimension and value, for whatever dimensions the job was given
-- (--dimension NAME=SOURCE): the names are read from each row's dimensions, not listed here.
-- The dashboard's "Cost by value over time".
-- Rows of a job without dimensions ('{}') are not in it. Each dimension's values add up to the
-- usage of the rows that have that dimension, all models together.
-- value '' is usage whose records did not carry the dimension. '__other__' is the usage the job's
-- cardinality guard did not attribute: per window, model, fingerprint and tier only the value
-- combinations with the most tokens are rows of their own, so a value's numbers leave out what it
-- spent in windows where it was not among them (that is in '__other__').
-- cost_usd has sum() semantics, as in usage_hourly: NULL only when every row of the group is
-- unpriced, otherwise the priced part, and unpriced_requests says how much is missing.
CREATE OR REPLACE VIEW usage_dimensions_hourly AS
SELECT date_trunc('hour', u.window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
       d.dimension,
       d.value,
       sum(u.requests)          AS requests,
       sum(u.prompt_tokens)     AS prompt_tokens,
       sum(u.completion_tokens) AS completion_tokens,
       sum(u.total_tokens)      AS total_tokens,
       coalesce(sum(u.requests) FILTER (WHERE u.cost_usd IS NULL), 0) AS unpriced_requests,
       sum(u.cost_usd)          AS cost_usd
FROM llm_usage u
CROSS JOIN LATERAL jsonb_each_text(u.dimensions) AS d (dimension, value)
GROUP BY 1, 2, 3;
