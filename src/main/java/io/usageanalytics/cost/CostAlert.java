package io.usageanalytics.cost;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/** A model whose closed window cost far more than its recent windows (or new spend, no history). */
public class CostAlert {

    public String model;
    public long windowStart;
    public long windowEnd;
    public BigDecimal costUsd;
    /** {@code null} for new spend on a model without history. */
    public BigDecimal baselineUsd;
    /** cost / baseline; {@code null} without a baseline. */
    public Double ratio;

    public CostAlert() {}

    public CostAlert(String model, long windowStart, long windowEnd, BigDecimal costUsd,
            BigDecimal baselineUsd, Double ratio) {
        this.model = model;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.costUsd = costUsd;
        this.baselineUsd = baselineUsd;
        this.ratio = ratio;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CostAlert)) {
            return false;
        }
        CostAlert that = (CostAlert) o;
        return windowStart == that.windowStart
                && windowEnd == that.windowEnd
                && Objects.equals(model, that.model)
                && Objects.equals(costUsd, that.costUsd)
                && Objects.equals(baselineUsd, that.baselineUsd)
                && Objects.equals(ratio, that.ratio);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, windowStart, windowEnd, costUsd, baselineUsd, ratio);
    }

    @Override
    public String toString() {
        return "CostAlert{" + model + " " + Instant.ofEpochMilli(windowStart) + ".." + Instant.ofEpochMilli(windowEnd)
                + " cost=" + costUsd + " baseline=" + baselineUsd + " ratio=" + ratio + "}";
    }
}
