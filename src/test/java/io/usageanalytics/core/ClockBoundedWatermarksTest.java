package io.usageanalytics.core;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClockBoundedWatermarksTest {

    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    };

    @Test
    void followsEventTimeButNeverRunsAheadOfTheClock() {
        long now = 1_000_000;
        ClockBoundedWatermarks<String> w = new ClockBoundedWatermarks<>(30, () -> now);
        w.onEvent("past", 500_000, output);
        w.onPeriodicEmit(output);
        w.onEvent("skewed clock, an hour ahead", now + 3_600_000, output);
        w.onPeriodicEmit(output);
        w.onEvent("on time", now - 10, output);
        w.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(500_000L - 31, now - 31, now - 31);
    }

    @Test
    void emitsNothingUsefulBeforeTheFirstEvent() {
        new ClockBoundedWatermarks<String>(30, () -> 5L).onPeriodicEmit(output);
        assertThat(emitted).containsExactly(Long.MIN_VALUE);
    }
}
