package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.core.BetweenWatermarks;
import io.usageanalytics.core.EventTime;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums the requests that the assembler's task emits between two watermarks per key and window, in
 * that task, so that a window's requests cross the network to the window operator and touch its
 * state as a few {@link WindowPartial}s instead of one by one.
 *
 * <p>As {@code ChunkMerger} before the assembler, nothing is decided here: partials go out when
 * {@link BetweenWatermarks} says (so that the window operator counts them under the very
 * watermark their requests would have come under, and a window fires with the same totals), and
 * when {@value #MAX_OPEN} partials or combinations of dimension values are open.
 */
public class PartialSums extends BetweenWatermarks<RequestUsage, WindowPartial> {

    private static final long serialVersionUID = 1L;

    static final int MAX_OPEN = 10_000;

    private final EventTime time;
    private final int dimensions;

    private transient Map<Slot, WindowPartial> open;
    /** Open partials plus the combinations of dimension values they hold. */
    private transient int held;

    /** Where a request is summed: its window operator's key, split as the request has it, and window. */
    private record Slot(String model, String systemFingerprint, String serviceTier, long windowStart) {}

    public PartialSums(EventTime time, int dimensions) {
        this.time = time;
        this.dimensions = dimensions;
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new LinkedHashMap<>();
    }

    @Override
    public void processElement(StreamRecord<RequestUsage> element) {
        RequestUsage r = element.getValue();
        Slot slot = new Slot(r.model, r.systemFingerprint, r.serviceTier, time.windowStart(r.createdMillis));
        WindowPartial partial = open.get(slot);
        if (partial == null) {
            partial = new WindowPartial(r);
            open.put(slot, partial);
            held++;
            holding();
        }
        if (partial.add(r, dimensions)) {
            held++;
        }
        if (held >= MAX_OPEN) {
            emitAll();
        }
    }

    @Override
    protected void emitAll() {
        for (WindowPartial partial : open.values()) {
            output.collect(new StreamRecord<>(partial, time.windowMaxTimestamp(partial.createdMillis)));
        }
        open.clear();
        held = 0;
    }
}
