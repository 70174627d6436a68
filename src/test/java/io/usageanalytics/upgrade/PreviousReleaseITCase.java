package io.usageanalytics.upgrade;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.sinks.Warehouse;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Resources;
import io.usageanalytics.testing.Tables;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.G4O;
import static io.usageanalytics.testing.MixedCorpus.W1;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upgrade from the release before service tiers, as a user does it: the previous release ran
 * on the first {@value #READ_BEFORE} records of {@code corpus/mixed.jsonl} and was stopped with a
 * savepoint; its savepoint and the warehouse rows it had written are in
 * {@code src/test/resources/previous-release} (see the README there for how they were made). This
 * release migrates that table with {@code --create-schema} and resumes from that savepoint, with
 * open windows, a stream half read and a cost baseline in its state.
 *
 * <p>The previous release did not split rows by service tier: what it had counted restores as
 * rows without a tier, and what is read after the upgrade goes to the rows of its tier. So the
 * table must equal a fresh run's summed over tiers: every request, token and cent once.
 */
class PreviousReleaseITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    /** The topic and group the previous release read; the savepoint's offsets are for it. */
    private static final String TOPIC = "previous-release";
    private static final int READ_BEFORE = 35;
    /** Ten minutes after the corpus: closes its windows in the resumed (unbounded) job. */
    private static final long CLOSER_CREATED = MixedCorpus.W0 / 1000 + 600;

    @TempDir
    Path dir;

    @Test
    void itsTableAndSavepointUpgradeInPlaceToTheTableAFreshRunMakes() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(); EmbeddedWarehouse pg = Postgres.start(dir)) {
            kafka.createTopic(TOPIC, 1);
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (byte[] line : MixedCorpus.records()) {
                records.add(new ProducerRecord<>(TOPIC, 0, null, line));
            }
            records.add(new ProducerRecord<>(TOPIC, 0, null, completion("closer", "gpt-4o", "fp", CLOSER_CREATED,
                    message(0, "x", "stop"), usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8)));
            kafka.produce(TOPIC, records);

            String fresh = schema(pg, "fresh");
            PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            assertThat(UsageAnalyticsJob.run(options(kafka, fresh, "fresh", "--bounded"), out, out)).isZero();
            List<UsageRow> freshRows = closedRows(fresh);
            assertThat(freshRows).containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
            Map<String, String> expected = overTiers(freshRows);

            String upgraded = schema(pg, "upgraded");
            Instant writtenBefore = previousWarehouse(upgraded);
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, resource("previous-release/savepoint"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(restore);
            JobOptions o = UsageAnalyticsJob.parse(options(kafka, upgraded, TOPIC, "--checkpoint-interval", "1s"));
            UsageAnalyticsJob.prepare(env, o, out);
            JobClient job = env.executeAsync("upgraded");
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (!overTiers(closedRows(upgraded)).equals(expected) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(overTiers(closedRows(upgraded))).containsExactlyEntriesOf(expected);
                // c4 was counted before the upgrade, its retry (a duplicate) after it
                assertThat(closedRows(upgraded)).contains(
                        row(W1, G4O, "fp_a", "0.0000475", "requests=1 choices=1 prompt_tokens=7 completion_tokens=3"
                                + " total_tokens=10 finish_stop=1"),
                        row(W1, G4O, "fp_a", MixedCorpus.DEFAULT, "0.000000", "0.000000", "duplicates_dropped=1"));
                // It resumed at the savepoint's offset (a job starting over would read all 47),
                // and the rows the previous release had written were left as they were.
                assertThat(Accounting.count(job.getAccumulators().get(), Accounting.RECORDS_IN))
                        .isEqualTo(MixedCorpus.RECORDS + 1 - READ_BEFORE);
                assertThat(lastWrite(upgraded, "window_start = '2026-01-01 00:00:00+00'")).isEqualTo(writtenBefore);
            } finally {
                job.cancel().get();
            }
        }
    }

    private static String[] options(KafkaBroker kafka, String jdbcUrl, String group, String... more) {
        // The previous release ran with 1 s out-of-orderness, so that its first window closed.
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", TOPIC,
                "--group", group, "--jdbc-url", jdbcUrl, "--jdbc-user", "postgres", "--create-schema",
                "--parallelism", String.valueOf(MiniClusters.PARALLELISM), "--out-of-orderness", "1s"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** A JDBC URL of a schema of its own, so that each run has its own alert table too. */
    private static String schema(EmbeddedWarehouse pg, String name) throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        }
        return pg.jdbcUrl() + "?currentSchema=" + name;
    }

    /**
     * The warehouse as the previous release left it: its schema files and the rows it wrote.
     * Returns when those rows were last written.
     */
    private static Instant previousWarehouse(String jdbcUrl) throws Exception {
        try (Connection c = Tables.connect(jdbcUrl); Statement s = c.createStatement()) {
            for (String file : List.of("001_llm_usage.sql", "002_cost_usd.sql", "003_llm_cost_alerts.sql")) {
                s.execute(Warehouse.sqlFile("schema", file));
            }
            for (String table : List.of("llm_usage", "llm_cost_alerts")) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN WITH (FORMAT csv, HEADER)",
                        new StringReader(Resources.string("previous-release/" + table + ".csv")));
            }
        }
        return lastWrite(jdbcUrl, "true");
    }

    /** When the rows {@code where} names (the first window's 4 rows) were last written. */
    private static Instant lastWrite(String jdbcUrl, String where) throws Exception {
        try (Connection c = Tables.connect(jdbcUrl); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*), max(updated_at) FROM llm_usage WHERE " + where)) {
            assertThat(r.next()).isTrue();
            assertThat(r.getLong(1)).isEqualTo(4);
            return r.getTimestamp(2).toInstant();
        }
    }

    /** The rows of the corpus's windows: all but the closer's, which stays open in the resumed job. */
    private static List<UsageRow> closedRows(String jdbcUrl) throws Exception {
        return Tables.rows(jdbcUrl, "llm_usage").stream()
                .filter(r -> r.windowStart < CLOSER_CREATED * 1000).collect(Collectors.toList());
    }

    /** Counts and cost by window, model and fingerprint, summed over service tiers. */
    private static Map<String, String> overTiers(List<UsageRow> rows) {
        Map<String, UsageCounts> counts = new TreeMap<>();
        Map<String, BigDecimal> costs = new TreeMap<>();
        for (UsageRow r : rows) {
            String key = Instant.ofEpochMilli(r.windowStart) + " " + r.model + " " + r.systemFingerprint;
            counts.computeIfAbsent(key, k -> new UsageCounts()).add(r.counts);
            costs.merge(key, r.costUsd, BigDecimal::add);
        }
        Map<String, String> summed = new TreeMap<>();
        counts.forEach((key, c) -> summed.put(key, c + " cost_usd=" + costs.get(key)));
        return summed;
    }

    private static String resource(String name) throws URISyntaxException {
        return Path.of(PreviousReleaseITCase.class.getClassLoader().getResource(name).toURI()).toString();
    }
}
