package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds requests into their window's running totals, one small accumulator per window. */
public class UsageAggregate implements AggregateFunction<RequestUsage, UsageCounts, UsageCounts> {

    private static final long serialVersionUID = 1L;

    @Override
    public UsageCounts createAccumulator() {
        return new UsageCounts();
    }

    @Override
    public UsageCounts add(RequestUsage request, UsageCounts total) {
        total.add(request);
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
