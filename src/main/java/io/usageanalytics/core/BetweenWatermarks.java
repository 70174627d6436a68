package io.usageanalytics.core;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * An operator that holds what its task reads between two watermarks, folded, and emits all of it
 * ({@link #emitAll}) before every watermark and watermark status it forwards, so that downstream
 * sees it under the very watermark its inputs would have come under; before every checkpoint
 * barrier, so that it has no state (and a savepoint of a release without it restores); at the end
 * of input; and, for an operator that says when it begins to hold something ({@link #holding}),
 * {@value #MAX_HOLD_MILLIS} ms after that, so that nothing waits on a watermark that does not come.
 */
public abstract class BetweenWatermarks<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    public static final long MAX_HOLD_MILLIS = 200;

    private transient boolean flushScheduled;

    /** Emits everything held, and holds nothing after. */
    protected abstract void emitAll();

    /** Called when something new is held: it goes out {@value #MAX_HOLD_MILLIS} ms later at the latest. */
    protected void holding() {
        if (!flushScheduled) {
            flushScheduled = true;
            long at = getProcessingTimeService().getCurrentProcessingTime() + MAX_HOLD_MILLIS;
            getProcessingTimeService().registerTimer(at, time -> {
                flushScheduled = false;
                emitAll();
            });
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        emitAll();
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        emitAll();
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitAll();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        emitAll();
    }
}
