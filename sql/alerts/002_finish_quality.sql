-- Finish-reason quality: a model's share of choices ending in `length` (cut off by max_tokens) or
-- `content_filter` (blocked) in the last complete hour is both more than min_increase above its
-- rate over the 7 days before and more than factor times it: a rare reason going from 0.1 % to
-- 0.3 % stays quiet, and so does a common one moving by a few points.
-- Both the hour and the 7 days need min_choices choices: a rate from a handful of answers is noise,
-- and a model without that much history has no baseline to judge against (it is left out).
-- One row per model and finish reason that jumped. See 001_cost_spike.sql for the conventions.
CREATE OR REPLACE FUNCTION usage_alert_finish_quality(
    at           timestamptz DEFAULT now(),
    min_choices  bigint      DEFAULT 100,
    min_increase numeric     DEFAULT 0.05,
    factor       numeric     DEFAULT 2)
RETURNS TABLE (model text, hour timestamptz, finish_reason text, choices bigint,
               rate numeric, baseline_rate numeric)
LANGUAGE sql STABLE AS $$
    WITH last_hour AS (
        SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour' AS start
    ),
    counts AS (
        -- The last hour, and the 7 days before it.
        SELECT u.model,
               l.start AS hour,
               coalesce(sum(u.choices) FILTER (WHERE u.window_start >= l.start), 0)               AS choices,
               coalesce(sum(u.finish_length) FILTER (WHERE u.window_start >= l.start), 0)         AS length,
               coalesce(sum(u.finish_content_filter) FILTER (WHERE u.window_start >= l.start), 0) AS filtered,
               coalesce(sum(u.choices) FILTER (WHERE u.window_start < l.start), 0)                AS base_choices,
               coalesce(sum(u.finish_length) FILTER (WHERE u.window_start < l.start), 0)          AS base_length,
               coalesce(sum(u.finish_content_filter) FILTER (WHERE u.window_start < l.start), 0)  AS base_filtered
        FROM llm_usage u, last_hour l
        WHERE u.window_start >= l.start - interval '7 days'
          AND u.window_start < l.start + interval '1 hour'
        GROUP BY u.model, l.start
    ),
    rates AS (
        SELECT c.model, c.hour, r.finish_reason, c.choices,
               r.count / c.choices           AS rate,
               r.base_count / c.base_choices AS baseline_rate
        FROM counts c
        CROSS JOIN LATERAL (VALUES ('length', c.length, c.base_length),
                                   ('content_filter', c.filtered, c.base_filtered))
                           AS r (finish_reason, count, base_count)
        WHERE c.choices >= min_choices
          AND c.base_choices >= min_choices
    )
    SELECT model, hour, finish_reason, choices::bigint, rate, baseline_rate
    FROM rates
    WHERE rate > baseline_rate + min_increase
      AND rate > factor * baseline_rate
    ORDER BY model, finish_reason
$$;

-- Try it: SELECT * FROM usage_alert_finish_quality();
