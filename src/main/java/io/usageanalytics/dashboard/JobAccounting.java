package io.usageanalytics.dashboard;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the page's accounting comes from: the accumulators of the job running in this process, or
 * nowhere ({@code ui} reads a warehouse without a job), with the reason the page shows instead.
 */
public interface JobAccounting {

    /** The job's accumulators now; empty when they are not available. */
    Optional<Map<String, Object>> accumulators();

    /** Why {@link #accumulators()} is empty. */
    String unavailable();

    /** The accumulators of a job that may be starting or restarting now and then. */
    static JobAccounting of(Supplier<Optional<Map<String, Object>>> accumulators) {
        return new JobAccounting() {
            @Override
            public Optional<Map<String, Object>> accumulators() {
                return accumulators.get();
            }

            @Override
            public String unavailable() {
                return "not available yet (the job is starting or restarting)";
            }
        };
    }

    /** No job: the warehouse says what was aggregated, not what was read or rejected. */
    static JobAccounting none() {
        return new JobAccounting() {
            @Override
            public Optional<Map<String, Object>> accumulators() {
                return Optional.empty();
            }

            @Override
            public String unavailable() {
                return "not available: no job runs with this dashboard (ui reads the warehouse only)";
            }
        };
    }
}
