-- Estimated share rising: a model's share of requests whose tokens were estimated (no usage from
-- the API) in the last complete hour is both more than min_increase above its share over the
-- 7 days before and more than factor times it. Usually a client that stopped asking for
-- stream_options.include_usage, or streams being cut off: billing then rests on estimates.
-- Both the hour and the 7 days need min_requests requests; a model without that much history is
-- left out. See 001_cost_spike.sql for the conventions.
CREATE OR REPLACE FUNCTION usage_alert_estimated_share(
    at           timestamptz DEFAULT now(),
    min_requests bigint      DEFAULT 100,
    min_increase numeric     DEFAULT 0.10,
    factor       numeric     DEFAULT 2)
RETURNS TABLE (model text, hour timestamptz, requests bigint, estimated_share numeric,
               baseline_share numeric)
LANGUAGE sql STABLE AS $$
    WITH last_hour AS (
        SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour' AS start
    ),
    counts AS (
        -- The last hour, and the 7 days before it.
        SELECT u.model,
               l.start AS hour,
               coalesce(sum(u.requests) FILTER (WHERE u.window_start >= l.start), 0)           AS requests,
               coalesce(sum(u.estimated_requests) FILTER (WHERE u.window_start >= l.start), 0) AS estimated,
               coalesce(sum(u.requests) FILTER (WHERE u.window_start < l.start), 0)            AS base_requests,
               coalesce(sum(u.estimated_requests) FILTER (WHERE u.window_start < l.start), 0)  AS base_estimated
        FROM llm_usage u, last_hour l
        WHERE u.window_start >= l.start - interval '7 days'
          AND u.window_start < l.start + interval '1 hour'
        GROUP BY u.model, l.start
    ),
    shares AS (
        SELECT model, hour, requests,
               estimated / requests           AS estimated_share,
               base_estimated / base_requests AS baseline_share
        FROM counts
        WHERE requests >= min_requests
          AND base_requests >= min_requests
    )
    SELECT model, hour, requests::bigint, estimated_share, baseline_share
    FROM shares
    WHERE estimated_share > baseline_share + min_increase
      AND estimated_share > factor * baseline_share
    ORDER BY model
$$;

-- Try it: SELECT * FROM usage_alert_estimated_share();
