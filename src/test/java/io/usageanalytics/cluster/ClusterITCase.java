package io.usageanalytics.cluster;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.testing.FlinkCluster;
import io.usageanalytics.testing.FlinkRest;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Traffic;

import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar on a real standalone Flink cluster (JobManager and TaskManager processes),
 * submitted through the REST API against a real broker and PostgreSQL. Each test checks, through
 * the REST API, that the path it is named for was taken (restored from the savepoint, at the
 * parallelism asked for; failed over for the lost TaskManager and running on its replacement),
 * and holds the results, per tenant and app, to what the traffic generator made.
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
    static FlinkRest rest;
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
        rest = cluster.rest();
        jar = cluster.upload(Path.of("target", "usage-analytics.jar"));
        generated = Traffic.generate();
        traffic = generated.records();
        cleanRows = Traffic.cleanRows(generated, pg, "usage_clean");
        // The reference is held to the generator first: per row, tenant and app, the requests, streams
        // and retries it made.
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
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", name,
                "--group", name, "--start", "earliest", "--checkpoint-interval", "1s", "--idleness", "2s",
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", "usage_" + name,
                "--create-schema", "--flush-interval", "200ms"));
        args.addAll(Traffic.DIMENSION_ARGS);
        return args;
    }

    private static String newName() {
        return "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * The two jobs of a savepoint upgrade: the savepoint and what the second job says it was
     * restored from, each job's vertex parallelism, the first job's final counts, and the second's
     * counts with what the generator says they must be.
     */
    record Upgrade(String savepoint, String restoredFrom, Map<String, Integer> firstParallelism,
            Map<String, Integer> secondParallelism, Map<String, Long> before, Map<String, Long> after,
            Map<String, Long> expectedAfter) {}

    /**
     * Runs the first half of the traffic at {@code firstParallelism}, stops with a savepoint once
     * it is read, resumes from it at {@code secondParallelism} with the second half produced, and
     * waits for the table to equal the clean run's, the dead letters to be the generator's
     * malformed records and the second job's counters to account for the rest of the traffic.
     */
    private static Upgrade upgradeThroughSavepoint(int firstParallelism, int secondParallelism) throws Exception {
        String name = newName();
        kafka.createTopic(name, 2);
        int half = traffic.size() / 2;
        Traffic.produce(kafka, name, traffic, 0, half);
        String first = cluster.run(jar, jobArgs(name), firstParallelism, null);
        cluster.awaitState(first, "RUNNING", Duration.ofSeconds(60));
        assertThat(awaitMetrics(first, Map.of(Accounting.RECORDS_IN, (long) half)))
                .as("the first job read its half").containsEntry(Accounting.RECORDS_IN, (long) half);
        String savepoint = cluster.stopWithSavepoint(first);
        cluster.awaitState(first, "FINISHED", Duration.ofSeconds(60));
        // A finished job's accumulators are its final counts; its metrics are only the last sample.
        Map<String, Long> before = rest.accumulators(first);

        Traffic.produce(kafka, name, traffic, half, traffic.size());
        String second = cluster.run(jar, jobArgs(name), secondParallelism, savepoint);
        try {
            assertThat(Traffic.awaitTable(pg, "usage_" + name, cleanRows, Duration.ofSeconds(120)))
                    .isEqualTo(cleanRows);
            assertThat(Traffic.awaitDeadLetters(kafka, name + ".rejects", deadLetters.size(), Duration.ofSeconds(60)))
                    .containsExactlyInAnyOrderElementsOf(deadLetters);
            // The second job counts what the first did not, of what the generator made.
            TrafficGenerator.Tally tally = generated.tally();
            Map<String, Long> expectedAfter = new HashMap<>();
            expectedAfter.put(Accounting.RECORDS_IN, (long) traffic.size() - half);
            expectedAfter.put(Accounting.RECORDS_AGGREGATED, traffic.size() - tally.malformed - tally.duplicates
                    - tally.skipped - before.get(Accounting.RECORDS_AGGREGATED));
            expectedAfter.put(Accounting.REJECTED, tally.malformed - before.get(Accounting.REJECTED));
            expectedAfter.put(Accounting.DUPLICATES_DROPPED,
                    tally.duplicates - before.get(Accounting.DUPLICATES_DROPPED));
            expectedAfter.put(Accounting.SKIPPED, tally.skipped - before.get(Accounting.SKIPPED));
            // Every row once, none re-emitted: the sentinel's window never closes.
            expectedAfter.put(Accounting.ROWS_EMITTED, cleanRows.size() - before.get(Accounting.ROWS_EMITTED));
            return new Upgrade(savepoint, rest.restoredFrom(second), rest.parallelism(first),
                    rest.parallelism(second), before, awaitMetrics(second, expectedAfter), expectedAfter);
        } finally {
            cluster.cancel(second);
        }
    }

    @Test
    void stopWithSavepointAndResumeLosesAndDoublesNothing() throws Exception {
        Upgrade u = upgradeThroughSavepoint(2, 2);
        assertThat(u.restoredFrom()).as("the second job started from the savepoint").isEqualTo(u.savepoint());
        // Each job read exactly its half: nothing re-read, nothing skipped. Streams in flight at
        // the savepoint were read by the first job and aggregated by the second, so each job's
        // counts are exact only together with the other's.
        assertThat(u.before().get(Accounting.RECORDS_IN)).isEqualTo(traffic.size() / 2);
        assertThat(u.after()).as("second job after " + u.before()).containsAllEntriesOf(u.expectedAfter());
        assertThat(u.after().get(Accounting.COMPLETIONS_IN) + u.after().get(Accounting.CHUNKS_IN))
                .isEqualTo(u.after().get(Accounting.RECORDS_IN) - u.after().getOrDefault("rejected_malformed_json", 0L)
                        - u.after().get(Accounting.SKIPPED));
    }

    @Test
    void resumingFromASavepointWithMoreParallelismLosesAndDoublesNothing() throws Exception {
        Upgrade u = upgradeThroughSavepoint(1, 2);
        assertThat(u.restoredFrom()).as("the second job started from the savepoint").isEqualTo(u.savepoint());
        assertThat(u.firstParallelism().values()).as(u.firstParallelism().toString()).containsOnly(1);
        assertThat(u.secondParallelism().values()).as(u.secondParallelism().toString()).containsOnly(2);
        assertThat(u.before().get(Accounting.RECORDS_IN)).isEqualTo(traffic.size() / 2);
        assertThat(u.after()).as("second job after " + u.before()).containsAllEntriesOf(u.expectedAfter());
    }

    /** The TaskManager runs the job with deploy/flink/config.yaml's JVM options, as taskmanager.sh passes them. */
    @Test
    void theTaskManagerRunsWithTheDeployFilesJvmOptions() throws Exception {
        String options = FlinkCluster.recommendedTaskManagerOptions();
        assertThat(options).contains("-XX:MaxInlineLevel=9");
        // Flink logs each JVM option of the process on a line of its own at start: "... TaskManagerRunner -     -Xmx...".
        Pattern option = Pattern.compile("TaskManagerRunner - +(\\S+)$");
        List<String> logged = Files.readAllLines(cluster.taskManagerLog()).stream()
                .map(option::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
        assertThat(logged).containsAll(List.of(options.split("\\s+")));
    }

    @Test
    void killedTaskManagerIsReplacedAndTheJobRecoversExactly() throws Exception {
        String name = newName();
        kafka.createTopic(name, 2);
        String job = cluster.run(jar, jobArgs(name), 2, null);
        try {
            cluster.awaitAllTasksRunning(job, Duration.ofSeconds(60));
            List<String> taskManagers = rest.taskManagers();
            assertThat(taskManagers).hasSize(1);
            String killed = taskManagers.get(0);
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
            // The job failed over because it lost that TaskManager, and runs on its replacement.
            assertThat(rest.failures(job)).as("failures of the job").anySatisfy(f ->
                    assertThat(f.taskManagerId() + " " + f.stacktrace()).contains(killed));
            assertThat(rest.subtasks(job)).allSatisfy(s -> {
                assertThat(s.attempt()).as(s.toString()).isPositive();
                assertThat(s.taskManagerId()).as(s.toString()).isNotEqualTo(killed);
            });
        } finally {
            cluster.cancel(job);
        }
    }

    /**
     * Polls the job's metrics until each of {@code expected} has its value (the REST API samples
     * them every 10 s), or 60 s pass; returns them as last read.
     */
    private static Map<String, Long> awaitMetrics(String job, Map<String, Long> expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Long> metrics = cluster.metrics(job, Accounting.GROUP);
        while (!metrics.entrySet().containsAll(expected.entrySet()) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            metrics = cluster.metrics(job, Accounting.GROUP);
        }
        return metrics;
    }
}
