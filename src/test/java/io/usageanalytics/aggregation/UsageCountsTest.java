package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.parsing.Usage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a request counts into a window, checked field by field (not through the column list). */
class UsageCountsTest {

    @Test
    void aRequestCountsItsChoicesTokensAndWhetherItWasStreamedOrEstimated() {
        RequestUsage completion = new RequestUsage("c", "m", "fp", "", 0);
        completion.finishReasons = new String[] {"stop", "length", "tool_calls", "content_filter", "function_call",
            "eos", null};
        completion.usage = new Usage(10, 20, 30, 4, 5);
        completion.usage.audioPromptTokens = 3;
        completion.usage.cacheWriteTokens = 2;
        completion.usage.audioCompletionTokens = 6;
        completion.usage.acceptedPredictionTokens = 7;
        completion.usage.rejectedPredictionTokens = 8;
        RequestUsage stream = new RequestUsage("s", "m", "fp", "", 0);
        stream.streamed = true;
        stream.finishReasons = new String[] {"stop"};
        stream.estimatedTokens = 7;
        RequestUsage duplicate = new RequestUsage("c", "m", "fp", "", 0);
        duplicate.duplicate = true;
        duplicate.usage = new Usage(1, 1, 2, 0, 0);

        UsageCounts c = new UsageCounts();
        c.add(completion);
        c.add(stream);
        c.add(duplicate);

        assertThat(new long[] {c.requests, c.streamedRequests, c.choices, c.promptTokens, c.completionTokens,
            c.totalTokens, c.cachedPromptTokens, c.reasoningTokens, c.finishStop, c.finishLength, c.finishToolCalls,
            c.finishContentFilter, c.finishFunctionCall, c.finishOther, c.finishNone, c.estimatedRequests,
            c.duplicatesDropped, c.audioPromptTokens, c.audioCompletionTokens, c.acceptedPredictionTokens,
            c.rejectedPredictionTokens, c.cacheWriteTokens})
                .containsExactly(2, 1, 8, 10, 27, 37, 4, 5, 2, 1, 1, 1, 1, 1, 1, 1, 1, 3, 6, 7, 8, 2);
    }

    @Test
    void countsAddUpColumnByColumnAndPrintByName() {
        UsageCounts a = new UsageCounts();
        a.requests = 2;
        a.totalTokens = 46;
        UsageCounts b = new UsageCounts();
        b.requests = 1;
        b.duplicatesDropped = 3;
        a.add(b);
        assertThat(a.requests).isEqualTo(3);
        assertThat(a.totalTokens).isEqualTo(46);
        assertThat(a.duplicatesDropped).isEqualTo(3);
        assertThat(a).hasToString("{requests=3, total_tokens=46, duplicates_dropped=3}")
                .isEqualTo(new UsageCounts().with(UsageColumn.REQUESTS, 3).with(UsageColumn.TOTAL_TOKENS, 46)
                        .with(UsageColumn.DUPLICATES_DROPPED, 3));
    }
}
