-- Alert queries: each returns rows only when something is wrong, so calm data gives zero rows and
-- Grafana (deploy/grafana/provisioning/alerting/rules.yaml) fires when there are rows.
-- Each is a function of the time it judges, defaulting to now(), so a test can replay a fixed
-- moment; the SELECT at the end shows what fires right now when the file is applied.
-- Idempotent. CREATE OR REPLACE FUNCTION cannot change the result columns: DROP FUNCTION first.
--
-- Rejected records never reach the warehouse (they go to the <topic>.rejects dead-letter topic
-- and the route-rejects.usage.rejected* Flink metrics), so there is no SQL alert on rejects: alert
-- on those metrics in Prometheus instead.
--
-- Only the last complete hour is judged: the current hour is still filling up. Rows are bucketed
-- by window_start, as in the views; the window_start range is served by the primary key.

-- Cost spike: a model's cost in the last complete hour is above factor x the average cost of the
-- same hour of day over the 7 days before, and at least min_usd (small amounts are noise).
-- Days without usage count as zero, so new spend on a model without history alerts (ratio NULL).
-- A model's cost is that of all its fingerprints and service tiers, each row at its own tier's
-- prices. Unpriced rows count as no cost. The job's own per-window alerts are in llm_cost_alerts.
CREATE OR REPLACE FUNCTION usage_alert_cost_spike(
    at      timestamptz DEFAULT now(),
    factor  numeric     DEFAULT 3,
    min_usd numeric     DEFAULT 1.00)
RETURNS TABLE (model text, hour timestamptz, cost_usd numeric, baseline_usd numeric, ratio numeric)
LANGUAGE sql STABLE AS $$
    WITH last_hour AS (
        SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour' AS start
    ),
    cost AS (
        -- The last hour and the same hour of day on each of the 7 days before it.
        SELECT u.model,
               l.start AS hour,
               coalesce(sum(u.cost_usd) FILTER (WHERE u.window_start >= l.start), 0)    AS cost_usd,
               coalesce(sum(u.cost_usd) FILTER (WHERE u.window_start < l.start), 0) / 7 AS baseline_usd
        FROM llm_usage u, last_hour l
        WHERE u.window_start >= l.start - interval '7 days'
          AND u.window_start < l.start + interval '1 hour'
          AND extract(hour FROM u.window_start AT TIME ZONE 'UTC') = extract(hour FROM l.start AT TIME ZONE 'UTC')
        GROUP BY u.model, l.start
    )
    SELECT model, hour, cost_usd, baseline_usd, cost_usd / nullif(baseline_usd, 0)
    FROM cost
    WHERE cost_usd >= min_usd
      AND cost_usd > factor * baseline_usd
    ORDER BY model
$$;

-- Try it: SELECT * FROM usage_alert_cost_spike();
