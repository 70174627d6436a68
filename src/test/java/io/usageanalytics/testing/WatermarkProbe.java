package io.usageanalytics.testing;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sink that only watches the watermark arriving with the stream it is attached to. Attached to
 * the rows, it sees a watermark only after the window operator (and every operator before it)
 * has processed it: every window it closes has fired, every record read before it has met it.
 * Like {@link GatedSource} it reports through a static registry, so the job must run in this JVM.
 */
public final class WatermarkProbe<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Readings> READINGS = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();

    public WatermarkProbe() {
        READINGS.put(id, new Readings());
    }

    /** The watermark every subtask has passed; {@link Long#MIN_VALUE} before the first. */
    public long watermark() {
        return readings().watermark();
    }

    /**
     * The most any watermark was ahead of this machine's clock when it arrived (negative: always
     * behind it); {@link Long#MIN_VALUE} before the first. The end of input's final watermark
     * ({@link Long#MAX_VALUE}) does not count.
     */
    public long mostAheadOfClock() {
        return readings().mostAheadOfClock();
    }

    /** Waits until the watermark has reached {@code atLeast}; fails, naming it, after {@code timeout}. */
    public void await(long atLeast, Duration timeout) throws InterruptedException {
        Readings r = readings();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (r) {
            while (r.watermark() < atLeast) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the watermark at the end of the pipeline stayed at "
                            + r.watermark() + " for " + timeout.toSeconds() + " s, expected it to reach "
                            + atLeast);
                }
                r.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Forgets this probe's readings (after the job has ended). */
    public void discard() {
        READINGS.remove(id);
    }

    private Readings readings() {
        Readings r = READINGS.get(id);
        if (r == null) {
            throw new IllegalStateException("watermark probe " + id + " was discarded");
        }
        return r;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Readings r = readings();
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        r.register(subtask);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context c) {}

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void writeWatermark(Watermark watermark) {
                r.update(subtask, watermark.getTimestamp(), System.currentTimeMillis());
            }

            @Override
            public void close() {}
        };
    }

    private static final class Readings {
        private final Map<Integer, Long> bySubtask = new TreeMap<>();
        private long mostAhead = Long.MIN_VALUE;

        synchronized void register(int subtask) {
            bySubtask.putIfAbsent(subtask, Long.MIN_VALUE);
        }

        synchronized void update(int subtask, long watermark, long clock) {
            bySubtask.merge(subtask, watermark, Math::max);
            if (watermark != Long.MAX_VALUE) {
                mostAhead = Math.max(mostAhead, watermark - clock);
            }
            notifyAll();
        }

        synchronized long watermark() {
            return bySubtask.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
        }

        synchronized long mostAheadOfClock() {
            return mostAhead;
        }
    }
}
