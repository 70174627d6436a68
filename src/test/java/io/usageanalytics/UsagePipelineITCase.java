package io.usageanalytics;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.PipelineRun;
import io.usageanalytics.testing.RecordsSource;
import io.usageanalytics.testing.Resources;

import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static org.assertj.core.api.Assertions.assertThat;

class UsagePipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    static final long W0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    static final long W1 = W0 + 60_000;
    static final long W2 = W1 + 60_000;
    static final String G4O = "gpt-4o-2024-08-06";

    static UsageRow row(long start, String model, String fp, long... counts) {
        return new UsageRow(start, start + 60_000, model, fp, UsageCounts.of(counts));
    }

    /**
     * The rows of {@code corpus/mixed.jsonl}, worked out by hand from the records. Columns after
     * the fingerprint: requests, streamed_requests, choices, prompt, completion, total, cached,
     * reasoning, stop, length, tool_calls, content_filter, function_call, other, none, estimated,
     * duplicates. Estimates tokenize each delta: {"city": and "Paris"} are 3 o200k tokens each,
     * "Hello world" 2 (o200k), "The quick brown fox" 4 and " jumps over" 2 (cl100k); the
     * completion "Hi there" is 2 (cl100k).
     */
    static final List<UsageRow> MIXED_ROWS = List.of(
            // c1 (+ its retry), c2 (n=3), s1 (usage chunk), s5 (streamed tool call, estimated)
            row(W0, G4O, "fp_a", 4, 2, 6, 42, 43, 85, 8, 0, 3, 1, 1, 1, 0, 0, 0, 1, 1),
            // c3: a tool call and a stop, cached prompt tokens
            row(W0, G4O, "fp_b", 1, 0, 2, 100, 40, 140, 64, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
            // s2 (n=2 interleaved, fingerprint only on later chunks), s3 (no usage: estimated)
            row(W0, "gpt-4.1-mini", "fp_c", 2, 2, 3, 30, 22, 52, 4, 3, 2, 1, 0, 0, 0, 0, 0, 1, 0),
            // s4 (cut off, no fingerprint), c6 (null fingerprint, function_call and "eos")
            row(W0, "gpt-3.5-turbo", "", 2, 1, 3, 15, 31, 46, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0),
            row(W1, G4O, "fp_a", 1, 0, 1, 7, 3, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1),
            row(W1, G4O, "fp_b", 1, 0, 1, 50, 100, 150, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
            row(W1, "o3-mini", "fp_d", 1, 1, 1, 40, 200, 240, 0, 150, 1, 0, 0, 0, 0, 0, 0, 0, 0),
            row(W1, "gpt-3.5-turbo", "", 1, 0, 1, 0, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0),
            // s7: n=3, one choice cut off
            row(W2, G4O, "fp_a", 1, 1, 3, 9, 30, 39, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0));

    @Test
    void mixedCorpusGivesExactRowsRejectsAndAccounting() throws Exception {
        List<byte[]> corpus = Resources.lines("corpus/mixed.jsonl");
        PipelineRun.Result result = PipelineRun.run(RecordsSource.of(corpus), EventTime.defaults(), MiniClusters.PARALLELISM);

        // On-time data: each window fires exactly once.
        assertThat(result.emissions()).containsExactlyInAnyOrderElementsOf(MIXED_ROWS);

        assertThat(result.rejects()).extracting(r -> r.reason + " " + text(r))
                .containsExactlyInAnyOrder(
                        "malformed_json {\"id\":\"chatcmpl-bad1\",\"object\":\"chat.completion\",\"created\":",
                        "not_an_object [1,2,3]",
                        "unsupported_object {\"id\":\"emb-1\",\"object\":\"embedding\",\"created\":1767225604,"
                                + "\"model\":\"text-embedding-3-small\",\"choices\":[]}",
                        "missing_field {\"id\":\"chatcmpl-bad2\",\"object\":\"chat.completion\","
                                + "\"created\":1767225604,\"choices\":[]}",
                        "invalid_field {\"id\":\"chatcmpl-bad3\",\"object\":\"chat.completion\",\"created\":1767225604,"
                                + "\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":-1,"
                                + "\"completion_tokens\":2,\"total_tokens\":1}}");
        assertThat(result.rejects()).extracting(r -> r.detail).contains(
                "model is missing", "usage.prompt_tokens is not a non-negative integer");

        assertThat(result.counter(Accounting.RECORDS_IN)).isEqualTo(46);
        assertThat(result.counter(Accounting.REJECTED)).isEqualTo(5);
        assertThat(result.counter(Accounting.DUPLICATES_DROPPED)).isEqualTo(2);
        assertThat(result.counter(Accounting.RECORDS_AGGREGATED)).isEqualTo(39);
        assertThat(result.counter(Accounting.COMPLETIONS_IN)).isEqualTo(9);
        assertThat(result.counter(Accounting.CHUNKS_IN)).isEqualTo(32);
        assertThat(result.counter(Accounting.REQUESTS_AGGREGATED)).isEqualTo(14);
        assertThat(result.counter(Accounting.STREAMS_AGGREGATED)).isEqualTo(7);
        assertThat(result.counter(Accounting.STREAMS_ESTIMATED)).isEqualTo(3);
        assertThat(result.counter(Accounting.REQUESTS_ESTIMATED)).isEqualTo(4);
        assertThat(result.counter("rejected_malformed_json")).isEqualTo(1);
        assertThat(result.accountingHolds()).isTrue();
        // The same identity read off the rows and rejects alone.
        long duplicatesInRows = result.finalRows().stream().mapToLong(r -> r.counts.duplicatesDropped).sum();
        assertThat(duplicatesInRows).isEqualTo(2);
    }

    @Test
    void lateRecordsUpdateTheirRowInsideAllowedLatenessAndAreRejectedAfterIt() throws Exception {
        // 60 s windows, no out-of-orderness, 120 s allowed lateness; paced so watermarks advance
        // between records. Parallelism 1: one reader, so the order below is the order seen.
        EventTime time = new EventTime(Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(120));
        long t0 = W0 / 1000;
        String first = completion("a1", "gpt-4o", "fp", t0 + 10, message(0, "x", "stop"), usage(1, 2, 3));
        String advance = completion("b", "gpt-4o", "fp", t0 + 70, message(0, "x", "stop"), usage(1, 1, 2));
        String lateButAllowed = completion("a2", "gpt-4o", "fp", t0 + 20, message(0, "x", "length"), usage(10, 20, 30));
        String lateStreamChunk = chunk("s", "gpt-4o", "fp", t0 + 30, delta(0, "hi", "stop"), null);
        String farAhead = completion("c", "gpt-4o", "fp", t0 + 250, message(0, "x", "stop"), usage(1, 1, 2));
        String tooLate = completion("a3", "gpt-4o", "fp", t0 + 30, message(0, "x", "stop"), usage(100, 100, 200));
        List<byte[]> records = List.of(first, advance, lateButAllowed, lateStreamChunk, farAhead, tooLate)
                .stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).collect(Collectors.toList());

        PipelineRun.Result result = PipelineRun.run(RecordsSource.paced(records, 5), time, 1);

        UsageRow w0First = row(W0, "gpt-4o", "fp", 1, 0, 1, 1, 2, 3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        UsageRow w0WithA2 = row(W0, "gpt-4o", "fp", 2, 0, 2, 11, 22, 33, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        // the late stream "s" ("hi" is 1 token) completes after the watermark moves on
        UsageRow w0WithStream = row(W0, "gpt-4o", "fp", 3, 1, 3, 11, 23, 34, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1, 0);
        assertThat(result.emissions().stream().filter(r -> r.windowStart == W0))
                .containsExactly(w0First, w0WithA2, w0WithStream);
        assertThat(result.finalRows()).containsExactlyInAnyOrder(
                w0WithStream,
                row(W1, "gpt-4o", "fp", 1, 0, 1, 1, 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                row(W0 + 240_000, "gpt-4o", "fp", 1, 0, 1, 1, 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(result.rejects()).extracting(r -> r.reason + " " + text(r))
                .containsExactly("late " + tooLate);
        assertThat(result.counter("rejected_late")).isEqualTo(1);
        assertThat(result.accountingHolds()).isTrue();
    }

    private static String text(Reject r) {
        return new String(r.source.value, StandardCharsets.UTF_8);
    }
}
