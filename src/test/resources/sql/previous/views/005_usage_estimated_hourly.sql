-- usage_estimated_hourly: how much of each model's hour rests on tokenizer estimates (streams
-- without a usage chunk, completions without usage) rather than the API's own counts; the
-- dashboard's estimated-share panel. A rising share means clients stopped sending
-- stream_options.include_usage or streams are being cut off.
-- The request share is exact. llm_usage does not split a row's tokens into estimated and
-- reported, so the token share is given as bounds: min counts tokens of rows where every request
-- was estimated, max counts tokens of rows with any estimated request.
CREATE OR REPLACE VIEW usage_estimated_hourly AS
SELECT hour,
       model,
       requests,
       estimated_requests,
       estimated_requests::numeric / nullif(requests, 0) AS estimated_request_share,
       total_tokens,
       all_estimated_tokens,
       any_estimated_tokens,
       all_estimated_tokens::numeric / nullif(total_tokens, 0) AS estimated_token_share_min,
       any_estimated_tokens::numeric / nullif(total_tokens, 0) AS estimated_token_share_max
FROM (
    SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
           model,
           sum(requests)           AS requests,
           sum(estimated_requests) AS estimated_requests,
           sum(total_tokens)       AS total_tokens,
           coalesce(sum(total_tokens) FILTER (WHERE estimated_requests = requests
                                                AND requests > 0), 0)  AS all_estimated_tokens,
           coalesce(sum(total_tokens) FILTER (WHERE estimated_requests > 0), 0) AS any_estimated_tokens
    FROM llm_usage
    GROUP BY 1, 2
) per_hour;
