package io.usageanalytics.testing;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.sinks.UsageTable;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;

/**
 * Generated traffic for fault tests, ending with a sentinel far in the future that closes every
 * window of a streaming run, and the table a clean bounded run leaves for it.
 */
public final class Traffic {

    public static final long T0 = 1_767_225_600L;
    /** {@code created} of the sentinel: an hour after the traffic, in a window of its own. */
    public static final long SENTINEL = T0 + 3600;

    private Traffic() {}

    /** About four minutes of event time: a few thousand records of every kind. */
    public static List<TrafficGenerator.Record> records() {
        List<TrafficGenerator.Record> traffic =
                new ArrayList<>(new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(700));
        byte[] sentinel = completion("sentinel", "gpt-4o", "fp", SENTINEL, message(0, "x", "stop"),
                usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8);
        traffic.add(new TrafficGenerator.Record("sentinel".getBytes(StandardCharsets.UTF_8), sentinel));
        return traffic;
    }

    /** A valid completion {@code n} seconds after the sentinel: moves the watermark on. */
    public static TrafficGenerator.Record tick(int n) {
        String id = "tick-" + n;
        return new TrafficGenerator.Record(id.getBytes(StandardCharsets.UTF_8), completion(id, "gpt-4o", "fp",
                SENTINEL + n, message(0, "x", "stop"), usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8));
    }

    /** The rows of a clean bounded run over {@code records} (on the current MiniCluster), sentinel's left out. */
    public static List<UsageRow> cleanRows(List<TrafficGenerator.Record> records, EmbeddedWarehouse pg,
            String table) throws Exception {
        Tables.create(pg.jdbcUrl(), table);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        UsagePipeline.defineWorkflow(env,
                        RecordsSource.of(records.stream().map(TrafficGenerator.Record::value)
                                .collect(Collectors.toList())),
                        PipelineSettings.defaults())
                .rows()
                .sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, table, 100, Duration.ofMillis(200), 3));
        Map<String, Object> accounting = env.execute("clean-" + table).getAllAccumulatorResults();
        long in = (Long) accounting.get(Accounting.RECORDS_IN);
        long out = (Long) accounting.get(Accounting.RECORDS_AGGREGATED) + (Long) accounting.get(Accounting.REJECTED)
                + (Long) accounting.getOrDefault(Accounting.DUPLICATES_DROPPED, 0L);
        if (in != records.size() || in != out) {
            throw new AssertionError("clean run accounting does not hold: " + accounting);
        }
        return withoutSentinel(Tables.rows(pg.jdbcUrl(), table));
    }

    /** The values a clean run rejects, base64: the generator's malformed records. */
    public static List<String> rejectedValues(List<TrafficGenerator.Record> records) {
        LoggedObjectParser parser = new LoggedObjectParser();
        return records.stream().map(TrafficGenerator.Record::value)
                .filter(v -> parser.parse(LoggedRecord.of(v)).reject != null)
                .map(v -> Base64.getEncoder().encodeToString(v))
                .collect(Collectors.toList());
    }

    /** The values on a dead-letter topic, base64, read as a read_committed consumer would. */
    public static List<String> deadLetters(KafkaBroker kafka, String topic) {
        return kafka.consumeAll(topic, Duration.ofSeconds(30)).stream()
                .map(r -> Base64.getEncoder().encodeToString(r.value())).collect(Collectors.toList());
    }

    public static List<UsageRow> withoutSentinel(List<UsageRow> rows) {
        return rows.stream().filter(r -> r.windowStart < SENTINEL * 1000 - 60_000)
                .collect(Collectors.toList());
    }

    /** Produces {@code records[from, to)} to {@code topic}, keyed by id. */
    public static void produce(KafkaBroker kafka, String topic, List<TrafficGenerator.Record> records,
            int from, int to) {
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (TrafficGenerator.Record r : records.subList(from, Math.min(to, records.size()))) {
            batch.add(new ProducerRecord<>(topic, r.key(), r.value()));
        }
        kafka.produce(topic, batch);
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
