package io.usageanalytics;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.PipelineRun;
import io.usageanalytics.testing.RecordsSource;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.usageanalytics.core.EventTime;

import java.math.BigDecimal;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

/** Rows per combination of dimension values, the cardinality guard, and sums that never change. */
class AttributionITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    private static final Dimensions TENANT_AND_APP =
            Dimensions.parse(List.of("tenant=json:/x_gateway/tenant", "app=json:/x_gateway/app"));

    /** A gpt-4o completion in the first window with {@code prompt} tokens for a tenant and app. */
    private static byte[] request(String id, String tenant, String app, long prompt) {
        return request(id, W0 / 1000 + 1, tenant, app, prompt);
    }

    /** The same, created at {@code created} (epoch seconds). */
    private static byte[] request(String id, long created, String tenant, String app, long prompt) {
        String envelope = ",\"x_gateway\":{\"tenant\":\"" + tenant + "\"" + (app == null ? "" : ",\"app\":\"" + app + "\"")
                + "}}";
        String json = completion(id, "gpt-4o", "fp", created, message(0, "x", "stop"), usage(prompt, 0, prompt));
        return (json.substring(0, json.length() - 1) + envelope).getBytes(StandardCharsets.UTF_8);
    }

    private static PipelineRun.Result run(List<byte[]> records, Dimensions dimensions, int maxValues) throws Exception {
        return PipelineRun.run(RecordsSource.of(records, dimensions),
                PipelineSettings.defaults().withDimensions(dimensions, maxValues, List.of()), 1);
    }

    private static Map<String, String> dims(String tenant, String app) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("tenant", tenant);
        d.put("app", app);
        return d;
    }

    private static UsageRow withDimensions(UsageRow row, Map<String, String> dimensions) {
        row.dimensions = dimensions;
        return row;
    }

    @Test
    void theTopCombinationsAreRowsAndTheRestIsSummedIntoOther() throws Exception {
        List<byte[]> records = List.of(request("a1", "acme", "chat", 600), request("a2", "acme", "chat", 400),
                request("b", "beta", "chat", 500), request("c", "corp", "batch", 300), request("d", "delta", "chat", 300),
                request("e", "echo", null, 100));

        PipelineRun.Result result = run(records, TENANT_AND_APP, 3);

        // gpt-4o input at 2.50 per 1M; corp and delta tie on tokens: corp's text sorts first
        assertThat(result.emissions()).containsExactlyInAnyOrder(
                withDimensions(row(W0, "gpt-4o", "fp", "0.0025", "requests=2 choices=2 prompt_tokens=1000"
                        + " total_tokens=1000 finish_stop=2"), dims("acme", "chat")),
                withDimensions(row(W0, "gpt-4o", "fp", "0.00125", "requests=1 choices=1 prompt_tokens=500"
                        + " total_tokens=500 finish_stop=1"), dims("beta", "chat")),
                withDimensions(row(W0, "gpt-4o", "fp", "0.00075", "requests=1 choices=1 prompt_tokens=300"
                        + " total_tokens=300 finish_stop=1"), dims("corp", "batch")),
                withDimensions(row(W0, "gpt-4o", "fp", "0.001", "requests=2 choices=2 prompt_tokens=400"
                        + " total_tokens=400 finish_stop=2"), dims("__other__", "__other__")));
        assertThat(sum(result.emissions())).isEqualTo(sum(run(records, Dimensions.NONE, 3).emissions()));
    }

    @Test
    void pastAHundredTimesTheRowsAWindowHoldsNewCombinationsGoStraightToOther() throws Exception {
        List<byte[]> records = new ArrayList<>();
        records.add(request("big", "t000", "chat", 1000));
        for (int t = 1; t <= 104; t++) {
            records.add(request("r" + t, String.format("t%03d", t), "chat", 10));
        }

        PipelineRun.Result result = run(records, TENANT_AND_APP, 1);

        // 100 combinations are held (t000 to t099); t100 to t104 were counted as __other__ at once
        assertThat(result.emissions()).containsExactlyInAnyOrder(
                withDimensions(row(W0, "gpt-4o", "fp", "0.0025", "requests=1 choices=1 prompt_tokens=1000"
                        + " total_tokens=1000 finish_stop=1"), dims("t000", "chat")),
                withDimensions(row(W0, "gpt-4o", "fp", "0.0026", "requests=104 choices=104 prompt_tokens=1040"
                        + " total_tokens=1040 finish_stop=104"), dims("__other__", "__other__")));
        assertThat(result.counter(Accounting.DIMENSION_OVERFLOW_WINDOWS)).isEqualTo(1);
        assertThat(sum(result.emissions())).isEqualTo(sum(run(records, Dimensions.NONE, 1).emissions()));
    }

    @Test
    void lateRequestsOfCombinationsNotChosenUpdateOtherAndThoseOfChosenOnesTheirRow() throws Exception {
        // One row besides __other__: acme is chosen when W0 first fires; the window then keeps
        // acme and __other__ only.
        long t0 = W0 / 1000;
        List<byte[]> records = List.of(request("a1", t0 + 10, "acme", "chat", 600),
                request("b1", t0 + 11, "beta", "chat", 100), request("z", t0 + 70, "acme", "chat", 1),
                request("c1", t0 + 20, "corp", "batch", 50), request("a2", t0 + 30, "acme", "chat", 10),
                request("b2", t0 + 40, "beta", "chat", 5));

        PipelineRun.Result result = pacedWithLateness(records, 1);

        // gpt-4o input at 2.50 per 1M; each firing gives acme's row, then __other__'s
        Map<String, String> acme = dims("acme", "chat");
        Map<String, String> other = dims("__other__", "__other__");
        assertThat(result.emissions().stream().filter(r -> r.windowStart == W0)).containsExactly(
                promptRow(1, 600, "0.0015", acme), promptRow(1, 100, "0.00025", other),
                promptRow(1, 600, "0.0015", acme), promptRow(2, 150, "0.000375", other),
                promptRow(2, 610, "0.001525", acme), promptRow(2, 150, "0.000375", other),
                promptRow(2, 610, "0.001525", acme), promptRow(3, 155, "0.0003875", other));
        assertThat(result.accountingHolds()).isTrue();
    }

    @Test
    void aCombinationFirstSeenLateGetsItsOwnRowWhileTheWindowHasRoomForIt() throws Exception {
        // Two rows besides __other__: W0 first fires with acme alone; corp, first seen late,
        // takes the second row; beta, later still, finds none left and counts as __other__.
        long t0 = W0 / 1000;
        List<byte[]> records = List.of(request("a1", t0 + 10, "acme", "chat", 600),
                request("z", t0 + 70, "acme", "chat", 1), request("c1", t0 + 20, "corp", "batch", 50),
                request("b1", t0 + 30, "beta", "chat", 100));

        PipelineRun.Result result = pacedWithLateness(records, 2);

        Map<String, String> acme = dims("acme", "chat");
        Map<String, String> corp = dims("corp", "batch");
        assertThat(result.emissions().stream().filter(r -> r.windowStart == W0)).containsExactly(
                promptRow(1, 600, "0.0015", acme),
                promptRow(1, 600, "0.0015", acme), promptRow(1, 50, "0.000125", corp),
                promptRow(1, 600, "0.0015", acme), promptRow(1, 50, "0.000125", corp),
                promptRow(1, 100, "0.00025", dims("__other__", "__other__")));
        assertThat(result.counter(Accounting.DIMENSION_OVERFLOW_WINDOWS)).isZero();
    }

    /**
     * {@code records} one at a time ({@link PipelineRun#paced}), 60 s windows, no out-of-orderness,
     * 120 s allowed lateness, tenant and app with {@code maxValues} rows besides __other__.
     */
    private static PipelineRun.Result pacedWithLateness(List<byte[]> records, int maxValues) throws Exception {
        return PipelineRun.paced(records, PipelineSettings.defaults()
                .withTime(new EventTime(Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(120)))
                .withDimensions(TENANT_AND_APP, maxValues, List.of()));
    }

    /** A W0 row of {@code requests} gpt-4o requests with {@code prompt} tokens in all. */
    private static UsageRow promptRow(long requests, long prompt, String cost, Map<String, String> dimensions) {
        return withDimensions(row(W0, "gpt-4o", "fp", cost, "requests=" + requests + " choices=" + requests
                + " prompt_tokens=" + prompt + " total_tokens=" + prompt + " finish_stop=" + requests), dimensions);
    }

    @Test
    void withoutDimensionsEveryRowHasNone() throws Exception {
        List<byte[]> records = List.of(request("a", "acme", "chat", 10), request("b", "beta", "chat", 20));
        assertThat(run(records, Dimensions.NONE, 1).emissions()).containsExactly(row(W0, "gpt-4o", "fp", "0.000075",
                "requests=2 choices=2 prompt_tokens=30 total_tokens=30 finish_stop=2"));
    }

    /** Every measure and the cost of {@code rows}, summed. */
    private static String sum(List<UsageRow> rows) {
        UsageCounts counts = new UsageCounts();
        BigDecimal cost = BigDecimal.ZERO;
        for (UsageRow r : rows) {
            counts.add(r.counts);
            cost = cost.add(r.costUsd);
        }
        return counts + " cost_usd=" + cost;
    }
}
