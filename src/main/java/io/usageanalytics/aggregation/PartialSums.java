package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.core.BetweenWatermarks;
import io.usageanalytics.core.EventTime;

import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums the requests that the assembler's task emits between two watermarks per key and window, in
 * that task, so that a window's requests cross the network to the window operator and touch its
 * state as a few {@link WindowPartial}s instead of one by one.
 *
 * <p>As {@code ChunkMerger} before the assembler, nothing is decided here, and nothing changes but
 * the number of records. A request of a window this task's watermark has not passed yet is held
 * until just before the next watermark, checkpoint barrier or end of input ({@link
 * BetweenWatermarks}): the window operator's watermark is never ahead of this task's, so the window
 * cannot have fired, and fires with the same totals. A request of a window the watermark has passed
 * (a late update) goes out at once, its own partial, so that it fires the window again as it
 * would have on its own. At most {@value #MAX_OPEN} partials and combinations of dimension values
 * are held.
 */
public class PartialSums extends BetweenWatermarks<RequestUsage, WindowPartial> {

    private static final long serialVersionUID = 1L;

    static final int MAX_OPEN = 10_000;

    private final EventTime time;
    private final int dimensions;

    private transient Map<Slot, WindowPartial> open;
    /** Open partials plus the combinations of dimension values they hold. */
    private transient int held;
    /** The last watermark this task forwarded. */
    private transient long watermark;

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
        watermark = Long.MIN_VALUE;
    }

    @Override
    public void processElement(StreamRecord<RequestUsage> element) {
        RequestUsage r = element.getValue();
        if (time.windowMaxTimestamp(r.createdMillis) <= watermark) {
            WindowPartial late = new WindowPartial(r);
            late.add(r, dimensions);
            emit(late);
            return;
        }
        Slot slot = new Slot(r.model, r.systemFingerprint, r.serviceTier, time.windowStart(r.createdMillis));
        WindowPartial partial = open.get(slot);
        if (partial == null) {
            partial = new WindowPartial(r);
            open.put(slot, partial);
            held++;
        }
        if (partial.add(r, dimensions)) {
            held++;
        }
        if (held >= MAX_OPEN) {
            emitAll();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        super.processWatermark(mark);
        watermark = mark.getTimestamp();
    }

    @Override
    protected void emitAll() {
        for (WindowPartial partial : open.values()) {
            emit(partial);
        }
        open.clear();
        held = 0;
    }

    private void emit(WindowPartial partial) {
        output.collect(new StreamRecord<>(partial, time.windowMaxTimestamp(partial.createdMillis)));
    }
}
