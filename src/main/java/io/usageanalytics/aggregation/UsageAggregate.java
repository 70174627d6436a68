package io.usageanalytics.aggregation;

import org.apache.flink.api.common.functions.AggregateFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Folds requests, summed into {@link WindowPartial}s, into their window's running totals, one
 * small accumulator per window. With dimensions, also per combination of their values, up to
 * {@code maxCombinations} of them: past that, a new combination counts as {@code __other__}, so
 * that a dimension with millions of values (a user id) cannot make a window's state grow without
 * bound.
 */
public class UsageAggregate implements AggregateFunction<WindowPartial, UsageCounts, UsageCounts> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(UsageAggregate.class);

    private final int dimensions;
    private final int maxCombinations;

    public UsageAggregate(int dimensions, int maxCombinations) {
        this.dimensions = dimensions;
        this.maxCombinations = maxCombinations;
    }

    @Override
    public UsageCounts createAccumulator() {
        return new UsageCounts();
    }

    @Override
    public UsageCounts add(WindowPartial partial, UsageCounts total) {
        if (dimensions == 0) {
            total.add(partial.counts);
            return total;
        }
        if (total.byDimensions == null && total.requests + total.duplicatesDropped > 0) {
            // A window restored from a job without dimensions: what it counted had no values.
            total.add(DimensionCombination.of(new String[0], dimensions), total.columns());
        }
        total.addMeasures(partial.counts);
        for (Map.Entry<String, long[]> counts : partial.counts.byDimensions.entrySet()) {
            String combination = counts.getKey();
            int held = total.byDimensions == null ? 0 : total.byDimensions.size();
            if (held >= maxCombinations && !total.byDimensions.containsKey(combination)) {
                combination = DimensionCombination.other(dimensions);
            } else if (held == maxCombinations - 1 && (total.byDimensions == null
                    || !total.byDimensions.containsKey(combination))) {
                LOG.warn("A window of model {} now holds {} combinations of dimension values (100 x"
                        + " --max-dimension-values): it counts new combinations as __other__", partial.model,
                        maxCombinations);
            }
            total.add(combination, counts.getValue());
        }
        return total;
    }

    @Override
    public UsageCounts getResult(UsageCounts total) {
        return total;
    }

    @Override
    public UsageCounts merge(UsageCounts a, UsageCounts b) {
        a.add(b);
        return a;
    }
}
