package io.usageanalytics;

import io.usageanalytics.aggregation.CreatedTimeWindows;
import io.usageanalytics.aggregation.UsageAggregate;
import io.usageanalytics.aggregation.PartialSums;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.aggregation.UsageWindow;
import io.usageanalytics.aggregation.WindowPartial;
import io.usageanalytics.assembly.ChunkAssembler;
import io.usageanalytics.assembly.ChunkMerger;
import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.core.ClockBoundedWatermarks;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.cost.CostSpikeDetector;
import io.usageanalytics.cost.SpikeScope;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.ParsedRecordRouter;
import io.usageanalytics.parsing.Reject;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * The usage pipeline: parsed records → routing of rejects → runs of each stream's chunks folded
 * in the source task → per-id assembly of completions and streams → per model × fingerprint × service tier event-time windows. Sources and sinks are supplied by the
 * caller, so tests run exactly this with bounded in-memory sources and collecting sinks.
 */
public final class UsagePipeline {

    /**
     * The pipeline's outputs: window rows (re-emitted on late updates), rejects, cost alerts (per
     * model and per value of each {@code --spike-by} dimension).
     */
    public record Outputs(DataStream<UsageRow> rows, DataStream<Reject> rejects,
            DataStream<CostAlert> alerts) {}

    /**
     * An open window holds at most this many times {@code --max-dimension-values} combinations of
     * dimension values: room to find the top ones among, bounded however many values there are.
     */
    public static final int GUARD_FACTOR = 100;

    private UsagePipeline() {}

    /**
     * Watermarks from {@code created}, generated per source split (Kafka partition) so that one
     * partition running ahead does not make the others late, and an idle one does not stall them;
     * never ahead of the wall clock (see {@link ClockBoundedWatermarks}). An {@code idleness} of
     * zero never marks a split idle.
     */
    public static WatermarkStrategy<ParsedRecord> watermarks(EventTime time, Duration idleness) {
        long outOfOrdernessMillis = time.outOfOrderness().toMillis();
        WatermarkStrategy<ParsedRecord> strategy = WatermarkStrategy.<ParsedRecord>forGenerator(
                        context -> new ClockBoundedWatermarks<>(outOfOrdernessMillis, System::currentTimeMillis))
                .withTimestampAssigner((record, previous) -> record.eventTimeMillis());
        return idleness.isZero() ? strategy : strategy.withIdleness(idleness);
    }

    /**
     * A bounded source is read to its end, so no split needs to be passed over as idle; and a
     * reader without a split has ended at once, its end-of-input watermark the only one left if
     * a split that is slow to start were marked idle: all its records would come in late.
     */
    private static Duration idleness(Source<ParsedRecord, ?, ?> source, PipelineSettings settings) {
        return source.getBoundedness() == Boundedness.BOUNDED ? Duration.ZERO : settings.idleness();
    }

    public static Outputs defineWorkflow(StreamExecutionEnvironment env,
            Source<ParsedRecord, ?, ?> source, PipelineSettings settings) {
        // No operator here changes an object it was handed, and those that keep one only read it
        // (the merger a stream's chunks until their run goes out, the source's parser a stream's
        // last chunk parsed in full, as its shape), so chained operators may hand records on
        // without Flink's defensive deep copy (the source's record, original bytes included, was
        // copied once more for the router).
        env.getConfig().enableObjectReuse();
        EventTime time = settings.time();
        SingleOutputStreamOperator<LoggedObject> objects =
                env.fromSource(source, watermarks(time, idleness(source, settings)), "logged-objects")
                        .uid("logged-objects")
                        .process(new ParsedRecordRouter())
                        .name("route-rejects")
                        .uid("route-rejects");

        // Chained to the source: a stream's chunks cross the keyBy as a few runs, not one by one.
        DataStream<LoggedObject> runs = objects
                .transform("merge-chunks", TypeInformation.of(LoggedObject.class), new ChunkMerger())
                .uid("merge-chunks");

        SingleOutputStreamOperator<RequestUsage> requests =
                runs.keyBy(o -> o.id)
                        .process(new ChunkAssembler(time, settings.dimensions()))
                        .name("assemble-requests")
                        .uid("assemble-requests");

        // Chained to the assembler: a window's requests cross the keyBy as a few partial sums.
        DataStream<WindowPartial> partials = requests
                .transform("sum-partials", TypeInformation.of(WindowPartial.class),
                        new PartialSums(time, settings.dimensions().size()))
                .uid("sum-partials");

        SingleOutputStreamOperator<UsageRow> rows =
                partials.keyBy(WindowPartial::key,
                                TypeInformation.of(new TypeHint<Tuple2<String, String>>() {}))
                        .window(new CreatedTimeWindows(time))
                        .allowedLateness(time.allowedLateness())
                        .aggregate(new UsageAggregate(settings.dimensions().size(),
                                        GUARD_FACTOR * settings.maxDimensionValues()),
                                new UsageWindow(settings.prices(), settings.dimensions(), settings.maxDimensionValues()))
                        .name("usage-windows")
                        .uid("usage-windows");

        DataStream<CostAlert> alerts = spikes(rows, SpikeScope.MODELS, settings);
        for (String dimension : settings.spikeBy()) {
            alerts = alerts.union(spikes(rows, SpikeScope.dimension(dimension), settings));
        }

        DataStream<Reject> rejects =
                objects.getSideOutput(Reject.OUTPUT).union(requests.getSideOutput(Reject.OUTPUT));
        return new Outputs(rows, rejects, alerts);
    }

    /** The cost-spike alerts of one scope, each scope with its own baselines and operator. */
    private static DataStream<CostAlert> spikes(DataStream<UsageRow> rows, SpikeScope scope,
            PipelineSettings settings) {
        return rows.keyBy(scope)
                .process(new CostSpikeDetector(scope, settings.spikes(), settings.time().window()))
                .name(scope.uid())
                .uid(scope.uid());
    }
}
