package io.usageanalytics.cost;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per key of a spike detector (a model, or a dimension's value): its cost baseline so far, and the
 * costs of windows not yet closed, by row.
 */
public class CostBaseline {

    /** Exponentially weighted mean of closed windows' cost in USD. */
    public double baselineUsd;
    /** Closed windows seen. */
    public int windows;
    /** End of the last window evaluated; rows for it or earlier are late re-emissions. */
    public long evaluatedUntil = Long.MIN_VALUE;
    /**
     * Rows of windows not yet closed: the latest cost (exact, as text) by
     * {@code "<window end>|<row>"} ({@link SpikeScope#rowOf}).
     * Flat, because Flink's POJO analysis treats nested maps as generic types.
     */
    public Map<String, String> open = new HashMap<>();

    public CostBaseline() {}

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CostBaseline)) {
            return false;
        }
        CostBaseline that = (CostBaseline) o;
        return Double.compare(baselineUsd, that.baselineUsd) == 0
                && windows == that.windows
                && evaluatedUntil == that.evaluatedUntil
                && Objects.equals(open, that.open);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baselineUsd, windows, evaluatedUntil, open);
    }
}
