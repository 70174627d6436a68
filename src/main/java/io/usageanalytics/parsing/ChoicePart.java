package io.usageanalytics.parsing;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code choices}: a whole choice of a completion, or one delta of a chunk. Text is
 * kept only because a stream without a usage chunk has its completion tokens estimated from it.
 */
public class ChoicePart {

    public int index;
    /** {@code null} while the choice is still running (every chunk but its last). */
    public String finishReason;
    /** Message or delta content, {@code null} when absent. */
    public String content;
    /** Tool-call argument text by tool-call index ({@code -1} for a legacy {@code function_call}). */
    public Map<Integer, String> toolArguments = new HashMap<>();

    public ChoicePart() {}

    public ChoicePart(int index, String finishReason, String content) {
        this.index = index;
        this.finishReason = finishReason;
        this.content = content;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ChoicePart)) {
            return false;
        }
        ChoicePart that = (ChoicePart) o;
        return index == that.index
                && Objects.equals(finishReason, that.finishReason)
                && Objects.equals(content, that.content)
                && Objects.equals(toolArguments, that.toolArguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, finishReason, content, toolArguments);
    }

    @Override
    public String toString() {
        return "ChoicePart{" + index + ", finish=" + finishReason + ", content=" + content
                + ", tools=" + toolArguments + "}";
    }
}
