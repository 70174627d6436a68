package io.usageanalytics.cluster;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.testing.FlinkCluster;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Traffic;

import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar on a real standalone Flink cluster (JobManager and TaskManager processes),
 * submitted through the REST API against a real broker and PostgreSQL.
 */
class ClusterITCase {

    /** Only for the clean reference run. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.extension();

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static EmbeddedWarehouse pg;
    static FlinkCluster cluster;
    static String jar;
    static Traffic.Generated generated;
    static List<TrafficGenerator.Record> traffic;
    static List<UsageRow> cleanRows;
    static List<String> deadLetters;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
        cluster = FlinkCluster.start(dir.resolve("flink"));
        jar = cluster.upload(Path.of("target", "usage-analytics.jar"));
        generated = Traffic.generate();
        traffic = generated.records();
        cleanRows = Traffic.cleanRows(generated, pg, "usage_clean");
        // The reference is held to the generator first: per row, the requests, streams and retries it made.
        assertThat(Traffic.requestsPerRow(cleanRows)).isEqualTo(Traffic.requestsPerRow(generated.tally()));
        deadLetters = Traffic.expectedDeadLetters(generated);
    }

    @AfterAll
    static void tearDown() {
        for (AutoCloseable service : new AutoCloseable[] {cluster, pg, kafka}) {
            if (service != null) {
                try {
                    service.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static List<String> jobArgs(String name) {
        return List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", name, "--group", name,
                "--start", "earliest", "--checkpoint-interval", "1s", "--idleness", "2s",
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", "usage_" + name,
                "--create-schema", "--flush-interval", "200ms");
    }

    private static String newName() {
        return "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The metrics of the two jobs of a savepoint upgrade, before and after. */
    record Upgrade(Map<String, Long> before, Map<String, Long> after) {}

    /**
     * Runs the first half of the traffic at {@code firstParallelism}, stops with a savepoint once
     * it is read, resumes from it at {@code secondParallelism} with the second half produced, and
     * waits for the table to equal the clean run's.
     */
    private static Upgrade upgradeThroughSavepoint(int firstParallelism, int secondParallelism) throws Exception {
        String name = newName();
        kafka.createTopic(name, 2);
        int half = traffic.size() / 2;
        Traffic.produce(kafka, name, traffic, 0, half);
        String first = cluster.run(jar, jobArgs(name), firstParallelism, null);
        cluster.awaitState(first, "RUNNING", Duration.ofSeconds(60));
        // Read everything it was given; the REST metric store refreshes every 10 s, so read twice.
        awaitMetric(first, Accounting.RECORDS_IN, half);
        Thread.sleep(11_000);
        Map<String, Long> before = cluster.metrics(first, Accounting.GROUP);
        String savepoint = cluster.stopWithSavepoint(first);
        cluster.awaitState(first, "FINISHED", Duration.ofSeconds(60));

        Traffic.produce(kafka, name, traffic, half, traffic.size());
        String second = cluster.run(jar, jobArgs(name), secondParallelism, savepoint);
        try {
            assertThat(Traffic.awaitTable(pg, "usage_" + name, cleanRows, Duration.ofSeconds(120)))
                    .isEqualTo(cleanRows);
            assertThat(Traffic.awaitDeadLetters(kafka, name + ".rejects", deadLetters.size(), Duration.ofSeconds(60)))
                    .containsExactlyInAnyOrderElementsOf(deadLetters);
            awaitMetric(second, Accounting.RECORDS_IN, traffic.size() - half);
            Thread.sleep(11_000);
            return new Upgrade(before, cluster.metrics(second, Accounting.GROUP));
        } finally {
            cluster.cancel(second);
        }
    }

    @Test
    void stopWithSavepointAndResumeLosesAndDoublesNothing() throws Exception {
        Upgrade u = upgradeThroughSavepoint(2, 2);
        int half = traffic.size() / 2;
        // Each job read exactly its half: nothing re-read, nothing skipped. Streams in flight at
        // the savepoint were read by the first job and aggregated by the second, so the
        // accounting identity holds over the two together.
        assertThat(u.before().get(Accounting.RECORDS_IN)).isEqualTo(half);
        assertThat(u.after().get(Accounting.RECORDS_IN)).isEqualTo(traffic.size() - half);
        assertThat(outcomes(u.before()) + outcomes(u.after())).as(u.before() + " then " + u.after())
                .isEqualTo(traffic.size());
        assertThat(u.after().get(Accounting.COMPLETIONS_IN) + u.after().get(Accounting.CHUNKS_IN))
                .isEqualTo(u.after().get(Accounting.RECORDS_IN) - u.after().getOrDefault("rejected_malformed_json", 0L));
        assertThat(u.after().get(Accounting.ROWS_EMITTED)).isPositive();
    }

    @Test
    void resumingFromASavepointWithMoreParallelismLosesAndDoublesNothing() throws Exception {
        Upgrade u = upgradeThroughSavepoint(1, 2);
        assertThat(outcomes(u.before()) + outcomes(u.after())).isEqualTo(traffic.size());
    }

    @Test
    void killedTaskManagerIsReplacedAndTheJobRecoversExactly() throws Exception {
        String name = newName();
        kafka.createTopic(name, 2);
        String job = cluster.run(jar, jobArgs(name), 2, null);
        try {
            cluster.awaitState(job, "RUNNING", Duration.ofSeconds(60));
            int batches = 6;
            int size = (traffic.size() + batches - 1) / batches;
            for (int b = 0; b < batches; b++) {
                Traffic.produce(kafka, name, traffic, b * size, (b + 1) * size);
                Thread.sleep(1500);
                if (b == 2) {
                    cluster.killTaskManager();
                    cluster.startTaskManager();
                }
            }
            assertThat(Traffic.awaitTable(pg, "usage_" + name, cleanRows, Duration.ofSeconds(150)))
                    .isEqualTo(cleanRows);
            assertThat(Traffic.awaitDeadLetters(kafka, name + ".rejects", deadLetters.size(), Duration.ofSeconds(60)))
                    .containsExactlyInAnyOrderElementsOf(deadLetters);
        } finally {
            cluster.cancel(job);
        }
    }

    /** Records aggregated, rejected or dropped as duplicates. */
    private static long outcomes(Map<String, Long> m) {
        return m.get(Accounting.RECORDS_AGGREGATED) + m.get(Accounting.REJECTED) + m.get(Accounting.DUPLICATES_DROPPED);
    }

    /** Metrics are reported every few seconds; waits until {@code name} reaches {@code value}. */
    private static Map<String, Long> awaitMetric(String job, String name, long value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Long> metrics = cluster.metrics(job, Accounting.GROUP);
        while (metrics.getOrDefault(name, 0L) < value && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            metrics = cluster.metrics(job, Accounting.GROUP);
        }
        return metrics;
    }
}
