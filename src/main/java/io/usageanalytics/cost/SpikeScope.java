package io.usageanalytics.cost;

import io.usageanalytics.aggregation.UsageKey;
import io.usageanalytics.aggregation.UsageRow;

import org.apache.flink.api.java.functions.KeySelector;

import java.util.Objects;

/**
 * What a {@link CostSpikeDetector} judges: each model, or each value of one dimension with all
 * models together ({@code --spike-by}). As a key selector it gives a row's model or value.
 */
public final class SpikeScope implements KeySelector<UsageRow, String> {

    private static final long serialVersionUID = 1L;

    public static final SpikeScope MODELS = new SpikeScope(null);

    /** {@code null} for models. */
    private final String dimension;

    private SpikeScope(String dimension) {
        this.dimension = dimension;
    }

    public static SpikeScope dimension(String name) {
        return new SpikeScope(Objects.requireNonNull(name));
    }

    /** The alerts' scope: {@link CostAlert#MODEL} or the dimension's name. */
    public String name() {
        return dimension == null ? CostAlert.MODEL : dimension;
    }

    /** The detector's operator uid; the per-model one keeps the uid of releases before scopes. */
    public String uid() {
        return dimension == null ? "cost-spikes" : "cost-spikes-by-" + dimension;
    }

    /**
     * The row's model or value. A row without the dimension (its window was counted before the
     * dimension was configured) is spend without a value, like a request without one: {@code ""}.
     */
    @Override
    public String getKey(UsageRow row) {
        return dimension == null ? row.model : row.dimensions.getOrDefault(dimension, "");
    }

    /**
     * Tells apart the rows of one window and key, so that a re-emitted row replaces its cost
     * rather than adding to it. For models as releases before scopes kept it in their state; a
     * value's rows come from many models, so the model comes first (names never hold U+0000).
     */
    String rowOf(UsageRow row) {
        String ofModel = UsageKey.backend(row.systemFingerprint, row.serviceTier)
                + (row.dimensions.isEmpty() ? "" : "|" + String.join("\u0000", row.dimensions.values()));
        return dimension == null ? ofModel : row.model + '\u0000' + ofModel;
    }

    @Override
    public String toString() {
        return uid();
    }
}
