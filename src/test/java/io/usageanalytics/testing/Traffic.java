package io.usageanalytics.testing;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.sinks.UsageTable;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;


import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;

/**
 * Generated traffic for fault tests, ending with a sentinel far in the future that closes every
 * window of a streaming run, the table a clean bounded run leaves for it, and what the generator
 * itself says the job must produce. The job attributes it to its tenants and apps ({@link
 * #DIMENSION_ARGS}), so every row is one tenant's and app's.
 */
public final class Traffic {

    public static final long T0 = 1_767_225_600L;
    /** {@code created} of the sentinel: an hour after the traffic, in a window of its own. */
    public static final long SENTINEL = T0 + 3600;
    /** The job's options for the generator's dimensions, tenant (a header) and app (the envelope). */
    public static final List<String> DIMENSION_ARGS = TrafficGenerator.DIMENSIONS.stream()
            .flatMap(d -> Stream.of("--dimension", d)).collect(Collectors.toList());

    private Traffic() {}

    /** Generated records (sentinel last) and the generator's own tally of what it generated. */
    public record Generated(List<TrafficGenerator.Record> records, TrafficGenerator.Tally tally) {}

    /**
     * About four minutes of event time: a few thousand records of every kind, and the generator's
     * tally with its detail (the malformed records as emitted, requests per backend and minute),
     * the expectations that do not come from the code under test.
     */
    public static Generated generate() {
        TrafficGenerator generator = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).recordingDetail();
        List<TrafficGenerator.Record> traffic = new ArrayList<>(generator.next(700));
        byte[] sentinel = completion("sentinel", "gpt-4o", "fp", SENTINEL, message(0, "x", "stop"),
                usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8);
        traffic.add(new TrafficGenerator.Record("sentinel".getBytes(StandardCharsets.UTF_8), sentinel));
        return new Generated(List.copyOf(traffic), generator.tally());
    }

    /** A valid completion {@code n} seconds after the sentinel: moves the watermark on. */
    public static TrafficGenerator.Record tick(int n) {
        String id = "tick-" + n;
        return new TrafficGenerator.Record(id.getBytes(StandardCharsets.UTF_8), completion(id, "gpt-4o", "fp",
                SENTINEL + n, message(0, "x", "stop"), usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The rows of a clean bounded run over the generated records (on the current MiniCluster), with
     * the generator's dimensions, sentinel's left out, after checking its accounting against the
     * generator's tally: every record in, exactly the malformed ones rejected, the retries dropped
     * and Azure's preambles skipped. Its rows are for the caller to hold to {@link
     * #requestsPerRow(TrafficGenerator.Tally)}.
     */
    public static List<UsageRow> cleanRows(Generated generated, EmbeddedWarehouse pg, String table)
            throws Exception {
        List<TrafficGenerator.Record> records = generated.records();
        Tables.create(pg.jdbcUrl(), table);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        Dimensions dimensions = Dimensions.parse(TrafficGenerator.DIMENSIONS);
        PipelineSettings settings = PipelineSettings.defaults();
        List<byte[]> values = records.stream().map(TrafficGenerator.Record::value).collect(Collectors.toList());
        List<Map<String, byte[]>> headers =
                records.stream().map(TrafficGenerator.Record::headers).collect(Collectors.toList());
        UsagePipeline.defineWorkflow(env, RecordsSource.of(values, headers, dimensions),
                        settings.withDimensions(dimensions, settings.maxDimensionValues(), List.of()))
                .rows()
                .sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, table, 100, Duration.ofMillis(200), 3));
        Map<String, Object> accounting = env.execute("clean-" + table).getAllAccumulatorResults();
        TrafficGenerator.Tally tally = generated.tally();
        Map<String, Long> expected = Map.of(Accounting.RECORDS_IN, (long) records.size(),
                Accounting.RECORDS_AGGREGATED, records.size() - tally.malformed - tally.duplicates - tally.skipped,
                Accounting.REJECTED, tally.malformed, Accounting.DUPLICATES_DROPPED, tally.duplicates,
                Accounting.SKIPPED, tally.skipped);
        Map<String, Object> actual = new TreeMap<>();
        expected.keySet().forEach(k -> actual.put(k, accounting.getOrDefault(k, 0L)));
        if (!actual.equals(new TreeMap<>(expected))) {
            throw new AssertionError("clean run accounting " + actual + ", the generator made "
                    + new TreeMap<>(expected));
        }
        return withoutSentinel(Tables.rows(pg.jdbcUrl(), table));
    }

    /**
     * Per row ({@code "window model fingerprint tier tenant app"}): requests, streamed requests,
     * duplicates dropped, as the generator made them; the job's default windows of 60 s are its
     * minutes.
     */
    public static Map<String, List<Long>> requestsPerRow(TrafficGenerator.Tally tally) {
        Map<String, List<Long>> m = new TreeMap<>();
        tally.requestsByMinute.forEach((k, r) -> m.put(rowKey(k.minute() * 1000, k.model(), k.systemFingerprint(),
                k.serviceTier(), k.tenant(), k.app()), List.of(r.requests, r.streamedRequests, r.duplicates)));
        return m;
    }

    /**
     * Per row ({@code "window model fingerprint tier tenant app"}): requests, streamed requests,
     * duplicates dropped.
     */
    public static Map<String, List<Long>> requestsPerRow(List<UsageRow> rows) {
        Map<String, List<Long>> m = new TreeMap<>();
        for (UsageRow r : rows) {
            m.put(rowKey(r.windowStart, r.model, r.systemFingerprint, r.serviceTier, r.dimensions.get("tenant"),
                    r.dimensions.get("app")), List.of(r.counts.requests, r.counts.streamedRequests,
                    r.counts.duplicatesDropped));
        }
        return m;
    }

    /** The generator's {@code null} (none sent) is the table's {@code ''}. */
    private static String rowKey(long windowStartMillis, String model, String fingerprint, String tier,
            String tenant, String app) {
        return Instant.ofEpochMilli(windowStartMillis) + " " + model + " " + (fingerprint == null ? "" : fingerprint)
                + " " + (tier == null ? "" : tier) + " " + tenant + " " + app;
    }

    /**
     * The dead letters the generated traffic must leave, as {@link #deadLetters} reads them: the
     * generator's malformed records, key and value byte for byte.
     */
    public static List<String> expectedDeadLetters(Generated generated) {
        return generated.tally().malformedRecords.stream().map(r -> letter(r.key(), r.value()))
                .collect(Collectors.toList());
    }

    /** The records on a dead-letter topic, key and value in base64, read as a read_committed consumer would. */
    public static List<String> deadLetters(KafkaBroker kafka, String topic) {
        return kafka.consumeAll(topic, Duration.ofSeconds(30)).stream()
                .map(r -> letter(r.key(), r.value())).collect(Collectors.toList());
    }

    private static String letter(byte[] key, byte[] value) {
        return "key " + Base64.getEncoder().encodeToString(key) + " value " + Base64.getEncoder().encodeToString(value);
    }

    public static List<UsageRow> withoutSentinel(List<UsageRow> rows) {
        return rows.stream().filter(r -> r.windowStart < SENTINEL * 1000 - 60_000)
                .collect(Collectors.toList());
    }

    /** Produces {@code records[from, to)} to {@code topic}, keyed by id, with their headers. */
    public static void produce(KafkaBroker kafka, String topic, List<TrafficGenerator.Record> records,
            int from, int to) {
        kafka.produce(topic, records.subList(from, Math.min(to, records.size())).stream().map(r -> r.to(topic))
                .collect(Collectors.toList()));
    }

    /** Polls until the table (sentinel's window left out) equals {@code expected}, or the timeout passes. */
    public static List<UsageRow> awaitTable(EmbeddedWarehouse pg, String table, List<UsageRow> expected,
            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<UsageRow> rows = withoutSentinel(Tables.rows(pg.jdbcUrl(), table));
        while (!rows.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            rows = withoutSentinel(Tables.rows(pg.jdbcUrl(), table));
        }
        return rows;
    }

    /**
     * Polls until the dead-letter topic holds at least {@code expected} committed records, or the
     * timeout passes: they become visible with the checkpoint after they were written, which may
     * come after the table is complete.
     */
    public static List<String> awaitDeadLetters(KafkaBroker kafka, String topic, int expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> letters = deadLetters(kafka, topic);
        while (letters.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
            letters = deadLetters(kafka, topic);
        }
        return letters;
    }
}
