-- usage_finish_reasons_hourly: finish reasons per model and hour as counts and as shares of
-- choices (not requests: with n > 1 each choice ends on its own; the shares add up to 1).
-- The dashboard's finish-reason panels; length_share (answers cut off by max_tokens) and
-- content_filter_share (answers blocked) are the quality signals, none_share counts cut-off
-- streams. Shares are NULL for an hour without choices.
CREATE OR REPLACE VIEW usage_finish_reasons_hourly AS
SELECT hour,
       model,
       choices,
       finish_stop,
       finish_length,
       finish_tool_calls,
       finish_content_filter,
       finish_function_call,
       finish_other,
       finish_none,
       finish_stop::numeric           / nullif(choices, 0) AS stop_share,
       finish_length::numeric         / nullif(choices, 0) AS length_share,
       finish_tool_calls::numeric     / nullif(choices, 0) AS tool_calls_share,
       finish_content_filter::numeric / nullif(choices, 0) AS content_filter_share,
       finish_function_call::numeric  / nullif(choices, 0) AS function_call_share,
       finish_other::numeric          / nullif(choices, 0) AS other_share,
       finish_none::numeric           / nullif(choices, 0) AS none_share
FROM (
    SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           model,
           sum(choices)               AS choices,
           sum(finish_stop)           AS finish_stop,
           sum(finish_length)         AS finish_length,
           sum(finish_tool_calls)     AS finish_tool_calls,
           sum(finish_content_filter) AS finish_content_filter,
           sum(finish_function_call)  AS finish_function_call,
           sum(finish_other)          AS finish_other,
           sum(finish_none)           AS finish_none
    FROM llm_usage
    GROUP BY 1, 2
) per_hour;
