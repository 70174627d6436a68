package io.usageanalytics.core;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The job's accounting counters. Each is a Flink metric under the {@code usage} group (for
 * dashboards and the REST API) and an accumulator of the same name (so a bounded run can report
 * its final totals). At the end of input: {@code records_in = records_aggregated + rejected +
 * duplicates_dropped}.
 */
public final class Accounting {

    public static final String GROUP = "usage";

    public static final String RECORDS_IN = "records_in";
    public static final String COMPLETIONS_IN = "completions_in";
    public static final String CHUNKS_IN = "chunks_in";
    public static final String REJECTED = "rejected";
    /** Followed by the reject reason, e.g. {@code rejected_malformed_json}. */
    public static final String REJECTED_PREFIX = "rejected_";
    public static final String DUPLICATES_DROPPED = "duplicates_dropped";
    public static final String RECORDS_AGGREGATED = "records_aggregated";
    public static final String REQUESTS_AGGREGATED = "requests_aggregated";
    public static final String STREAMS_AGGREGATED = "streams_aggregated";
    public static final String STREAMS_ESTIMATED = "streams_estimated";
    public static final String REQUESTS_ESTIMATED = "requests_estimated";
    /** Window rows sent to the warehouse, late re-emissions included. */
    public static final String ROWS_EMITTED = "rows_emitted";
    /** Row emissions whose model has no price (their cost_usd is NULL). */
    public static final String UNPRICED = "unpriced";

    private Accounting() {}

    /** Registers the counter {@code name} for the calling subtask. */
    public static Counter counter(RuntimeContext context, String name) {
        // Operators chained into one task share accumulators, so reuse one already registered.
        LongCounter total = (LongCounter) context.<Long, Long>getAccumulator(name);
        if (total == null) {
            total = new LongCounter();
            context.addAccumulator(name, total);
        }
        MetricGroup group = context.getMetricGroup().addGroup(GROUP);
        return group.counter(name, new AccumulatingCounter(total));
    }

    /** Counter {@code name} in a job's accumulators, 0 before it is first counted. */
    public static long count(Map<String, Object> accumulators, String name) {
        return ((Number) accumulators.getOrDefault(name, 0L)).longValue();
    }

    /** One line with the final accounting of a bounded run, e.g. for the command line. */
    public static String summary(Map<String, Object> accumulators) {
        StringBuilder s = new StringBuilder("accounting:");
        for (String name : new String[] {RECORDS_IN, RECORDS_AGGREGATED, REJECTED, DUPLICATES_DROPPED,
                REQUESTS_AGGREGATED, STREAMS_AGGREGATED, REQUESTS_ESTIMATED}) {
            s.append(' ').append(name).append('=').append(accumulators.getOrDefault(name, 0L));
        }
        new TreeMap<>(accumulators).forEach((name, value) -> {
            if (name.startsWith(REJECTED_PREFIX)) {
                s.append(' ').append(name).append('=').append(value);
            }
        });
        return s.toString();
    }

    /** Counts rejects in total and by reason, registering a reason's counter when first seen. */
    public static final class Rejects {
        private final RuntimeContext context;
        private final Counter total;
        private final Map<String, Counter> byReason = new HashMap<>();

        public Rejects(RuntimeContext context) {
            this.context = context;
            this.total = counter(context, REJECTED);
        }

        public void inc(String reason) {
            total.inc();
            byReason.computeIfAbsent(reason, r -> counter(context, REJECTED_PREFIX + r)).inc();
        }
    }

    /** A metric counter that also feeds the accumulator of the same name. */
    private static final class AccumulatingCounter implements Counter {
        private final LongCounter total;
        private long count;

        AccumulatingCounter(LongCounter total) {
            this.total = total;
        }

        @Override
        public void inc() {
            inc(1);
        }

        @Override
        public void inc(long n) {
            count += n;
            total.add(n);
        }

        @Override
        public void dec() {
            dec(1);
        }

        @Override
        public void dec(long n) {
            count -= n;
            total.add(-n);
        }

        @Override
        public long getCount() {
            return count;
        }
    }
}
