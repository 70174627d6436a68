package io.usageanalytics.dashboard;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the page's accounting comes from: the accumulators of the job running in this process, or
 * nowhere ({@code ui} reads a warehouse without a job), with the reason the page shows instead.
 *
 * @param accumulators the job's accumulators now; empty when they are not available
 * @param unavailable why {@code accumulators} is empty
 */
public record JobAccounting(Supplier<Optional<Map<String, Object>>> accumulators, String unavailable) {

    /** Why a running job's accumulators are not there now and then. */
    public static final String STARTING = "not available yet (the job is starting or restarting)";

    /** The accumulators of a job that may be starting or restarting now and then. */
    public static JobAccounting of(Supplier<Optional<Map<String, Object>>> accumulators) {
        return new JobAccounting(accumulators, STARTING);
    }

    /** No job: the warehouse says what was aggregated, not what was read or rejected. */
    public static JobAccounting none() {
        return new JobAccounting(Optional::empty,
                "not available: no job runs with this dashboard (ui reads the warehouse only)");
    }
}
