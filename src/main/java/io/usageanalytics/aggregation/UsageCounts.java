package io.usageanalytics.aggregation;

import java.util.Arrays;

/**
 * The additive usage measures of one request, or of all requests in a window. Field names follow
 * the warehouse columns ({@code finishStop} is {@code finish_stop}, and so on).
 */
public class UsageCounts {

    public long requests;
    public long streamedRequests;
    public long choices;
    public long promptTokens;
    public long completionTokens;
    public long totalTokens;
    public long cachedPromptTokens;
    public long reasoningTokens;
    public long finishStop;
    public long finishLength;
    public long finishToolCalls;
    public long finishContentFilter;
    public long finishFunctionCall;
    public long finishOther;
    public long finishNone;
    public long estimatedRequests;
    public long duplicatesDropped;

    public UsageCounts() {}

    /** Counts one choice under its finish reason; {@code null} means it ended without one. */
    public void addFinish(String reason) {
        choices++;
        if (reason == null) {
            finishNone++;
            return;
        }
        switch (reason) {
            case "stop":
                finishStop++;
                break;
            case "length":
                finishLength++;
                break;
            case "tool_calls":
                finishToolCalls++;
                break;
            case "content_filter":
                finishContentFilter++;
                break;
            case "function_call":
                finishFunctionCall++;
                break;
            default:
                finishOther++;
        }
    }

    public void add(UsageCounts o) {
        requests += o.requests;
        streamedRequests += o.streamedRequests;
        choices += o.choices;
        promptTokens += o.promptTokens;
        completionTokens += o.completionTokens;
        totalTokens += o.totalTokens;
        cachedPromptTokens += o.cachedPromptTokens;
        reasoningTokens += o.reasoningTokens;
        finishStop += o.finishStop;
        finishLength += o.finishLength;
        finishToolCalls += o.finishToolCalls;
        finishContentFilter += o.finishContentFilter;
        finishFunctionCall += o.finishFunctionCall;
        finishOther += o.finishOther;
        finishNone += o.finishNone;
        estimatedRequests += o.estimatedRequests;
        duplicatesDropped += o.duplicatesDropped;
    }

    /** The values in warehouse column order, for sinks and test expectations. */
    public long[] toArray() {
        return new long[] {
            requests, streamedRequests, choices, promptTokens, completionTokens, totalTokens,
            cachedPromptTokens, reasoningTokens, finishStop, finishLength, finishToolCalls,
            finishContentFilter, finishFunctionCall, finishOther, finishNone, estimatedRequests,
            duplicatesDropped
        };
    }

    /** The warehouse column names, in the order of {@link #toArray()}. */
    public static final String[] COLUMNS = {
        "requests", "streamed_requests", "choices", "prompt_tokens", "completion_tokens",
        "total_tokens", "cached_prompt_tokens", "reasoning_tokens", "finish_stop", "finish_length",
        "finish_tool_calls", "finish_content_filter", "finish_function_call", "finish_other",
        "finish_none", "estimated_requests", "duplicates_dropped"
    };

    /** Builds counts from values in {@link #COLUMNS} order. */
    public static UsageCounts of(long... v) {
        if (v.length != COLUMNS.length) {
            throw new IllegalArgumentException("expected " + COLUMNS.length + " values, got " + v.length);
        }
        UsageCounts c = new UsageCounts();
        c.requests = v[0];
        c.streamedRequests = v[1];
        c.choices = v[2];
        c.promptTokens = v[3];
        c.completionTokens = v[4];
        c.totalTokens = v[5];
        c.cachedPromptTokens = v[6];
        c.reasoningTokens = v[7];
        c.finishStop = v[8];
        c.finishLength = v[9];
        c.finishToolCalls = v[10];
        c.finishContentFilter = v[11];
        c.finishFunctionCall = v[12];
        c.finishOther = v[13];
        c.finishNone = v[14];
        c.estimatedRequests = v[15];
        c.duplicatesDropped = v[16];
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UsageCounts && Arrays.equals(toArray(), ((UsageCounts) o).toArray());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toArray());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        long[] v = toArray();
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ", ").append(COLUMNS[i]).append('=').append(v[i]);
        }
        return s.append('}').toString();
    }
}
