package io.usageanalytics.assembly;

import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.parsing.Usage;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.object;
import static io.usageanalytics.testing.Logged.tier;
import static io.usageanalytics.testing.Logged.usage;
import static org.assertj.core.api.Assertions.assertThat;

class ChunkAssemblerTest {

    /** 60 s windows, 5 s out-of-orderness, 120 s allowed lateness. */
    private static final EventTime TIME =
            new EventTime(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(120));
    private static final long T0 = 1_767_225_600L; // a window start
    private static final long W0_FIRE = T0 * 1000 + 59_999;
    private static final long W0_CLEANUP = W0_FIRE + 120_000;

    private KeyedOneInputStreamOperatorTestHarness<String, LoggedObject, RequestUsage> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ChunkAssembler(TIME, Dimensions.NONE), o -> o.id, Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(String json) throws Exception {
        LoggedObject o = object(json);
        harness.processElement(new StreamRecord<>(o, o.createdMillis()));
    }

    /** Sends {@code json} as read with dimension values {@code dimensions}. */
    private void send(String json, String... dimensions) throws Exception {
        LoggedObject o = object(json);
        o.dimensions = dimensions;
        harness.processElement(new StreamRecord<>(o, o.createdMillis()));
    }

    /** Chunks of one request that disagree: per dimension, the smallest non-empty value by code point. */
    @Test
    void aStreamsDimensionValueIsTheSmallestNonEmptyOneWhateverTheArrivalOrder() throws Exception {
        String[][] values = {{"", "zeta"}, {"\ufb01", ""}, {"\ud83d\ude00", "alpha"}, {"\ufb01", "alpha"}};
        String first = chunk("%s", "m", null, T0, delta(0, "a", null), null);
        String last = chunk("%s", "m", null, T0, delta(0, null, "stop"), usage(1, 1, 2));
        for (int i = 0; i < values.length; i++) {
            send(String.format(i == values.length - 1 ? last : first, "forward"), values[i]);
        }
        for (int i = values.length - 1; i >= 0; i--) {
            send(String.format(i == 0 ? last : first, "backward"), values[i]);
        }
        harness.processWatermark(W0_FIRE);

        // U+FB01 sorts before U+1F600 by code point, though not by UTF-16 unit
        for (RequestUsage r : emitted()) {
            assertThat(r.dimensions).as(r.id).containsExactly("\ufb01", "alpha");
        }
        assertThat(emitted()).hasSize(2);
    }

    private List<RequestUsage> emitted() {
        List<RequestUsage> out = new ArrayList<>();
        for (Object e : harness.getOutput()) {
            if (e instanceof StreamRecord) {
                out.add((RequestUsage) ((StreamRecord<?>) e).getValue());
            }
        }
        return out;
    }

    private List<String> rejects() {
        return harness.getSideOutput(Reject.OUTPUT) == null
                ? List.of()
                : harness.getSideOutput(Reject.OUTPUT).stream()
                        .map(r -> r.getValue().reason + ": " + r.getValue().detail)
                        .collect(Collectors.toList());
    }

    /** A request as the assembler reports it, with the usage it carried. */
    private static RequestUsage reported(String id, String model, String fp, long created, boolean streamed,
            Usage usage, String... finishReasons) {
        RequestUsage r = new RequestUsage(id, model, fp, "", created * 1000);
        r.streamed = streamed;
        r.usage = usage;
        r.finishReasons = finishReasons;
        return r;
    }

    /** A request without usage: its completion tokens estimated. */
    private static RequestUsage estimated(String id, String model, String fp, long created, boolean streamed,
            long tokens, String... finishReasons) {
        RequestUsage r = reported(id, model, fp, created, streamed, null, finishReasons);
        r.estimatedTokens = tokens;
        return r;
    }

    private static RequestUsage duplicateOf(String id, String model, String fp, long created) {
        RequestUsage r = new RequestUsage(id, model, fp, "", created * 1000);
        r.duplicate = true;
        return r;
    }

    @Test
    void interleavedChoicesWithUsageChunkAndFingerprintOnSomeChunks() throws Exception {
        String m = "gpt-4.1-mini";
        send(chunk("s", m, null, T0 + 10, delta(0, "", null), "null"));
        send(chunk("s", m, null, T0 + 10, delta(1, "", null), "null"));
        send(chunk("s", m, null, T0 + 10, delta(1, "No", null) + "," + delta(0, "Yes", null), "null"));
        send(chunk("s", m, "fp_c", T0 + 10, delta(1, null, "length"), "null"));
        send(chunk("s", m, "fp_x", T0 + 10, delta(0, null, "stop"), "null"));
        send(chunk("s", m, null, T0 + 10, "",
                "{\"prompt_tokens\":30,\"completion_tokens\":20,\"total_tokens\":50,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":4},"
                        + "\"completion_tokens_details\":{\"reasoning_tokens\":3}}"));
        harness.processWatermark(W0_FIRE - 1);
        assertThat(emitted()).isEmpty();

        harness.processWatermark(W0_FIRE);
        assertThat(emitted()).containsExactly(
                // choice 0 stopped, choice 1 hit the length limit; the fingerprint first seen counts
                reported("s", m, "fp_c", T0 + 10, true, new Usage(30, 20, 50, 4, 3), "stop", "length"));
        assertThat(rejects()).isEmpty();
    }

    /** vLLM with {@code continuous_usage_stats}: every chunk carries the stream's usage so far. */
    @Test
    void ofCumulativeUsagesTheLargestTotalCountsWhateverTheArrivalOrder() throws Exception {
        String[] chunks = {
            chunk("%s", "m", null, T0, delta(0, "a", null), usage(10, 1, 11)),
            chunk("%s", "m", null, T0, delta(0, "b", null), usage(10, 2, 12)),
            chunk("%s", "m", null, T0, delta(0, null, "stop"), usage(10, 3, 13)),
        };
        for (int i : new int[] {0, 1, 2}) {
            send(String.format(chunks[i], "in-order"));
        }
        for (int i : new int[] {2, 0, 1}) {
            send(String.format(chunks[i], "last-first"));
        }
        // equal totals: the larger counts in order (prompt first), never a sum
        send(chunk("tie", "m", null, T0, delta(0, null, "stop"), usage(4, 9, 13)));
        send(chunk("tie", "m", null, T0, "", usage(5, 8, 13)));
        harness.processWatermark(W0_FIRE);

        assertThat(emitted()).containsExactlyInAnyOrder(
                reported("in-order", "m", "", T0, true, new Usage(10, 3, 13, 0, 0), "stop"),
                reported("last-first", "m", "", T0, true, new Usage(10, 3, 13, 0, 0), "stop"),
                reported("tie", "m", "", T0, true, new Usage(5, 8, 13, 0, 0), "stop"));
    }

    @Test
    void aStreamsTierIsTheFirstOneAChunkCarriesAsItsFingerprintIs() throws Exception {
        send(chunk("s", "m", null, T0, delta(0, "a", null), null));
        send(tier("flex", chunk("s", "m", "fp", T0, delta(0, null, "stop"), null)));
        send(tier("default", chunk("s", "m", null, T0, "", usage(1, 1, 2))));
        send(tier("priority", completion("c", "m", "fp", T0, message(0, "x", "stop"), usage(1, 1, 2))));
        send(tier("scale", completion("c", "m", "fp", T0, message(0, "x", "stop"), usage(1, 1, 2))));
        harness.processWatermark(W0_FIRE);

        RequestUsage stream = reported("s", "m", "fp", T0, true, new Usage(1, 1, 2, 0, 0), "stop");
        stream.serviceTier = "flex";
        RequestUsage completion = reported("c", "m", "fp", T0, false, new Usage(1, 1, 2, 0, 0), "stop");
        completion.serviceTier = "priority";
        // the duplicate counts in the row of the tier it was logged with
        RequestUsage duplicate = duplicateOf("c", "m", "fp", T0);
        duplicate.serviceTier = "scale";
        assertThat(emitted()).containsExactly(completion, duplicate, stream);
    }

    @Test
    void streamWithoutUsageIsEstimatedWithTheModelsTokenizer() throws Exception {
        // Each delta is tokenized alone. o200k_base: "Hello" 1, " world" 1, {"city": 3, "Paris"} 3.
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "Hello", null), null));
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, " world", null), null));
        send(chunk("s", "gpt-4o", "fp", T0, "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}", null));
        send(chunk("s", "gpt-4o", "fp", T0, "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}", null));
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, null, "stop"), null));
        // cl100k_base for other families: "The quick brown fox" 4, " jumps over" 2.
        send(chunk("t", "gpt-3.5-turbo", null, T0, delta(0, "The quick brown fox", null), null));
        send(chunk("t", "gpt-3.5-turbo", null, T0, delta(0, " jumps over", null), null));
        harness.processWatermark(W0_FIRE);

        assertThat(emitted()).containsExactlyInAnyOrder(
                estimated("s", "gpt-4o", "fp", T0, true, 8, "stop", "tool_calls"),
                // cut off: no finish chunk, so its one choice ended without a reason
                estimated("t", "gpt-3.5-turbo", "", T0, true, 6, (String) null));
    }

    @Test
    void completionIsEmittedAtOnceAndItsRetryIsADuplicateUntilTheWindowIsPurged() throws Exception {
        String c = completion("c", "gpt-4o", "fp", T0 + 1,
                message(0, "x", "stop") + "," + message(1, "y", "content_filter"), usage(3, 4, 7));
        send(c);
        send(c);
        assertThat(emitted()).containsExactly(
                reported("c", "gpt-4o", "fp", T0 + 1, false, new Usage(3, 4, 7, 0, 0), "stop", "content_filter"),
                duplicateOf("c", "gpt-4o", "fp", T0 + 1));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        harness.processWatermark(W0_CLEANUP);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        send(c);
        assertThat(rejects()).containsExactly("late: created " + (T0 + 1) + " is past its window's allowed lateness");
    }

    @Test
    void completionWithoutUsageIsEstimated() throws Exception {
        send(completion("c", "gpt-3.5-turbo", null, T0, message(0, "Hi there", "stop"), null));
        assertThat(emitted()).containsExactly(
                estimated("c", "gpt-3.5-turbo", "", T0, false, 2, "stop"));
    }

    @Test
    void chunkOfAnAlreadyCompletedStreamIsLate() throws Exception {
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "a", "stop"), null));
        harness.processWatermark(W0_FIRE);
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "b", null), null));
        assertThat(emitted()).hasSize(1);
        assertThat(rejects()).containsExactly("late: chunk for stream s after it was completed");

        harness.processWatermark(W0_CLEANUP);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void streamFirstSeenAfterItsWindowFiredCompletesAfterTheOutOfOrdernessBound() throws Exception {
        harness.processWatermark(W0_FIRE + 10_000);
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "a", null), null));
        harness.processWatermark(W0_FIRE + 10_000 + 4_999);
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, null, "stop"), "null"));
        send(chunk("s", "gpt-4o", "fp", T0, "", usage(1, 2, 3)));
        assertThat(emitted()).isEmpty();

        harness.processWatermark(W0_FIRE + 15_000);
        assertThat(emitted()).containsExactly(
                reported("s", "gpt-4o", "fp", T0, true, new Usage(1, 2, 3, 0, 0), "stop"));
    }

    @Test
    void streamFirstSeenJustBeforeItsWindowIsPurgedCompletesAtThePurgeNotAfter() throws Exception {
        // The out-of-orderness bound alone would complete it 5 s after the purge, when its
        // window's row can no longer change.
        assertThat(TIME.streamCompletion(T0 * 1000, W0_CLEANUP - 1)).isEqualTo(W0_CLEANUP);
        harness.processWatermark(W0_CLEANUP - 1);
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "a", "stop"), null));
        assertThat(emitted()).isEmpty();

        harness.processWatermark(W0_CLEANUP);
        assertThat(emitted()).hasSize(1);
        assertThat(rejects()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void completionArrivingForAStreamInFlightIsADuplicate() throws Exception {
        send(chunk("x", "gpt-4o", "fp", T0, delta(0, "a", "stop"), null));
        send(completion("x", "gpt-4o", "fp", T0, message(0, "a", "stop"), usage(1, 1, 2)));
        harness.processWatermark(W0_FIRE);
        assertThat(emitted()).containsExactly(
                duplicateOf("x", "gpt-4o", "fp", T0),
                estimated("x", "gpt-4o", "fp", T0, true, 1, "stop"));
    }

    @Test
    void chunkDisagreeingWithItsStreamIsRejected() throws Exception {
        send(chunk("s", "gpt-4o", "fp", T0, delta(0, "a", null), null));
        send(chunk("s", "gpt-4o-mini", "fp", T0, delta(0, "b", null), null));
        assertThat(rejects()).containsExactly("invalid_field: chunk of stream s has model gpt-4o-mini and created "
                + T0 + ", its stream has gpt-4o and " + T0);
    }

    @Test
    void chunksBeyondTheStreamLimitAreRejectedButTheUsageChunkIsKept() throws Exception {
        for (long i = 0; i <= ChunkAssembler.MAX_STREAM_CHUNKS; i++) {
            send(chunk("s", "gpt-4o", "fp", T0, delta(0, "a", null), null));
        }
        send(chunk("s", "gpt-4o", "fp", T0, "", usage(1, 65_536, 65_537)));
        harness.processWatermark(W0_FIRE);
        assertThat(rejects()).containsExactly(
                "limit_exceeded: stream s has more than 65536 chunks with choices");
        assertThat(emitted()).containsExactly(
                reported("s", "gpt-4o", "fp", T0, true, new Usage(1, 65_536, 65_537, 0, 0), (String) null));
    }
}
