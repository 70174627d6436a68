package io.usageanalytics;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.PipelineRun;
import io.usageanalytics.testing.RecordsSource;
import io.usageanalytics.testing.Resources;

import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.tenant;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.W1;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

class UsagePipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    /**
     * {@code corpus/compatible.jsonl}: records shaped exactly as the servers behind a gateway log
     * them (Azure OpenAI, vLLM, Groq, DeepSeek, OpenAI flex, audio, predicted outputs, a cache
     * write), priced per tier and token class. Prices per 1M tokens as in the bundled list.
     */
    @Test
    void compatibleSourcesGiveExactRowsPricedByTierAndTokenClass() throws Exception {
        PipelineRun.Result result = PipelineRun.run(RecordsSource.of(Resources.lines("corpus/compatible.jsonl")),
                EventTime.defaults(), MiniClusters.PARALLELISM);

        assertThat(result.emissions()).containsExactlyInAnyOrder(
                // Azure's spelling at gpt-3.5-turbo's price, 0.50/1.50: (20 × 0.50 + 2 × 1.50) / 1e6
                row(W0, "gpt-35-turbo", "", "", "0.000013", "0.000013", "requests=1 streamed_requests=1 choices=1"
                        + " prompt_tokens=20 completion_tokens=2 total_tokens=22 finish_stop=1"),
                // cumulative usage on every chunk, the largest total counts; an open model has no price
                row(W0, "meta-llama/Llama-3.1-8B-Instruct", "", "", null, null, "requests=1 streamed_requests=1"
                        + " choices=1 prompt_tokens=12 completion_tokens=3 total_tokens=15 finish_stop=1"),
                row(W0, "llama-3.1-8b-instant", "fp_9cb648b966", "on_demand", null, null, "requests=1"
                        + " streamed_requests=1 choices=1 prompt_tokens=40 completion_tokens=10 total_tokens=50"
                        + " finish_stop=1"),
                row(W0, "deepseek-chat", "fp_3a5770e1b4_prod0225", "", null, null, "requests=1 choices=1"
                        + " prompt_tokens=100 completion_tokens=20 total_tokens=120 cached_prompt_tokens=64"
                        + " finish_stop=1"),
                // flex 0.125/0.0125/1.00: (800 × 0.125 + 200 × 0.0125 + 500 × 1.00) / 1e6;
                // standard 0.25/0.025/2.00: (800 × 0.25 + 200 × 0.025 + 500 × 2.00) / 1e6
                row(W0, "gpt-5-mini-2025-08-07", "", "flex", "0.0006025", "0.001205", "requests=1"
                        + " streamed_requests=1 choices=1 prompt_tokens=1000 completion_tokens=500 total_tokens=1500"
                        + " cached_prompt_tokens=200 reasoning_tokens=384 finish_stop=1"),
                // text 2.50/10, audio 40/80: (100 × 2.50 + 200 × 40 + 30 × 10 + 120 × 80) / 1e6
                row(W0, "gpt-4o-audio-preview-2024-12-17", "fp_b1442291a8", "default", "0.01815", "0.01815",
                        "requests=1 choices=1 prompt_tokens=300 completion_tokens=150 total_tokens=450"
                        + " audio_prompt_tokens=200 audio_completion_tokens=120 finish_stop=1"),
                // priority 4.25/17, standard 2.50/10; predictions are inside completion tokens
                row(W0, "gpt-4o-2024-08-06", "fp_a7d06e42a7", "priority", "0.0051", "0.003", "requests=1 choices=1"
                        + " prompt_tokens=400 completion_tokens=200 total_tokens=600 accepted_prediction_tokens=50"
                        + " rejected_prediction_tokens=30 finish_stop=1"),
                // cache writes have no price in OpenAI's list: unpriced, not priced without them
                row(W0, "gpt-4.1-2025-04-14", "", "", null, null, "requests=1 choices=1 prompt_tokens=500"
                        + " completion_tokens=50 total_tokens=550 cache_write_tokens=64 finish_stop=1"));
        assertThat(result.rejects()).isEmpty();
        assertThat(result.counter(Accounting.RECORDS_IN)).isEqualTo(20);
        assertThat(result.counter(Accounting.SKIPPED)).isEqualTo(1);
        assertThat(result.counter(Accounting.SKIPPED_PREFIX + ParsedRecord.PROMPT_FILTER_PREAMBLE)).isEqualTo(1);
        assertThat(result.counter(Accounting.RECORDS_AGGREGATED)).isEqualTo(19);
        assertThat(result.counter(Accounting.UNPRICED)).isEqualTo(4);
        assertThat(result.accountingHolds()).isTrue();
    }

    @Test
    void mixedCorpusGivesExactRowsRejectsAndAccounting() throws Exception {
        List<byte[]> corpus = MixedCorpus.records();
        PipelineRun.Result result = PipelineRun.run(RecordsSource.of(corpus), EventTime.defaults(), MiniClusters.PARALLELISM);

        // On-time data: each window fires exactly once.
        assertThat(result.emissions()).containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);

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
        // 60 s windows, no out-of-orderness, 120 s allowed lateness; paced: each record is handed
        // over only once the watermark of those before it has passed the windows, so every record
        // meets the watermark this order implies.
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

        PipelineRun.Result result = PipelineRun.paced(records, time);

        UsageRow w0First = row(W0, "gpt-4o", "fp", "0.0000225",
                "requests=1 choices=1 prompt_tokens=1 completion_tokens=2 total_tokens=3 finish_stop=1");
        UsageRow w0WithA2 = row(W0, "gpt-4o", "fp", "0.0002475",
                "requests=2 choices=2 prompt_tokens=11 completion_tokens=22 total_tokens=33 finish_stop=1 "
                + "finish_length=1");
        // the late stream "s" ("hi" is 1 token) completes after the watermark moves on
        UsageRow w0WithStream = row(W0, "gpt-4o", "fp", "0.0002575",
                "requests=3 streamed_requests=1 choices=3 prompt_tokens=11 completion_tokens=23 "
                + "total_tokens=34 finish_stop=2 finish_length=1 estimated_requests=1");
        assertThat(result.emissions().stream().filter(r -> r.windowStart == W0))
                .containsExactly(w0First, w0WithA2, w0WithStream);
        assertThat(result.finalRows()).containsExactlyInAnyOrder(
                w0WithStream,
                row(W1, "gpt-4o", "fp", "0.0000125",
                        "requests=1 choices=1 prompt_tokens=1 completion_tokens=1 total_tokens=2 "
                        + "finish_stop=1"),
                row(W0 + 240_000, "gpt-4o", "fp", "0.0000125",
                        "requests=1 choices=1 prompt_tokens=1 completion_tokens=1 total_tokens=2 "
                        + "finish_stop=1"));
        assertThat(result.rejects()).extracting(r -> r.reason + " " + text(r))
                .containsExactly("late " + tooLate);
        assertThat(result.counter("rejected_late")).isEqualTo(1);
        assertThat(result.accountingHolds()).isTrue();
    }

    /**
     * {@code --dimension tenant=json:/x_gateway/tenant --max-dimension-values 3 --spike-by tenant}
     * over five windows of two models ($10 per 1M output tokens each). Tenant acme spends $0.50 a
     * window over both models, then $2.00: four times its baseline, an alert. Its models' totals
     * only double, beta and the requests without a tenant are calm, and the small tenants c1-c3
     * are summed into each model's {@code __other__} row, a value judged like the others: calm.
     */
    @Test
    void aTenantsSpikeAcrossModelsRaisesOneAlertForThatTenantAlone() throws Exception {
        // Output tokens a window by model and tenant ('' for requests without one): calm, then in window 4.
        Map<String, Map<String, long[]>> traffic = Map.of(
                "gpt-4o", Map.of("acme", new long[] {20_000, 100_000}, "beta", new long[] {40_000, 40_000},
                        "", new long[] {12_000, 12_000}, "c1", new long[] {3_000, 3_000},
                        "c2", new long[] {2_000, 2_000}),
                "gpt-5", Map.of("acme", new long[] {30_000, 100_000}, "beta", new long[] {45_000, 45_000},
                        "", new long[] {14_000, 14_000}, "c3", new long[] {4_000, 4_000},
                        "c1", new long[] {1_000, 1_000}));
        List<byte[]> records = new ArrayList<>();
        long t0 = W0 / 1000;
        for (int i = 0; i < 5; i++) {
            for (Map.Entry<String, Map<String, long[]>> model : traffic.entrySet()) {
                for (Map.Entry<String, long[]> spend : model.getValue().entrySet()) {
                    long tokens = spend.getValue()[i < 4 ? 0 : 1];
                    records.add(tenant(spend.getKey(), completion("r" + records.size(), model.getKey(), "fp",
                            t0 + i * 60 + 5, message(0, "x", "stop"), usage(0, tokens, tokens)))
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        Dimensions dimensions = Dimensions.parse(List.of("tenant=json:/x_gateway/tenant"));
        PipelineRun.Result result = PipelineRun.run(RecordsSource.of(records, dimensions),
                PipelineSettings.defaults().withDimensions(dimensions, 3, List.of("tenant")), MiniClusters.PARALLELISM);

        assertThat(result.alerts()).containsExactly(new CostAlert("tenant", "acme", W0 + 240_000, W0 + 300_000,
                new BigDecimal("2.000000000000"), new BigDecimal("0.500000000000"), 4.0));
        // c1 + c2 on gpt-4o, c3 + c1 on gpt-5: 5,000 tokens each window
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String model : List.of("gpt-4o", "gpt-5")) {
                others.add(Instant.ofEpochMilli(W0 + i * 60_000L) + " " + model + " 0.050000000000");
            }
        }
        assertThat(result.emissions().stream().filter(r -> r.dimensions.get("tenant").equals(Dimensions.OTHER))
                .map(r -> Instant.ofEpochMilli(r.windowStart) + " " + r.model + " " + r.costUsd))
                .containsExactlyInAnyOrderElementsOf(others);
        assertThat(result.counter(Accounting.RECORDS_AGGREGATED)).isEqualTo(50);
    }

    private static String text(Reject r) {
        return new String(r.source.value, StandardCharsets.UTF_8);
    }
}
