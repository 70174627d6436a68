package io.usageanalytics.parsing;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

import java.util.Objects;

/** A record the job refused, with the original bytes untouched and a reason a person can act on. */
public class Reject {

    /** The side output every stage sends its rejects to. */
    public static final OutputTag<Reject> OUTPUT =
            new OutputTag<>("rejects", TypeInformation.of(Reject.class));

    public LoggedRecord source;
    /** One of the {@link RejectReason} codes. */
    public String reason;
    /** Names the offending field or limit. */
    public String detail;

    public Reject() {}

    public Reject(LoggedRecord source, String reason, String detail) {
        this.source = source;
        this.reason = reason;
        this.detail = detail;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Reject)) {
            return false;
        }
        Reject that = (Reject) o;
        return Objects.equals(source, that.source)
                && Objects.equals(reason, that.reason)
                && Objects.equals(detail, that.detail);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, reason, detail);
    }

    @Override
    public String toString() {
        return "Reject{" + reason + ": " + detail + ", " + source + "}";
    }
}
