package io.usageanalytics;

import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.SpikeRule;
import io.usageanalytics.pricing.PriceList;

import java.io.Serializable;
import java.time.Duration;

/** What the pipeline needs besides its source: event-time rules, idleness, prices, spike rule. */
public record PipelineSettings(EventTime time, Duration idleness, PriceList prices, SpikeRule spikes)
        implements Serializable {

    public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(30);

    public static PipelineSettings defaults() {
        return new PipelineSettings(EventTime.defaults(), DEFAULT_IDLENESS, PriceList.bundled(),
                SpikeRule.defaults());
    }

    public PipelineSettings withTime(EventTime t) {
        return new PipelineSettings(t, idleness, prices, spikes);
    }
}
