package io.usageanalytics.parsing;

import java.util.Arrays;

/**
 * The {@code usage} object of a completion or of a stream's usage chunk. Every detail is a part of
 * prompt or completion tokens, as the API defines it; a detail the record does not carry is 0.
 */
public class Usage {

    public long promptTokens;
    public long completionTokens;
    public long totalTokens;
    /** {@code prompt_tokens_details.cached_tokens} (DeepSeek: {@code prompt_cache_hit_tokens}). */
    public long cachedTokens;
    /** {@code completion_tokens_details.reasoning_tokens}. */
    public long reasoningTokens;
    /** {@code prompt_tokens_details.audio_tokens}. */
    public long audioPromptTokens;
    /** {@code completion_tokens_details.audio_tokens}. */
    public long audioCompletionTokens;
    /** {@code completion_tokens_details.accepted_prediction_tokens}. */
    public long acceptedPredictionTokens;
    /** {@code completion_tokens_details.rejected_prediction_tokens}: billed as completion tokens. */
    public long rejectedPredictionTokens;
    /** {@code prompt_tokens_details.cache_write_tokens}. */
    public long cacheWriteTokens;

    public Usage() {}

    /** Usage without details beyond cached and reasoning tokens. */
    public Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
            long reasoningTokens) {
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        this.totalTokens = totalTokens;
        this.cachedTokens = cachedTokens;
        this.reasoningTokens = reasoningTokens;
    }

    /** How many counts {@link #counts()} holds. */
    public static final int COUNTS = 10;

    /** Every count, in a fixed order: what the serializer writes and what ties are broken on. */
    public long[] counts() {
        return new long[] {promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens,
                audioPromptTokens, audioCompletionTokens, acceptedPredictionTokens, rejectedPredictionTokens,
                cacheWriteTokens};
    }

    /** The usage with {@link #counts()} {@code counts}. */
    public static Usage of(long[] counts) {
        Usage u = new Usage(counts[0], counts[1], counts[2], counts[3], counts[4]);
        u.audioPromptTokens = counts[5];
        u.audioCompletionTokens = counts[6];
        u.acceptedPredictionTokens = counts[7];
        u.rejectedPredictionTokens = counts[8];
        u.cacheWriteTokens = counts[9];
        return u;
    }

    /**
     * Of two usages reported for one stream, the one that counts: servers that report cumulative
     * statistics on every chunk (vLLM's {@code continuous_usage_stats}) end with the largest total,
     * and the choice must not depend on arrival order, so ties go to the larger counts in order.
     */
    public static Usage latest(Usage a, Usage b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        int c = Long.compare(a.totalTokens, b.totalTokens);
        return (c != 0 ? c : Arrays.compare(a.counts(), b.counts())) >= 0 ? a : b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Usage && Arrays.equals(counts(), ((Usage) o).counts());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts());
    }

    @Override
    public String toString() {
        return "Usage{prompt=" + promptTokens + ", completion=" + completionTokens + ", total="
                + totalTokens + ", cached=" + cachedTokens + ", reasoning=" + reasoningTokens
                + ", audio_prompt=" + audioPromptTokens + ", audio_completion=" + audioCompletionTokens
                + ", accepted_prediction=" + acceptedPredictionTokens + ", rejected_prediction="
                + rejectedPredictionTokens + ", cache_write=" + cacheWriteTokens + "}";
    }
}
