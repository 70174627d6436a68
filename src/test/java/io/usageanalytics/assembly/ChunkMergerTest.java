package io.usageanalytics.assembly;

import io.usageanalytics.core.BetweenWatermarks;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.parsing.RejectReason;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.tenant;
import static io.usageanalytics.testing.Logged.usage;
import static org.assertj.core.api.Assertions.assertThat;

class ChunkMergerTest {

    /** 60 s windows, 5 s out-of-orderness, 120 s allowed lateness. */
    private static final EventTime TIME =
            new EventTime(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(120));
    private static final long T0 = 1_767_225_600L; // a window start
    private static final Dimensions TENANT = Dimensions.parse(List.of("tenant=json:/x_gateway/tenant"));

    private final LoggedObjectParser parser = new LoggedObjectParser(TENANT);
    private OneInputStreamOperatorTestHarness<LoggedObject, LoggedObject> merger;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        merger = new OneInputStreamOperatorTestHarness<>(new ChunkMerger());
        merger.setProcessingTime(0);
        merger.open();
    }

    @AfterEach
    void close() throws Exception {
        merger.close();
    }

    /** Parses {@code json} as the source would, at the next offset of partition 0. */
    private LoggedObject read(String json) {
        ParsedRecord r = parser.parse(new LoggedRecord(json.getBytes(StandardCharsets.UTF_8), null, "llm", 0, offset++));
        assertThat(r.object).as("a valid test record: %s", r.reject).isNotNull();
        return r.object;
    }

    private void send(LoggedObject o) throws Exception {
        merger.processElement(new StreamRecord<>(o, o.createdMillis()));
    }

    /** What the merger emitted since last asked: objects, and watermarks as {@code Watermark}s. */
    private List<Object> emitted() {
        List<Object> out = new ArrayList<>();
        for (Object e : merger.getOutput()) {
            out.add(e instanceof StreamRecord ? ((StreamRecord<?>) e).getValue() : e);
        }
        merger.getOutput().clear();
        return out;
    }

    @Test
    void aRunIsTheFoldOfItsChunksEmittedAfterItsUsageChunkOrBeforeTheNextWatermark() throws Exception {
        LoggedObject a1 = read("{\"x_gateway\":{\"tenant\":\"t-b\"}," + chunk("a", "gpt-4o", "fp_1", T0,
                delta(0, "Hello there", null) + "," + delta(1, "Hi", null), null).substring(1));
        LoggedObject b1 = read(chunk("b", "gpt-4o", null, T0 + 1, delta(0, "Other", null), null));
        LoggedObject a2 = read("{\"x_gateway\":{\"tenant\":\"t-a\"}," + chunk("a", "gpt-4o", "fp_2", T0,
                delta(0, " world", "stop"), null).substring(1));
        LoggedObject a3 = read(chunk("a", "gpt-4o", null, T0, delta(1, "!", "length"), null));
        LoggedObject a4 = read(chunk("a", "gpt-4o", null, T0, "", usage(10, 5, 15)));
        for (LoggedObject o : List.of(a1, b1, a2, a3)) {
            send(o);
        }
        assertThat(emitted()).isEmpty();

        // a's usage chunk, the last a stream sends: its run goes at once
        send(a4);
        List<Object> ended = emitted();
        assertThat(ended).hasSize(1);
        LoggedObject a = (LoggedObject) ended.get(0);
        assertThat(a.toString()).isEqualTo("Chunk{a, gpt-4o, fp=fp_1, tier=, created=" + T0
                + ", choices=[ChoicePart{0, finish=stop, content=null, tools={}}, ChoicePart{1, finish=length,"
                + " content=null, tools={}}], usage=Usage{prompt=10, completion=5, total=15, cached=0, reasoning=0,"
                + " audio_prompt=0, audio_completion=0, accepted_prediction=0, rejected_prediction=0, cache_write=0},"
                + " dimensions=[t-a], run of 4 (3 with choices, 0 tokens estimated)}");
        assertThat(a.folded).containsExactly(a1.source, a2.source, a3.source, a4.source);

        merger.processWatermark(new Watermark(T0 * 1000));

        List<Object> out = emitted();
        assertThat(out).hasSize(2);
        LoggedObject b = (LoggedObject) out.get(0);
        assertThat(b.folded).containsExactly(b1.source);
        // without usage (yet), the run's text is estimated as the assembler would have, delta by delta
        assertThat(b.estimatedTokens).isEqualTo(new TokenEstimator().estimate(b1)).isEqualTo(1);
        assertThat(out.get(1)).isEqualTo(new Watermark(T0 * 1000));
    }

    @Test
    void anotherRecordOfTheSameIdEmitsItsRunFirstSoThatEachIdKeepsItsOrder() throws Exception {
        LoggedObject a1 = read(chunk("a", "m", null, T0, delta(0, "x", null), null));
        LoggedObject b1 = read(chunk("b", "m", null, T0, delta(0, "y", null), null));
        LoggedObject retry = read(completion("a", "m", null, T0, message(0, "x", "stop"), usage(1, 1, 2)));
        LoggedObject otherModel = read(chunk("b", "n", null, T0, delta(0, "z", null), null));
        LoggedObject b2 = read(chunk("b", "m", null, T0, delta(0, "w", null), null));
        for (LoggedObject o : List.of(a1, b1, retry, otherModel, b2)) {
            send(o);
        }
        merger.processWatermark(new Watermark(0));

        List<Object> out = emitted();
        assertThat(out).hasSize(6);
        assertThat(((LoggedObject) out.get(0)).folded).containsExactly(a1.source);
        assertThat(out.get(1)).isEqualTo(retry);
        assertThat(((LoggedObject) out.get(2)).folded).containsExactly(b1.source);
        assertThat(((LoggedObject) out.get(3)).model).isEqualTo("n");
        assertThat(((LoggedObject) out.get(4)).folded).containsExactly(b2.source);
        assertThat(out.get(5)).isEqualTo(new Watermark(0));
    }

    @Test
    void nothingIsHeldOverACheckpointBarrierAnIdleStatusTheEndOfInputOr200Milliseconds() throws Exception {
        send(read(chunk("a", "m", null, T0, delta(0, "x", null), null)));
        merger.prepareSnapshotPreBarrier(1);
        assertThat(emitted()).hasSize(1);
        assertThat(merger.snapshot(1, 1).getManagedOperatorState()).isEmpty();

        send(read(chunk("a", "m", null, T0, delta(0, "y", null), null)));
        merger.processWatermarkStatus(WatermarkStatus.IDLE);
        assertThat(emitted()).hasSize(2).element(1).isEqualTo(WatermarkStatus.IDLE);

        send(read(chunk("a", "m", null, T0, delta(0, "z", null), null)));
        merger.setProcessingTime(BetweenWatermarks.MAX_HOLD_MILLIS - 1);
        assertThat(emitted()).isEmpty();
        merger.setProcessingTime(BetweenWatermarks.MAX_HOLD_MILLIS);
        assertThat(emitted()).hasSize(1);

        send(read(chunk("a", "m", null, T0, delta(0, "w", null), null)));
        merger.endInput();
        assertThat(emitted()).hasSize(1);
    }

    @Test
    void aRunEndsAtItsChunkLimitAndRunsAreEmittedWhenTooManyAreOpen() throws Exception {
        for (int i = 0; i < ChunkMerger.MAX_RUN_CHUNKS + 1; i++) {
            send(read(chunk("a", "m", null, T0, delta(0, "x", null), null)));
        }
        assertThat(emitted()).singleElement()
                .satisfies(run -> assertThat(((LoggedObject) run).records()).isEqualTo(ChunkMerger.MAX_RUN_CHUNKS));

        for (int i = 1; i < ChunkMerger.MAX_OPEN_RUNS; i++) {
            send(read(chunk("id-" + i, "m", null, T0, delta(0, "x", null), null)));
        }
        assertThat(emitted()).isEmpty();
        send(read(chunk("one-too-many", "m", null, T0, delta(0, "x", null), null)));
        assertThat(emitted()).hasSize(ChunkMerger.MAX_OPEN_RUNS);
    }

    /**
     * The generator's traffic, long streams with retries, plus every way the assembler refuses a
     * chunk, with watermarks in between: the assembler's requests and rejects are the same
     * whether the chunks reach it one by one or folded into runs.
     */
    @Test
    void theAssemblerAnswersTheSameForRunsAsForTheirChunks() throws Exception {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 2, 0, 0.05).contentChunks(5, 40);
        List<LoggedObject> objects = new ArrayList<>();
        for (TrafficGenerator.Record r : generator.next(300)) {
            LoggedObject o = parser.parse(new LoggedRecord(r.value(), r.key(), "llm", 0, offset++)).object;
            if (o != null) {
                objects.add(o);
            }
        }
        List<Object> input = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        long watermark = Long.MIN_VALUE;
        for (LoggedObject o : objects) {
            input.add(o);
            if (random.nextInt(40) == 0 && o.createdMillis() - 10_000 > watermark) {
                watermark = o.createdMillis() - 10_000;
                input.add(watermark);
            }
        }
        // after the first windows fired: late chunks of completed streams, a stream first seen
        // late, another model's chunk, a stream's retry as a completion (after its chunks went
        // out in a run, and while they are in one), a completion's retry as a stream whose
        // chunks differ in fingerprint and tenant (each a duplicate in its own row), chunks past
        // allowed lateness
        LoggedObject firstStream = objects.stream().filter(o -> o.chunk).findFirst().orElseThrow();
        input.add(read(chunk(firstStream.id, firstStream.model, null, firstStream.created, delta(0, "late", null), null)));
        input.add(read(chunk(firstStream.id, firstStream.model, null, firstStream.created, "", usage(1, 1, 2))));
        input.add(read(chunk("new", "m", null, T0 + 1, delta(0, "late but allowed", null), null)));
        input.add(read(chunk("new", "other-model", null, T0 + 1, delta(0, "mismatch", null), null)));
        input.add(read(chunk("new", "m", null, T0 + 1, delta(0, "again", "stop"), null)));
        input.add(read(completion("new", "m", null, T0 + 1, message(0, "retry", "stop"), usage(2, 2, 4))));
        input.add(read(chunk("fresh", "m", null, T0 + 100, delta(0, "first", null), null)));
        input.add(read(completion("fresh", "m", null, T0 + 100, message(0, "retry", "stop"), usage(2, 2, 4))));
        input.add(read(chunk("fresh", "m", null, T0 + 100, delta(0, null, "stop"), usage(3, 3, 6))));
        input.add(read(completion("twice", "m", "fp_c", T0 + 100, message(0, "done", "stop"), usage(1, 1, 2))));
        input.add(read(tenant("t2", chunk("twice", "m", "fp_a", T0 + 100, delta(0, "a", null), null))));
        input.add(read(tenant("t1", chunk("twice", "m", null, T0 + 100, delta(0, "b", null), null))));
        input.add(read(chunk("twice", "m", "fp_b", T0 + 100, delta(0, null, "stop"), null)));
        input.add(watermark + 1);
        input.add(read(chunk("expired", "m", null, T0 - 3600, delta(0, "too late", null), null)));
        input.add(read(chunk("expired", "m", null, T0 - 3600, "", usage(1, 1, 2))));
        input.add(Long.MAX_VALUE);

        Assembled oneByOne = assemble(input);
        Assembled folded = assemble(throughMerger(input));

        assertThat(oneByOne.requests).hasSizeGreaterThan(250);
        assertThat(oneByOne.rejects).extracting(reject -> reject.reason).containsOnly(RejectReason.LATE,
                RejectReason.INVALID_FIELD).hasSize(5);
        assertThat(folded.requests).containsExactlyInAnyOrderElementsOf(oneByOne.requests);
        assertThat(folded.rejects).containsExactlyInAnyOrderElementsOf(oneByOne.rejects);
    }

    /** Exactly the chunks past the limit are rejected, each with its own bytes, though they came in a run. */
    @Test
    void aRunThatCrossesTheStreamChunkLimitIsTakenChunkByChunk() throws Exception {
        List<Object> input = new ArrayList<>();
        // one chunk without choices first, so that the limit falls inside a run
        input.add(read(chunk("long", "m", null, T0, "", null)));
        for (long i = 0; i < ChunkAssembler.MAX_STREAM_CHUNKS + 3; i++) {
            input.add(read(chunk("long", "m", null, T0, delta(0, "t" + i, null), null)));
        }
        input.add(read(chunk("long", "m", null, T0, delta(0, null, "stop"), usage(1, 1, 2))));
        input.add(Long.MAX_VALUE);

        Assembled oneByOne = assemble(input);
        Assembled folded = assemble(throughMerger(input));

        assertThat(oneByOne.rejects).hasSize(4).allSatisfy(r -> assertThat(r.reason).isEqualTo(RejectReason.LIMIT_EXCEEDED));
        assertThat(oneByOne.rejects).extracting(r -> r.source)
                .containsExactly(((LoggedObject) input.get(65_537)).source, ((LoggedObject) input.get(65_538)).source,
                        ((LoggedObject) input.get(65_539)).source, ((LoggedObject) input.get(65_540)).source);
        assertThat(folded.rejects).isEqualTo(oneByOne.rejects);
        assertThat(folded.requests).isEqualTo(oneByOne.requests);
    }

    /** Objects and watermarks (as {@code Long}s) as the merger passes them on. */
    private List<Object> throughMerger(List<Object> input) throws Exception {
        for (Object e : input) {
            if (e instanceof Long) {
                merger.processWatermark(new Watermark((Long) e));
            } else {
                send((LoggedObject) e);
            }
        }
        List<Object> out = new ArrayList<>();
        for (Object e : emitted()) {
            out.add(e instanceof Watermark ? (Object) ((Watermark) e).getTimestamp() : e);
        }
        return out;
    }

    private record Assembled(List<RequestUsage> requests, List<Reject> rejects) {}

    private static Assembled assemble(List<Object> input) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, LoggedObject, RequestUsage> assembler =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ChunkAssembler(TIME, TENANT), o -> o.id,
                        Types.STRING)) {
            for (Object e : input) {
                if (e instanceof Long) {
                    assembler.processWatermark((Long) e);
                } else {
                    LoggedObject o = (LoggedObject) e;
                    assembler.processElement(new StreamRecord<>(o, o.createdMillis()));
                }
            }
            List<Reject> rejects = new ArrayList<>();
            assembler.getSideOutput(Reject.OUTPUT).forEach(r -> rejects.add(r.getValue()));
            return new Assembled(new ArrayList<>(assembler.extractOutputValues()), rejects);
        }
    }
}
