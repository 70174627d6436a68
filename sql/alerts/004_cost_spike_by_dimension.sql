-- Cost spike per dimension value: usage_alert_cost_spike for each value of each dimension the job
-- was given (--dimension: a tenant, an app, an API key), all models together, with the same
-- thresholds: the value's cost in the last complete hour is above factor x its average cost in the
-- same hour of day over the 7 days before, and at least min_usd. It finds one tenant's spike that
-- the model's total hides. Rows of a job without dimensions ('{}') are not judged.
-- '' (records without the dimension) and '__other__' (what the job's cardinality guard did not
-- attribute) are judged like values. A value that moves into or out of the guard's top
-- combinations moves its cost from or to '__other__', which can look like a spike of either.
-- One row per dimension and value that spiked. See 001_cost_spike.sql for the conventions.
CREATE OR REPLACE FUNCTION usage_alert_cost_spike_by_dimension(
    at      timestamptz DEFAULT now(),
    factor  numeric     DEFAULT 3,
    min_usd numeric     DEFAULT 1.00)
RETURNS TABLE (dimension text, value text, hour timestamptz, cost_usd numeric, baseline_usd numeric,
               ratio numeric)
LANGUAGE sql STABLE AS $$
    WITH last_hour AS (
        SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour' AS start
    ),
    cost AS (
        -- The last hour and the same hour of day on each of the 7 days before it.
        SELECT d.dimension,
               d.value,
               l.start AS hour,
               coalesce(sum(u.cost_usd) FILTER (WHERE u.window_start >= l.start), 0)    AS cost_usd,
               coalesce(sum(u.cost_usd) FILTER (WHERE u.window_start < l.start), 0) / 7 AS baseline_usd
        FROM llm_usage u
        CROSS JOIN last_hour l
        CROSS JOIN LATERAL jsonb_each_text(u.dimensions) AS d (dimension, value)
        WHERE u.window_start >= l.start - interval '7 days'
          AND u.window_start < l.start + interval '1 hour'
          AND extract(hour FROM u.window_start AT TIME ZONE 'UTC') = extract(hour FROM l.start AT TIME ZONE 'UTC')
        GROUP BY d.dimension, d.value, l.start
    )
    SELECT dimension, value, hour, cost_usd, baseline_usd, cost_usd / nullif(baseline_usd, 0)
    FROM cost
    WHERE cost_usd >= min_usd
      AND cost_usd > factor * baseline_usd
    ORDER BY dimension, value
$$;

-- Try it: SELECT * FROM usage_alert_cost_spike_by_dimension();
