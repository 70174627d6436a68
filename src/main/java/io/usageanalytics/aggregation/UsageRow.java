package io.usageanalytics.aggregation;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One output row: the usage of one model, backend fingerprint and service tier in one window. A window that is
 * updated by late data is emitted again as a complete row, so sinks upsert on the key.
 */
public class UsageRow {

    /** Window bounds in epoch ms (UTC), start inclusive, end exclusive. */
    public long windowStart;
    public long windowEnd;
    public String model;
    /** {@code ""} when the requests carried none. */
    public String systemFingerprint;
    /** {@code ""} when the requests did not say. */
    public String serviceTier;
    public UsageCounts counts;
    /** At list prices of the row's tier, scale 12; {@code null} when unpriced. */
    public BigDecimal costUsd;
    /** What the row would cost at standard prices (flex savings, priority premium); {@code null} when unpriced. */
    public BigDecimal standardCostUsd;
    /** Each configured dimension's value, by name, in the configured order; empty without dimensions. */
    public Map<String, String> dimensions = Map.of();

    public UsageRow() {}

    public UsageRow(long windowStart, long windowEnd, String model, String systemFingerprint,
            String serviceTier, UsageCounts counts, BigDecimal costUsd, BigDecimal standardCostUsd) {
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.model = model;
        this.systemFingerprint = systemFingerprint;
        this.serviceTier = serviceTier;
        this.counts = counts;
        this.costUsd = costUsd;
        this.standardCostUsd = standardCostUsd;
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
                && Objects.equals(serviceTier, that.serviceTier)
                && Objects.equals(counts, that.counts)
                && Objects.equals(costUsd, that.costUsd)
                && Objects.equals(standardCostUsd, that.standardCostUsd)
                && Objects.equals(dimensions, that.dimensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(windowStart, windowEnd, model, systemFingerprint, serviceTier, counts, costUsd,
                standardCostUsd, dimensions);
    }

    @Override
    public String toString() {
        return "UsageRow{" + Instant.ofEpochMilli(windowStart) + ".." + Instant.ofEpochMilli(windowEnd)
                + ", " + model + ", fp=" + systemFingerprint + ", tier=" + serviceTier + ", " + counts + ", cost_usd=" + costUsd
                + ", standard_cost_usd=" + standardCostUsd + (dimensions.isEmpty() ? "" : ", " + dimensions) + "}";
    }
}
