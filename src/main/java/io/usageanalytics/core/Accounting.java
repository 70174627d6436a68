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
 * duplicates_dropped + skipped}.
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
    /** Records that carry no usage by design (Azure's prompt-filter preamble): neither counted nor rejected. */
    public static final String SKIPPED = "skipped";
    /** Followed by the skip reason, e.g. {@code skipped_prompt_filter_preamble}. */
    public static final String SKIPPED_PREFIX = "skipped_";
    public static final String RECORDS_AGGREGATED = "records_aggregated";
    public static final String REQUESTS_AGGREGATED = "requests_aggregated";
    public static final String STREAMS_AGGREGATED = "streams_aggregated";
    public static final String STREAMS_ESTIMATED = "streams_estimated";
    public static final String REQUESTS_ESTIMATED = "requests_estimated";
    /** Window rows sent to the warehouse, late re-emissions included. */
    public static final String ROWS_EMITTED = "rows_emitted";
    /** Windows in which the cardinality guard counted new combinations of dimension values as __other__. */
    public static final String DIMENSION_OVERFLOW_WINDOWS = "dimension_overflow_windows";
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

    /**
     * Records read but not yet accounted for: {@code records_in - records_aggregated - rejected -
     * duplicates_dropped - skipped}; 0 at the end of input, the open streams and windows before.
     */
    public static long inFlight(Map<String, Object> accumulators) {
        return count(accumulators, RECORDS_IN) - count(accumulators, RECORDS_AGGREGATED)
                - count(accumulators, REJECTED) - count(accumulators, DUPLICATES_DROPPED)
                - count(accumulators, SKIPPED);
    }

    /** The rejects by reason ({@code rejected_<reason>} without its prefix), in reason order. */
    public static Map<String, Long> rejectsByReason(Map<String, Object> accumulators) {
        Map<String, Long> byReason = new TreeMap<>();
        accumulators.forEach((name, value) -> {
            if (name.startsWith(REJECTED_PREFIX)) {
                byReason.put(name.substring(REJECTED_PREFIX.length()), count(accumulators, name));
            }
        });
        return byReason;
    }

    /** One line with the final accounting of a bounded run, e.g. for the command line. */
    public static String summary(Map<String, Object> accumulators) {
        StringBuilder s = new StringBuilder("accounting:");
        for (String name : new String[] {RECORDS_IN, RECORDS_AGGREGATED, REJECTED, DUPLICATES_DROPPED, SKIPPED,
                REQUESTS_AGGREGATED, STREAMS_AGGREGATED, REQUESTS_ESTIMATED}) {
            s.append(' ').append(name).append('=').append(accumulators.getOrDefault(name, 0L));
        }
        new TreeMap<>(accumulators).forEach((name, value) -> {
            if (name.startsWith(REJECTED_PREFIX) || name.startsWith(SKIPPED_PREFIX)) {
                s.append(' ').append(name).append('=').append(value);
            }
        });
        return s.toString();
    }

    /**
     * Counts records in total and by reason, registering a reason's counter when first seen: the
     * rejects ({@link #rejects}) and the skipped records ({@link #skipped}).
     */
    public static final class ByReason {
        private final RuntimeContext context;
        private final String prefix;
        private final Counter total;
        private final Map<String, Counter> byReason = new HashMap<>();

        private ByReason(RuntimeContext context, String total, String prefix) {
            this.context = context;
            this.prefix = prefix;
            this.total = counter(context, total);
        }

        public static ByReason rejects(RuntimeContext context) {
            return new ByReason(context, REJECTED, REJECTED_PREFIX);
        }

        public static ByReason skipped(RuntimeContext context) {
            return new ByReason(context, SKIPPED, SKIPPED_PREFIX);
        }

        public void inc(String reason) {
            total.inc();
            byReason.computeIfAbsent(reason, r -> counter(context, prefix + r)).inc();
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
