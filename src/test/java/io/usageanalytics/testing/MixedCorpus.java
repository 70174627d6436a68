package io.usageanalytics.testing;

import io.usageanalytics.aggregation.UsageColumn;
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

    /**
     * A 60 s row; {@code cost} in USD as text, or null for an unpriced model; {@code counts} names
     * each non-zero measure, e.g. {@code "requests=2 total_tokens=46"}.
     */
    public static UsageRow row(long start, String model, String fp, String cost, String counts) {
        return row(start, model, fp, "", cost, cost, counts);
    }

    /** A 60 s row of a service tier, with its cost and what it would cost at standard prices. */
    public static UsageRow row(long start, String model, String fp, String tier, String cost, String standardCost,
            String counts) {
        return new UsageRow(start, start + 60_000, model, fp, tier, counts(counts), usd(cost), usd(standardCost));
    }

    private static BigDecimal usd(String cost) {
        return cost == null ? null : new BigDecimal(cost).setScale(Price.COST_SCALE);
    }

    /** Counts from {@code column=value} pairs (columns by their warehouse name); the rest are 0. */
    public static UsageCounts counts(String named) {
        UsageCounts c = new UsageCounts();
        for (String pair : named.trim().split("\\s+")) {
            String[] kv = pair.split("=");
            c.with(UsageColumn.named(kv[0]), Long.parseLong(kv[1]));
        }
        return c;
    }

    /**
     * The rows of {@code corpus/mixed.jsonl}, worked out by hand from the records. Its completions
     * say service_tier "default", its streams none: a row each. Estimates tokenize each delta:
     * {"city": and "Paris"} are 3 o200k tokens each, "Hello world" 2 (o200k), "The quick brown
     * fox" 4 and " jumps over" 2 (cl100k); the completion "Hi there" is 2 (cl100k). Cost at the
     * bundled list prices (USD per 1M tokens, input/cached/output): gpt-4o 2.50/1.25/10,
     * gpt-4.1-mini 0.40/0.10/1.60, gpt-3.5-turbo 0.50/0.50/1.50, o3-mini 1.10/0.55/4.40; e.g. the
     * first row is (22 × 2.50 + 8 × 1.25 + 35 × 10) / 1e6, the same at standard prices.
     */
    public static final List<UsageRow> ROWS = List.of(
            // c1 (+ its retry), c2 (n=3)
            row(W0, G4O, "fp_a", "default", "0.000415", "0.000415",
                    "requests=2 choices=4 prompt_tokens=30 completion_tokens=35 total_tokens=65 "
                    + "cached_prompt_tokens=8 finish_stop=2 finish_length=1 finish_content_filter=1 "
                    + "duplicates_dropped=1"),
            // s1 (usage chunk), s5 (streamed tool call, estimated)
            row(W0, G4O, "fp_a", "0.00011",
                    "requests=2 streamed_requests=2 choices=2 prompt_tokens=12 completion_tokens=8 "
                    + "total_tokens=20 finish_stop=1 finish_tool_calls=1 estimated_requests=1"),
            // c3: a tool call and a stop, cached prompt tokens
            row(W0, G4O, "fp_b", "default", "0.00057", "0.00057",
                    "requests=1 choices=2 prompt_tokens=100 completion_tokens=40 total_tokens=140 "
                    + "cached_prompt_tokens=64 finish_stop=1 finish_tool_calls=1"),
            // s2 (n=2 interleaved, fingerprint only on later chunks), s3 (no usage: estimated)
            row(W0, "gpt-4.1-mini", "fp_c", "0.000046",
                    "requests=2 streamed_requests=2 choices=3 prompt_tokens=30 completion_tokens=22 "
                    + "total_tokens=52 cached_prompt_tokens=4 reasoning_tokens=3 finish_stop=2 "
                    + "finish_length=1 estimated_requests=1"),
            // s4 (cut off, no fingerprint, estimated)
            row(W0, "gpt-3.5-turbo", "", "0.000009",
                    "requests=1 streamed_requests=1 choices=1 completion_tokens=6 total_tokens=6 finish_none=1 "
                    + "estimated_requests=1"),
            // c6 (null fingerprint, function_call and "eos")
            row(W0, "gpt-3.5-turbo", "", "default", "0.000045", "0.000045",
                    "requests=1 choices=2 prompt_tokens=15 completion_tokens=25 total_tokens=40 "
                    + "finish_function_call=1 finish_other=1"),
            row(W1, G4O, "fp_a", "default", "0.0000475", "0.0000475",
                    "requests=1 choices=1 prompt_tokens=7 completion_tokens=3 total_tokens=10 "
                    + "finish_stop=1 duplicates_dropped=1"),
            row(W1, G4O, "fp_b", "default", "0.001125", "0.001125",
                    "requests=1 choices=1 prompt_tokens=50 completion_tokens=100 total_tokens=150 "
                    + "finish_length=1"),
            row(W1, "o3-mini", "fp_d", "0.000924",
                    "requests=1 streamed_requests=1 choices=1 prompt_tokens=40 completion_tokens=200 "
                    + "total_tokens=240 reasoning_tokens=150 finish_stop=1"),
            row(W1, "gpt-3.5-turbo", "", "default", "0.000003", "0.000003",
                    "requests=1 choices=1 completion_tokens=2 total_tokens=2 finish_stop=1 "
                    + "estimated_requests=1"),
            // s7: n=3, one choice cut off
            row(W2, G4O, "fp_a", "0.0003225",
                    "requests=1 streamed_requests=1 choices=3 prompt_tokens=9 completion_tokens=30 "
                    + "total_tokens=39 finish_stop=2 finish_none=1"));

    /** The reject reason of each invalid line, by 0-based line index. */
    public static final Map<Integer, String> REJECTS_BY_LINE = Map.of(
            25, "malformed_json", 26, "not_an_object", 27, "unsupported_object",
            28, "missing_field", 29, "invalid_field");

    private MixedCorpus() {}

    public static List<byte[]> records() {
        return Resources.lines(RESOURCE);
    }
}
