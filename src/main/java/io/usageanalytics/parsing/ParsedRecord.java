package io.usageanalytics.parsing;

import java.util.Objects;

/**
 * What the source emits for each input record: exactly one of a valid object or a reject. Parsing
 * happens in the source so that watermarks are generated per partition from {@code created}.
 */
public class ParsedRecord {

    public LoggedObject object;
    public Reject reject;

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

    /** Event time in ms; rejects get {@link Long#MIN_VALUE} so they never move the watermark. */
    public long eventTimeMillis() {
        return object != null ? object.createdMillis() : Long.MIN_VALUE;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ParsedRecord)) {
            return false;
        }
        ParsedRecord that = (ParsedRecord) o;
        return Objects.equals(object, that.object) && Objects.equals(reject, that.reject);
    }

    @Override
    public int hashCode() {
        return Objects.hash(object, reject);
    }

    @Override
    public String toString() {
        return object != null ? object.toString() : String.valueOf(reject);
    }
}
