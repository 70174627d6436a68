package io.usageanalytics.bench;

import io.usageanalytics.aggregation.PartialSums;
import io.usageanalytics.aggregation.WindowPartial;
import io.usageanalytics.assembly.ChunkAssembler;
import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.Usage;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;

/**
 * The keyed stages after parsing: {@link ChunkAssembler} folding parsed records (chunks and
 * completions in the generator's mix, on Flink's heap state through the operator test harness)
 * and emitting each request when the watermark passes, and {@link PartialSums} folding one
 * request into its window's partial sum. Throughput is per record for the assembler, per request for the fold.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class AssembleBenchmark {

    private static final int SAMPLE = 1 << 16;
    /** Records between watermarks: completed requests are emitted and their state cleared as they would be live. */
    private static final int WATERMARK_EVERY = 1024;

    private LoggedObject[] records;
    private KeyedOneInputStreamOperatorTestHarness<String, LoggedObject, RequestUsage> assembler;
    private int next;
    private long round;

    private RequestUsage request;
    private WindowPartial partial;

    @Setup
    public void generate() {
        records = GeneratedRecords.parsed(SAMPLE);
        request = new RequestUsage("chatcmpl-1", "gpt-4o", "fp_1", "default", 0);
        request.streamed = true;
        request.finishReasons = new String[] {"stop"};
        request.usage = new Usage(812, 214, 1026, 0, 0);
        partial = new WindowPartial(request);
    }

    @Setup(Level.Iteration)
    public void openAssembler() throws Exception {
        EventTime time = new EventTime(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ZERO);
        assembler = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ChunkAssembler(time, Dimensions.NONE), o -> o.id, Types.STRING);
        next = 0;
        round = 0;
    }

    @TearDown(Level.Iteration)
    public void closeAssembler() throws Exception {
        assembler.close();
    }

    /**
     * One record in. The sample is replayed with ids and times shifted per round, so every round
     * is new traffic rather than duplicates of the last.
     */
    @Benchmark
    public void assemble() throws Exception {
        LoggedObject o = records[next];
        LoggedObject shifted = new LoggedObject();
        shifted.source = o.source;
        shifted.chunk = o.chunk;
        shifted.id = o.id + round;
        shifted.model = o.model;
        shifted.systemFingerprint = o.systemFingerprint;
        shifted.created = o.created + round * 86_400;
        shifted.choices = o.choices;
        shifted.usage = o.usage;
        assembler.processElement(new StreamRecord<>(shifted, shifted.createdMillis()));
        if (++next % WATERMARK_EVERY == 0) {
            assembler.processWatermark(new Watermark(shifted.createdMillis() - 60_000));
            assembler.getOutput().clear();
        }
        if (next == SAMPLE) {
            next = 0;
            round++;
        }
    }

    @Benchmark
    public boolean fold() {
        return partial.add(request, 0);
    }
}
