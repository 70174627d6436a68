package io.usageanalytics.parsing;

/** The reason codes a reject carries; they are part of the dead-letter contract. */
public final class RejectReason {

    public static final String MALFORMED_JSON = "malformed_json";
    public static final String NOT_AN_OBJECT = "not_an_object";
    public static final String UNSUPPORTED_OBJECT = "unsupported_object";
    public static final String MISSING_FIELD = "missing_field";
    public static final String INVALID_FIELD = "invalid_field";
    /** After the window's allowed lateness, or for a stream that was already completed. */
    public static final String LATE = "late";
    /** A documented size limit was exceeded (record size, choices, chunks per stream, ...). */
    public static final String LIMIT_EXCEEDED = "limit_exceeded";

    private RejectReason() {}
}
