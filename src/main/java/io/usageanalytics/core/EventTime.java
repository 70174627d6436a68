package io.usageanalytics.core;

import org.apache.flink.util.TimeUtils;

import java.io.Serializable;
import java.time.Duration;

/**
 * The event-time rules shared by every stage: window size, watermark delay and allowed lateness.
 * Stages must agree exactly on when a window closes and when a record becomes too late, so they all
 * derive it from here.
 */
public final class EventTime implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The defaults, spelled as the command line spells them (its options' defaults are these). */
    public static final String DEFAULT_WINDOW = "60s";
    public static final String DEFAULT_OUT_OF_ORDERNESS = "30s";
    public static final String DEFAULT_ALLOWED_LATENESS = "10min";

    private final long windowMillis;
    private final long outOfOrdernessMillis;
    private final long allowedLatenessMillis;

    public EventTime(Duration window, Duration outOfOrderness, Duration allowedLateness) {
        if (window.toMillis() <= 0) {
            throw new IllegalArgumentException("window size must be positive, got " + window);
        }
        if (outOfOrderness.isNegative() || allowedLateness.isNegative()) {
            throw new IllegalArgumentException("out-of-orderness and lateness must not be negative");
        }
        this.windowMillis = window.toMillis();
        this.outOfOrdernessMillis = outOfOrderness.toMillis();
        this.allowedLatenessMillis = allowedLateness.toMillis();
    }

    public static EventTime defaults() {
        return new EventTime(TimeUtils.parseDuration(DEFAULT_WINDOW), TimeUtils.parseDuration(DEFAULT_OUT_OF_ORDERNESS),
                TimeUtils.parseDuration(DEFAULT_ALLOWED_LATENESS));
    }

    public Duration window() {
        return Duration.ofMillis(windowMillis);
    }

    public Duration outOfOrderness() {
        return Duration.ofMillis(outOfOrdernessMillis);
    }

    public Duration allowedLateness() {
        return Duration.ofMillis(allowedLatenessMillis);
    }

    public long windowStart(long eventMillis) {
        return eventMillis - Math.floorMod(eventMillis, windowMillis);
    }

    /** The last millisecond of the window holding {@code eventMillis}: when that window fires. */
    public long windowMaxTimestamp(long eventMillis) {
        return windowStart(eventMillis) + windowMillis - 1;
    }

    /** When the window holding {@code eventMillis} is purged; from then on its records are late. */
    public long windowCleanup(long eventMillis) {
        long max = windowMaxTimestamp(eventMillis);
        long cleanup = max + allowedLatenessMillis;
        return cleanup < max ? Long.MAX_VALUE : cleanup;
    }

    /** The same rule as Flink's window operator: late once the watermark reached the cleanup time. */
    public boolean isLate(long eventMillis, long watermark) {
        return windowCleanup(eventMillis) <= watermark;
    }

    /**
     * When a stream first seen at {@code watermark} is complete: when its window fires, or, for a
     * stream that arrives after that (inside allowed lateness), after the watermark has moved on by
     * the out-of-orderness bound, but never after its window is purged.
     */
    public long streamCompletion(long eventMillis, long watermark) {
        long fire = windowMaxTimestamp(eventMillis);
        if (watermark < fire) {
            return fire;
        }
        long grace = watermark + Math.max(1, outOfOrdernessMillis);
        return Math.min(windowCleanup(eventMillis), grace < watermark ? Long.MAX_VALUE : grace);
    }
}
