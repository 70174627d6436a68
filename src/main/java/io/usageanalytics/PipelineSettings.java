package io.usageanalytics;

import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.SpikeRule;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.pricing.PriceList;

import org.apache.flink.util.TimeUtils;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What the pipeline needs besides its source: event-time rules, idleness, prices, spike rule, and
 * the attribution dimensions (the source reads their values; the windows and alerts use them),
 * with the cardinality guard's number of rows per window and the dimensions judged for spikes.
 */
public record PipelineSettings(EventTime time, Duration idleness, PriceList prices, SpikeRule spikes,
        Dimensions dimensions, int maxDimensionValues, List<String> spikeBy) implements Serializable {

    /** As the command line spells it (the {@code --idleness} default). */
    public static final String DEFAULT_IDLENESS = "30s";
    /** As the command line spells it (the {@code --max-dimension-values} default). */
    public static final String DEFAULT_MAX_DIMENSION_VALUES = "1000";

    public static PipelineSettings defaults() {
        return new PipelineSettings(EventTime.defaults(), TimeUtils.parseDuration(DEFAULT_IDLENESS),
                PriceList.bundled(), SpikeRule.defaults(), Dimensions.NONE,
                Integer.parseInt(DEFAULT_MAX_DIMENSION_VALUES), List.of());
    }

    public PipelineSettings withTime(EventTime t) {
        return new PipelineSettings(t, idleness, prices, spikes, dimensions, maxDimensionValues, spikeBy);
    }

    public PipelineSettings withDimensions(Dimensions d, int maxValues, List<String> spikeByNames) {
        return new PipelineSettings(time, idleness, prices, spikes, d, maxValues, List.copyOf(spikeByNames));
    }
}
