package io.usageanalytics.aggregation;

import io.usageanalytics.core.EventTime;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

import java.util.Collection;
import java.util.Collections;

/**
 * Tumbling event-time windows on the requests' own {@code created} time, of which each partial
 * carries one. A stream is emitted by a timer, which stamps it with the timer's time; assigning by
 * {@code created} keeps it in the window it belongs to.
 */
public class CreatedTimeWindows extends WindowAssigner<WindowPartial, TimeWindow> {

    private static final long serialVersionUID = 1L;

    private final EventTime time;

    public CreatedTimeWindows(EventTime time) {
        this.time = time;
    }

    @Override
    public Collection<TimeWindow> assignWindows(WindowPartial partial, long timestamp,
            WindowAssignerContext context) {
        long start = time.windowStart(partial.createdMillis);
        return Collections.singletonList(new TimeWindow(start, start + time.window().toMillis()));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Trigger<WindowPartial, TimeWindow> getDefaultTrigger() {
        return (Trigger) EventTimeTrigger.create();
    }

    @Override
    public TypeSerializer<TimeWindow> getWindowSerializer(ExecutionConfig executionConfig) {
        return new TimeWindow.Serializer();
    }

    @Override
    public boolean isEventTime() {
        return true;
    }

    @Override
    public String toString() {
        return "CreatedTimeWindows(" + time.window() + ")";
    }
}
