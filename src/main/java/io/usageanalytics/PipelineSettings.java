package io.usageanalytics;

import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.SpikeRule;
import io.usageanalytics.pricing.PriceList;

import org.apache.flink.util.TimeUtils;

import java.io.Serializable;
import java.time.Duration;

/** What the pipeline needs besides its source: event-time rules, idleness, prices, spike rule. */
public record PipelineSettings(EventTime time, Duration idleness, PriceList prices, SpikeRule spikes)
        implements Serializable {

    /** As the command line spells it (the {@code --idleness} default). */
    public static final String DEFAULT_IDLENESS = "30s";

    public static PipelineSettings defaults() {
        return new PipelineSettings(EventTime.defaults(), TimeUtils.parseDuration(DEFAULT_IDLENESS),
                PriceList.bundled(), SpikeRule.defaults());
    }

    public PipelineSettings withTime(EventTime t) {
        return new PipelineSettings(t, idleness, prices, spikes);
    }
}
