package io.usageanalytics.cost;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A closed window that cost far more than its scope's recent windows (or new spend, no history).
 * The scope is a model, or one value of a {@code --spike-by} dimension with all models together.
 */
public class CostAlert {

    /** The scope of the per-model alerts; a dimension alert's scope is the dimension's name. */
    public static final String MODEL = "model";

    /** {@link #MODEL} or a dimension's name. */
    public String scope;
    /** The model, or the dimension's value ({@code ""} for spend without one, {@code __other__} for the rest). */
    public String value;
    public long windowStart;
    public long windowEnd;
    public BigDecimal costUsd;
    /** {@code null} for new spend without history. */
    public BigDecimal baselineUsd;
    /** cost / baseline; {@code null} without a baseline. */
    public Double ratio;

    public CostAlert() {}

    public CostAlert(String scope, String value, long windowStart, long windowEnd, BigDecimal costUsd,
            BigDecimal baselineUsd, Double ratio) {
        this.scope = scope;
        this.value = value;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.costUsd = costUsd;
        this.baselineUsd = baselineUsd;
        this.ratio = ratio;
    }

    public boolean isModel() {
        return MODEL.equals(scope);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CostAlert)) {
            return false;
        }
        CostAlert that = (CostAlert) o;
        return windowStart == that.windowStart
                && windowEnd == that.windowEnd
                && Objects.equals(scope, that.scope)
                && Objects.equals(value, that.value)
                && Objects.equals(costUsd, that.costUsd)
                && Objects.equals(baselineUsd, that.baselineUsd)
                && Objects.equals(ratio, that.ratio);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scope, value, windowStart, windowEnd, costUsd, baselineUsd, ratio);
    }

    @Override
    public String toString() {
        return "CostAlert{" + scope + "=" + value + " " + Instant.ofEpochMilli(windowStart) + ".."
                + Instant.ofEpochMilli(windowEnd) + " cost=" + costUsd + " baseline=" + baselineUsd
                + " ratio=" + ratio + "}";
    }
}
