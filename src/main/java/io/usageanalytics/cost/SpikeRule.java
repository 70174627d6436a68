package io.usageanalytics.cost;

import java.io.Serializable;
import java.math.BigDecimal;

/**
 * When a model's (or a dimension value's) window cost is a spike: above {@code factor} × its
 * baseline (an exponentially weighted mean of its earlier windows, weight {@code smoothing} for the
 * newest) once it has {@code warmup} windows of history, and at least {@code minimumUsd}. Its first
 * window alerts when it reaches the minimum: sudden new spend.
 */
public record SpikeRule(double factor, BigDecimal minimumUsd, int warmup, double smoothing)
        implements Serializable {

    public SpikeRule {
        if (factor <= 1 || minimumUsd.signum() < 0 || warmup < 1 || smoothing <= 0 || smoothing > 1) {
            throw new IllegalArgumentException("need factor > 1, minimum ≥ 0, warmup ≥ 1, 0 < smoothing ≤ 1");
        }
    }

    /** The defaults, spelled as the command line spells them (its options' defaults are these). */
    public static final String DEFAULT_FACTOR = "3.0";
    public static final String DEFAULT_MINIMUM_USD = "1.00";
    public static final String DEFAULT_WARMUP = "3";
    public static final String DEFAULT_SMOOTHING = "0.3";

    public static SpikeRule defaults() {
        return new SpikeRule(Double.parseDouble(DEFAULT_FACTOR), new BigDecimal(DEFAULT_MINIMUM_USD),
                Integer.parseInt(DEFAULT_WARMUP), Double.parseDouble(DEFAULT_SMOOTHING));
    }
}
