package io.usageanalytics.assembly;

import io.usageanalytics.parsing.Usage;

import java.util.Arrays;
import java.util.Objects;

/**
 * What one request (a completion or a whole stream) was, or the marker of one dropped duplicate,
 * ready to be counted into the window of its {@code created} time. It says what happened, not how
 * the warehouse counts it: that is the aggregation's {@code UsageCounts.add}.
 */
public class RequestUsage {

    public String id;
    public String model;
    public String systemFingerprint;
    /** {@code ""} when the request did not say. */
    public String serviceTier;
    /** Event time: the request's {@code created} in ms. */
    public long createdMillis;
    /** A record dropped as a duplicate of a request already counted: it counts only as that. */
    public boolean duplicate;
    public boolean streamed;
    /** Each choice's finish reason; {@code null} for a choice that ended without one (cut off). */
    public String[] finishReasons = new String[0];
    /** The tokens the API reported; {@code null} when the request carried no usage. */
    public Usage usage;
    /** Without {@code usage}: the completion tokens estimated with the model's tokenizer. */
    public long estimatedTokens;
    /** The value of each configured dimension, {@code ""} where the request has none. */
    public String[] dimensions = new String[0];

    public RequestUsage() {}

    public RequestUsage(String id, String model, String systemFingerprint, String serviceTier,
            long createdMillis) {
        this.id = id;
        this.model = model;
        this.systemFingerprint = systemFingerprint;
        this.serviceTier = serviceTier;
        this.createdMillis = createdMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RequestUsage)) {
            return false;
        }
        RequestUsage that = (RequestUsage) o;
        return createdMillis == that.createdMillis
                && duplicate == that.duplicate
                && streamed == that.streamed
                && estimatedTokens == that.estimatedTokens
                && Objects.equals(id, that.id)
                && Objects.equals(model, that.model)
                && Objects.equals(systemFingerprint, that.systemFingerprint)
                && Objects.equals(serviceTier, that.serviceTier)
                && Arrays.equals(finishReasons, that.finishReasons)
                && Objects.equals(usage, that.usage)
                && Arrays.equals(dimensions, that.dimensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, model, systemFingerprint, serviceTier, createdMillis, duplicate, streamed,
                Arrays.hashCode(finishReasons), usage, estimatedTokens, Arrays.hashCode(dimensions));
    }

    @Override
    public String toString() {
        return "RequestUsage{" + id + ", " + model + ", fp=" + systemFingerprint + ", tier=" + serviceTier + ", created=" + createdMillis
                + (duplicate ? ", duplicate" : (streamed ? ", streamed" : "") + ", finish="
                        + Arrays.toString(finishReasons) + (usage != null ? ", " + usage : ", estimated=" + estimatedTokens))
                + "}";
    }
}
