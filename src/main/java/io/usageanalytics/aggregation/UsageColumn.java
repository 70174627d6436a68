package io.usageanalytics.aggregation;

import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * The warehouse's usage measures, each defined once: its column name and the field of
 * {@link UsageCounts} that holds it. Every measure adds up (a window's value is the sum of its
 * requests'), so the sink, the readers, the views' tests and the test builders all go through this
 * list, in this order.
 */
public enum UsageColumn {
    REQUESTS("requests", c -> c.requests, (c, v) -> c.requests = v),
    STREAMED_REQUESTS("streamed_requests", c -> c.streamedRequests, (c, v) -> c.streamedRequests = v),
    CHOICES("choices", c -> c.choices, (c, v) -> c.choices = v),
    PROMPT_TOKENS("prompt_tokens", c -> c.promptTokens, (c, v) -> c.promptTokens = v),
    COMPLETION_TOKENS("completion_tokens", c -> c.completionTokens, (c, v) -> c.completionTokens = v),
    TOTAL_TOKENS("total_tokens", c -> c.totalTokens, (c, v) -> c.totalTokens = v),
    CACHED_PROMPT_TOKENS("cached_prompt_tokens", c -> c.cachedPromptTokens, (c, v) -> c.cachedPromptTokens = v),
    REASONING_TOKENS("reasoning_tokens", c -> c.reasoningTokens, (c, v) -> c.reasoningTokens = v),
    AUDIO_PROMPT_TOKENS("audio_prompt_tokens", c -> c.audioPromptTokens, (c, v) -> c.audioPromptTokens = v),
    AUDIO_COMPLETION_TOKENS("audio_completion_tokens", c -> c.audioCompletionTokens,
            (c, v) -> c.audioCompletionTokens = v),
    ACCEPTED_PREDICTION_TOKENS("accepted_prediction_tokens", c -> c.acceptedPredictionTokens,
            (c, v) -> c.acceptedPredictionTokens = v),
    REJECTED_PREDICTION_TOKENS("rejected_prediction_tokens", c -> c.rejectedPredictionTokens,
            (c, v) -> c.rejectedPredictionTokens = v),
    CACHE_WRITE_TOKENS("cache_write_tokens", c -> c.cacheWriteTokens, (c, v) -> c.cacheWriteTokens = v),
    FINISH_STOP("finish_stop", c -> c.finishStop, (c, v) -> c.finishStop = v),
    FINISH_LENGTH("finish_length", c -> c.finishLength, (c, v) -> c.finishLength = v),
    FINISH_TOOL_CALLS("finish_tool_calls", c -> c.finishToolCalls, (c, v) -> c.finishToolCalls = v),
    FINISH_CONTENT_FILTER("finish_content_filter", c -> c.finishContentFilter, (c, v) -> c.finishContentFilter = v),
    FINISH_FUNCTION_CALL("finish_function_call", c -> c.finishFunctionCall, (c, v) -> c.finishFunctionCall = v),
    FINISH_OTHER("finish_other", c -> c.finishOther, (c, v) -> c.finishOther = v),
    FINISH_NONE("finish_none", c -> c.finishNone, (c, v) -> c.finishNone = v),
    ESTIMATED_REQUESTS("estimated_requests", c -> c.estimatedRequests, (c, v) -> c.estimatedRequests = v),
    DUPLICATES_DROPPED("duplicates_dropped", c -> c.duplicatesDropped, (c, v) -> c.duplicatesDropped = v);

    /** The warehouse column. */
    public final String sql;
    private final ToLongFunction<UsageCounts> get;
    private final ObjLongConsumer<UsageCounts> set;

    UsageColumn(String sql, ToLongFunction<UsageCounts> get, ObjLongConsumer<UsageCounts> set) {
        this.sql = sql;
        this.get = get;
        this.set = set;
    }

    public long of(UsageCounts counts) {
        return get.applyAsLong(counts);
    }

    void set(UsageCounts counts, long value) {
        set.accept(counts, value);
    }

    /** The column named {@code sql}. */
    public static UsageColumn named(String sql) {
        for (UsageColumn c : values()) {
            if (c.sql.equals(sql)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no usage column " + sql);
    }
}
