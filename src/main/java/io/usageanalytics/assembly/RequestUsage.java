package io.usageanalytics.assembly;

import io.usageanalytics.aggregation.UsageCounts;

import java.util.Objects;

/**
 * The usage of one request (a completion or a whole stream), or the marker of one dropped
 * duplicate, ready to be folded into the window of its {@code created} time.
 */
public class RequestUsage {

    public String id;
    public String model;
    public String systemFingerprint;
    /** Event time: the request's {@code created} in ms. */
    public long createdMillis;
    public UsageCounts counts = new UsageCounts();

    public RequestUsage() {}

    public RequestUsage(String id, String model, String systemFingerprint, long createdMillis) {
        this.id = id;
        this.model = model;
        this.systemFingerprint = systemFingerprint;
        this.createdMillis = createdMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RequestUsage)) {
            return false;
        }
        RequestUsage that = (RequestUsage) o;
        return createdMillis == that.createdMillis
                && Objects.equals(id, that.id)
                && Objects.equals(model, that.model)
                && Objects.equals(systemFingerprint, that.systemFingerprint)
                && Objects.equals(counts, that.counts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, model, systemFingerprint, createdMillis, counts);
    }

    @Override
    public String toString() {
        return "RequestUsage{" + id + ", " + model + ", fp=" + systemFingerprint + ", created="
                + createdMillis + ", " + counts + "}";
    }
}
