package io.usageanalytics.parsing;

import java.util.Objects;

/** The {@code usage} object of a completion or of a stream's usage chunk. */
public class Usage {

    public long promptTokens;
    public long completionTokens;
    public long totalTokens;
    /** {@code prompt_tokens_details.cached_tokens}, 0 when absent. */
    public long cachedTokens;
    /** {@code completion_tokens_details.reasoning_tokens}, 0 when absent. */
    public long reasoningTokens;

    public Usage() {}

    public Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
            long reasoningTokens) {
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        this.totalTokens = totalTokens;
        this.cachedTokens = cachedTokens;
        this.reasoningTokens = reasoningTokens;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Usage)) {
            return false;
        }
        Usage that = (Usage) o;
        return promptTokens == that.promptTokens
                && completionTokens == that.completionTokens
                && totalTokens == that.totalTokens
                && cachedTokens == that.cachedTokens
                && reasoningTokens == that.reasoningTokens;
    }

    @Override
    public int hashCode() {
        return Objects.hash(promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens);
    }

    @Override
    public String toString() {
        return "Usage{prompt=" + promptTokens + ", completion=" + completionTokens + ", total="
                + totalTokens + ", cached=" + cachedTokens + ", reasoning=" + reasoningTokens + "}";
    }
}
