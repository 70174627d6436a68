package io.usageanalytics.parsing;

import java.util.Objects;

/**
 * What the source emits for each input record: exactly one of a valid object, a reject, or the
 * reason a record that carries no usage was skipped. Parsing happens in the source so that
 * watermarks are generated per partition from {@code created}.
 */
public class ParsedRecord {

    /** Skip reason of Azure OpenAI's prompt-filter chunk that opens each stream. */
    public static final String PROMPT_FILTER_PREAMBLE = "prompt_filter_preamble";

    public LoggedObject object;
    public Reject reject;
    /** Why the record was skipped, e.g. {@link #PROMPT_FILTER_PREAMBLE}. */
    public String skipped;

    public ParsedRecord() {}

    public static ParsedRecord valid(LoggedObject object) {
        ParsedRecord r = new ParsedRecord();
        r.object = object;
        return r;
    }

    public static ParsedRecord rejected(Reject reject) {
        ParsedRecord r = new ParsedRecord();
        r.reject = reject;
        return r;
    }

    public static ParsedRecord skipped(String reason) {
        ParsedRecord r = new ParsedRecord();
        r.skipped = reason;
        return r;
    }

    /** Event time in ms; rejects and skipped records get {@link Long#MIN_VALUE} so they never move the watermark. */
    public long eventTimeMillis() {
        return object != null ? object.createdMillis() : Long.MIN_VALUE;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ParsedRecord)) {
            return false;
        }
        ParsedRecord that = (ParsedRecord) o;
        return Objects.equals(object, that.object) && Objects.equals(reject, that.reject)
                && Objects.equals(skipped, that.skipped);
    }

    @Override
    public int hashCode() {
        return Objects.hash(object, reject, skipped);
    }

    @Override
    public String toString() {
        return object != null ? object.toString() : reject != null ? reject.toString() : "Skipped{" + skipped + "}";
    }
}
