package io.usageanalytics.core;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

import java.util.function.LongSupplier;

/**
 * Bounded out-of-orderness watermarks that never run ahead of the wall clock: an event stamped in
 * the future counts as "now". One record with a bad {@code created} (a gateway's skewed clock)
 * would otherwise drag the watermark forward and make every correct record after it late. For
 * backfills of past data the clock is far ahead and changes nothing.
 */
public final class ClockBoundedWatermarks<T> implements WatermarkGenerator<T> {

    private final long outOfOrdernessMillis;
    private final LongSupplier clockMillis;
    private long maxTimestamp;

    public ClockBoundedWatermarks(long outOfOrdernessMillis, LongSupplier clockMillis) {
        this.outOfOrdernessMillis = outOfOrdernessMillis;
        this.clockMillis = clockMillis;
        this.maxTimestamp = Long.MIN_VALUE + outOfOrdernessMillis + 1;
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp > maxTimestamp) {
            maxTimestamp = Math.min(eventTimestamp, clockMillis.getAsLong());
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(maxTimestamp - outOfOrdernessMillis - 1));
    }
}
