package io.usageanalytics.testing;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.pricing.Price;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** {@code corpus/mixed.jsonl}: every kind of record, and the rows and rejects it must give. */
public final class MixedCorpus {

    public static final String RESOURCE = "corpus/mixed.jsonl";
    public static final int RECORDS = 46;
    public static final int REJECTS = 5;
    public static final int DUPLICATES = 2;

    public static final long W0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    public static final long W1 = W0 + 60_000;
    public static final long W2 = W1 + 60_000;
    public static final String G4O = "gpt-4o-2024-08-06";

    /** A 60 s row; {@code cost} in USD as text, or null for an unpriced model. */
    public static UsageRow row(long start, String model, String fp, String cost, long... counts) {
        return new UsageRow(start, start + 60_000, model, fp, UsageCounts.of(counts),
                cost == null ? null : new BigDecimal(cost).setScale(Price.COST_SCALE));
    }

    /**
     * The rows of {@code corpus/mixed.jsonl}, worked out by hand from the records. Columns after
     * the fingerprint: requests, streamed_requests, choices, prompt, completion, total, cached,
     * reasoning, stop, length, tool_calls, content_filter, function_call, other, none, estimated,
     * duplicates. Estimates tokenize each delta: {"city": and "Paris"} are 3 o200k tokens each,
     * "Hello world" 2 (o200k), "The quick brown fox" 4 and " jumps over" 2 (cl100k); the
     * completion "Hi there" is 2 (cl100k). Cost at the bundled list prices (USD per 1M tokens,
     * input/cached/output): gpt-4o 2.50/1.25/10, gpt-4.1-mini 0.40/0.10/1.60, gpt-3.5-turbo
     * 0.50/0.50/1.50, o3-mini 1.10/0.55/4.40; e.g. the first row is (34 × 2.50 + 8 × 1.25 + 43 × 10) / 1e6.
     */
    public static final List<UsageRow> ROWS = List.of(
            // c1 (+ its retry), c2 (n=3), s1 (usage chunk), s5 (streamed tool call, estimated)
            row(W0, G4O, "fp_a", "0.000525", 4, 2, 6, 42, 43, 85, 8, 0, 3, 1, 1, 1, 0, 0, 0, 1, 1),
            // c3: a tool call and a stop, cached prompt tokens
            row(W0, G4O, "fp_b", "0.00057", 1, 0, 2, 100, 40, 140, 64, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
            // s2 (n=2 interleaved, fingerprint only on later chunks), s3 (no usage: estimated)
            row(W0, "gpt-4.1-mini", "fp_c", "0.000046", 2, 2, 3, 30, 22, 52, 4, 3, 2, 1, 0, 0, 0, 0, 0, 1, 0),
            // s4 (cut off, no fingerprint), c6 (null fingerprint, function_call and "eos")
            row(W0, "gpt-3.5-turbo", "", "0.000054", 2, 1, 3, 15, 31, 46, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0),
            row(W1, G4O, "fp_a", "0.0000475", 1, 0, 1, 7, 3, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1),
            row(W1, G4O, "fp_b", "0.001125", 1, 0, 1, 50, 100, 150, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
            row(W1, "o3-mini", "fp_d", "0.000924", 1, 1, 1, 40, 200, 240, 0, 150, 1, 0, 0, 0, 0, 0, 0, 0, 0),
            row(W1, "gpt-3.5-turbo", "", "0.000003", 1, 0, 1, 0, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0),
            // s7: n=3, one choice cut off
            row(W2, G4O, "fp_a", "0.0003225", 1, 1, 3, 9, 30, 39, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0));

    /** The reject reason of each invalid line, by 0-based line index. */
    public static final Map<Integer, String> REJECTS_BY_LINE = Map.of(
            25, "malformed_json", 26, "not_an_object", 27, "unsupported_object",
            28, "missing_field", 29, "invalid_field");

    private MixedCorpus() {}

    public static List<byte[]> records() {
        return Resources.lines(RESOURCE);
    }
}
