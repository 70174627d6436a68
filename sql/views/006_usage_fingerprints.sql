-- usage_fingerprints: every backend fingerprint of every model, when it was first and last seen,
-- and the fingerprint first seen before it. A row with a previous_fingerprint is a backend change
-- (new weights or serving stack): the dashboard's fingerprint-changes table, to line up with jumps
-- in cost, tokens or finish reasons.
-- Rows without a fingerprint ('') are left out: a missing fingerprint says nothing about the
-- backend. With fingerprints served side by side, "previous" is the one that appeared before.
-- A fingerprint is one row whatever the service tiers it served (llm_usage has a row per tier).
CREATE OR REPLACE VIEW usage_fingerprints AS
SELECT model,
       system_fingerprint,
       first_seen,
       last_seen,
       lag(system_fingerprint) OVER (PARTITION BY model
                                     ORDER BY first_seen, system_fingerprint) AS previous_fingerprint,
       requests
FROM (
    SELECT model,
           system_fingerprint,
           min(window_start) AS first_seen,
           max(window_end)   AS last_seen,
           sum(requests)     AS requests
    FROM llm_usage
    WHERE system_fingerprint <> ''
    GROUP BY model, system_fingerprint
) per_fingerprint;
