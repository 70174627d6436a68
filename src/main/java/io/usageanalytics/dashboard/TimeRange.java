package io.usageanalytics.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/** The time ranges the page offers: the only values its {@code range} parameter takes. */
public enum TimeRange {
    HOUR("hour", Duration.ofHours(1)),
    DAY("day", Duration.ofDays(1)),
    /** Everything the warehouse kept. */
    ALL("all", null);

    private final String parameter;
    private final Duration span;

    TimeRange(String parameter, Duration span) {
        this.parameter = parameter;
        this.span = span;
    }

    public String parameter() {
        return parameter;
    }

    /** The earliest time shown at {@code now}, as Grafana's time filter has it: now minus the span. */
    Instant since(Instant now) {
        return span == null ? Instant.EPOCH : now.minus(span);
    }

    /** The range a parameter names; empty for anything else. */
    static Optional<TimeRange> of(String parameter) {
        return Arrays.stream(values()).filter(r -> r.parameter.equals(parameter)).findFirst();
    }
}
