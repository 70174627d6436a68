package io.usageanalytics.assembly;

import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.parsing.RejectReason;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.TreeMap;

/**
 * Turns the logged objects of one {@code id} into exactly one {@link RequestUsage}.
 *
 * <p>A completion is emitted at once. A stream's chunks are folded together until the watermark
 * passes the end of the stream's window (or, for a stream that shows up late, until the watermark
 * has moved on by the out-of-orderness bound), then the stream is emitted once. The id is
 * remembered until its window is purged, so a second completion with that id is dropped as a
 * duplicate (and counted in its window), and chunks of a stream already emitted are rejected as
 * late. Whatever arrives after the window is purged is rejected as late here, with the same rule
 * the window operator uses, so the window never drops anything silently.
 *
 * <p>Chunks mostly come folded into runs ({@link ChunkMerger}); a run is taken exactly as its
 * chunks would have been, one after the other, and whatever of it is rejected is rejected chunk
 * by chunk, each with its own original record.
 */
public class ChunkAssembler extends KeyedProcessFunction<String, LoggedObject, RequestUsage> {

    private static final long serialVersionUID = 1L;

    /** Chunks with choices beyond this many in one stream are rejected ({@code limit_exceeded}). */
    public static final long MAX_STREAM_CHUNKS = 65_536;

    private final EventTime time;
    /**
     * Re-reads the chunks of a run that crosses {@link #MAX_STREAM_CHUNKS} or comes after its id
     * was counted as a completion, the only times one is.
     */
    private final Dimensions dimensions;

    /**
     * What was counted for this id ({@link LoggedObject#CHUNK} or {@link LoggedObject#COMPLETION}),
     * until its window is purged; strings, as the checkpoints of earlier releases hold them.
     */
    private transient ValueState<String> counted;
    private transient ValueState<StreamAssembly> stream;
    private transient TokenEstimator estimator;
    private transient LoggedObjectParser parser;

    private transient Counter duplicates;
    private transient Counter recordsAggregated;
    private transient Counter requestsAggregated;
    private transient Counter streamsAggregated;
    private transient Counter streamsEstimated;
    private transient Counter requestsEstimated;
    private transient Accounting.ByReason rejects;

    public ChunkAssembler(EventTime time, Dimensions dimensions) {
        this.time = time;
        this.dimensions = dimensions;
    }

    @Override
    public void open(OpenContext openContext) {
        counted = getRuntimeContext().getState(new ValueStateDescriptor<>("counted", Types.STRING));
        stream = getRuntimeContext().getState(
                new ValueStateDescriptor<>("stream", StreamAssembly.class));
        estimator = new TokenEstimator();
        parser = new LoggedObjectParser(dimensions);
        duplicates = Accounting.counter(getRuntimeContext(), Accounting.DUPLICATES_DROPPED);
        recordsAggregated = Accounting.counter(getRuntimeContext(), Accounting.RECORDS_AGGREGATED);
        requestsAggregated = Accounting.counter(getRuntimeContext(), Accounting.REQUESTS_AGGREGATED);
        streamsAggregated = Accounting.counter(getRuntimeContext(), Accounting.STREAMS_AGGREGATED);
        streamsEstimated = Accounting.counter(getRuntimeContext(), Accounting.STREAMS_ESTIMATED);
        requestsEstimated = Accounting.counter(getRuntimeContext(), Accounting.REQUESTS_ESTIMATED);
        rejects = Accounting.ByReason.rejects(getRuntimeContext());
    }

    @Override
    public void processElement(LoggedObject o, Context ctx, Collector<RequestUsage> out)
            throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (time.isLate(o.createdMillis(), watermark)) {
            reject(ctx, o, RejectReason.LATE,
                    "created " + o.created + " is past its window's allowed lateness");
            return;
        }
        String done = counted.value();
        StreamAssembly inFlight = stream.value();
        if (o.chunk && LoggedObject.CHUNK.equals(done)) {
            reject(ctx, o, RejectReason.LATE, "chunk for stream " + o.id + " after it was completed");
        } else if (done != null || (inFlight != null && !o.chunk)) {
            if (o.folded == null) {
                out.collect(duplicate(o));
            } else {
                // Each chunk counts as a duplicate in the row of its own fingerprint, tier and dimensions.
                for (LoggedRecord chunk : o.folded) {
                    out.collect(duplicate(parser.parse(chunk).object));
                }
            }
        } else if (!o.chunk) {
            out.collect(completion(o));
            counted.update(LoggedObject.COMPLETION);
            ctx.timerService().registerEventTimeTimer(time.windowCleanup(o.createdMillis()));
        } else {
            if (inFlight == null) {
                inFlight = StreamAssembly.of(o.model, o.created);
                inFlight.completeAt = time.streamCompletion(o.createdMillis(), watermark);
                ctx.timerService().registerEventTimeTimer(inFlight.completeAt);
            }
            foldChunks(o, inFlight, ctx);
            stream.update(inFlight);
        }
    }

    /** The first object counted for an id wins; a retry logged again is dropped, but counted in its row. */
    private RequestUsage duplicate(LoggedObject o) {
        duplicates.inc();
        RequestUsage marker = new RequestUsage(o.id, o.model, o.systemFingerprint, o.serviceTier, o.createdMillis());
        marker.duplicate = true;
        marker.dimensions = o.dimensions;
        return marker;
    }

    /** Folds one chunk, or a run of them, into its stream, unless the stream refuses them. */
    private void foldChunks(LoggedObject o, StreamAssembly s, Context ctx) {
        if (!s.model.equals(o.model) || s.created != o.created) {
            reject(ctx, o, RejectReason.INVALID_FIELD,
                    "chunk of stream " + o.id + " has model " + o.model + " and created " + o.created
                            + ", its stream has " + s.model + " and " + s.created);
            return;
        }
        if (o.choiceChunks() > 0 && s.choiceChunks + o.choiceChunks() > MAX_STREAM_CHUNKS) {
            if (o.folded == null) {
                reject(ctx, o, RejectReason.LIMIT_EXCEEDED,
                        "stream " + o.id + " has more than " + MAX_STREAM_CHUNKS + " chunks with choices");
            } else {
                // A run that crosses the limit is taken chunk by chunk, as if it had come unfolded,
                // so exactly the chunks past the limit are rejected.
                for (LoggedRecord chunk : o.folded) {
                    foldChunks(parser.parse(chunk).object, s, ctx);
                }
            }
            return;
        }
        s.add(o);
        // Each delta is tokenized on its own: chunks of one stream may arrive from different
        // partitions in any order, and a sum over deltas does not depend on that order. Only a
        // stream that ends without usage needs the sum, and then every piece of it was counted.
        if (s.usage == null) {
            s.estimatedTokens += estimator.estimate(o);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RequestUsage> out)
            throws Exception {
        // An id has up to two timers, which carry nothing: its stream's completion (at completeAt,
        // while the stream is in state) and the purge of its window, when the id is forgotten.
        StreamAssembly s = stream.value();
        boolean streamCompletes = s != null && s.completeAt == timestamp;
        if (!streamCompletes) {
            counted.clear();
            return;
        }
        out.collect(streamUsage(ctx.getCurrentKey(), s));
        stream.clear();
        long cleanup = time.windowCleanup(s.created * 1000L);
        if (cleanup > timestamp) {
            counted.update(LoggedObject.CHUNK);
            ctx.timerService().registerEventTimeTimer(cleanup);
        }
    }

    private RequestUsage completion(LoggedObject o) {
        RequestUsage r = new RequestUsage(o.id, o.model, o.systemFingerprint, o.serviceTier, o.createdMillis());
        r.dimensions = o.dimensions;
        r.finishReasons = new String[o.choices.size()];
        for (int i = 0; i < r.finishReasons.length; i++) {
            r.finishReasons[i] = o.choices.get(i).finishReason;
        }
        r.usage = o.usage;
        if (o.usage == null) {
            r.estimatedTokens = estimator.estimate(o);
            requestsEstimated.inc();
        }
        recordsAggregated.inc();
        requestsAggregated.inc();
        return r;
    }

    private RequestUsage streamUsage(String id, StreamAssembly s) {
        RequestUsage r = new RequestUsage(id, s.model, s.systemFingerprint,
                s.serviceTier == null ? "" : s.serviceTier, s.created * 1000L);
        r.streamed = true;
        r.dimensions = s.dimensions == null ? new String[0] : s.dimensions;
        // By choice index, so that equal streams give equal requests.
        r.finishReasons = new TreeMap<>(s.finishReasons).values().stream()
                .map(reason -> reason.isEmpty() ? null : reason).toArray(String[]::new);
        r.usage = s.usage;
        if (s.usage == null) {
            r.estimatedTokens = s.estimatedTokens;
            requestsEstimated.inc();
            streamsEstimated.inc();
        }
        recordsAggregated.inc(s.records);
        requestsAggregated.inc();
        streamsAggregated.inc();
        return r;
    }

    /** Rejects the object's record, or each of a run's chunks' records, for the same reason. */
    private void reject(Context ctx, LoggedObject o, String reason, String detail) {
        for (LoggedRecord source : o.sources()) {
            rejects.inc(reason);
            ctx.output(Reject.OUTPUT, new Reject(source, reason, detail));
        }
    }
}
