package io.usageanalytics.aggregation;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One output row: the usage of one model and backend fingerprint in one window. A window that is
 * updated by late data is emitted again as a complete row, so sinks upsert on the key.
 */
public class UsageRow {

    /** Window bounds in epoch ms (UTC), start inclusive, end exclusive. */
    public long windowStart;
    public long windowEnd;
    public String model;
    /** {@code ""} when the requests carried none. */
    public String systemFingerprint;
    public UsageCounts counts;
    /** At list prices, scale 12; {@code null} when the model has no price. */
    public BigDecimal costUsd;

    public UsageRow() {}

    public UsageRow(long windowStart, long windowEnd, String model, String systemFingerprint,
            UsageCounts counts, BigDecimal costUsd) {
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.model = model;
        this.systemFingerprint = systemFingerprint;
        this.counts = counts;
        this.costUsd = costUsd;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UsageRow)) {
            return false;
        }
        UsageRow that = (UsageRow) o;
        return windowStart == that.windowStart
                && windowEnd == that.windowEnd
                && Objects.equals(model, that.model)
                && Objects.equals(systemFingerprint, that.systemFingerprint)
                && Objects.equals(counts, that.counts)
                && Objects.equals(costUsd, that.costUsd);
    }

    @Override
    public int hashCode() {
        return Objects.hash(windowStart, windowEnd, model, systemFingerprint, counts, costUsd);
    }

    @Override
    public String toString() {
        return "UsageRow{" + Instant.ofEpochMilli(windowStart) + ".." + Instant.ofEpochMilli(windowEnd)
                + ", " + model + ", fp=" + systemFingerprint + ", " + counts + ", cost_usd=" + costUsd + "}";
    }
}
