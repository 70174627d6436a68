package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;

import org.apache.flink.api.java.tuple.Tuple2;

/**
 * The requests of one key in one window that one assembler task emitted between two watermarks,
 * summed ({@link PartialSums}): what the window operator adds to its state instead of each request
 * on its own.
 */
public class WindowPartial {

    public String model;
    /** The fingerprint and service tier, as {@link UsageKey#backend} joins them. */
    public String backend;
    /** The {@code created} time of a request in it, which places it in its window. */
    public long createdMillis;
    /** The requests' measures; with dimensions, also per combination of their values. */
    public UsageCounts counts = new UsageCounts();

    public WindowPartial() {}

    /** An empty partial for the key and window of {@code first}, which is not added yet. */
    public WindowPartial(RequestUsage first) {
        model = first.model;
        backend = UsageKey.backend(first.systemFingerprint, first.serviceTier);
        createdMillis = first.createdMillis;
    }

    /**
     * Counts one request in; with {@code dimensions}, also under its combination of their values.
     * Returns whether that combination is new here.
     */
    public boolean add(RequestUsage r, int dimensions) {
        if (dimensions == 0) {
            counts.add(r);
            return false;
        }
        return counts.add(r, DimensionCombination.of(r.dimensions, dimensions));
    }

    /** The window operator's key: (model, backend). */
    public Tuple2<String, String> key() {
        return Tuple2.of(model, backend);
    }

    @Override
    public String toString() {
        return "WindowPartial{" + model + ", " + backend + ", created=" + createdMillis + ", " + counts
                + (counts.byDimensions == null ? "" : ", " + counts.byDimensions.size() + " combinations") + "}";
    }
}
