package io.usageanalytics;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;
import io.usageanalytics.testing.Traffic;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming runs on real Kafka into real PostgreSQL with faults injected mid-stream. Each must
 * leave the table a clean bounded run leaves over the same records, and the dead-letter topic
 * holding exactly the rejects, once each.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryITCase {

    /**
     * Restarts every half second: the default exponential backoff would make each 30 s outage
     * cost minutes of test time, and the recovery path is the same.
     */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension(restartEveryHalfSecond());

    private static Configuration restartEveryHalfSecond() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10_000);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        return c;
    }

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static EmbeddedWarehouse pg;
    static Traffic.Generated generated;
    static List<TrafficGenerator.Record> traffic;
    static List<UsageRow> cleanRows;
    /** The dead letters the generator says the traffic must leave: its malformed records. */
    static List<String> cleanRejects;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
        generated = Traffic.generate();
        traffic = generated.records();
        cleanRows = Traffic.cleanRows(generated, pg, "usage_clean");
        // The reference is held to the generator first: per row, the requests, streams and retries it made.
        assertThat(Traffic.requestsPerRow(cleanRows)).isEqualTo(Traffic.requestsPerRow(generated.tally()));
        cleanRejects = Traffic.expectedDeadLetters(generated);
        assertThat(cleanRejects).isNotEmpty();
    }

    @AfterAll
    static void tearDown() {
        pg.close();
        kafka.stop();
    }

    @Test
    @Order(1)
    void jobFailingRepeatedlyMidStreamRestoresFromItsCheckpointsWithAnExactTable() throws Exception {
        FailingRows.FAILURES.set(0);
        String name = runStreaming(rows -> rows.map(new FailingRows(3, 4)), batch -> {});
        assertThat(FailingRows.FAILURES).hasValue(3);
        assertExact(name);
    }

    /**
     * The database goes away while rows are being flushed: the sink fails, the job fails over and
     * keeps restarting (its writer cannot open) until the database is back, then restores from its
     * last checkpoint and re-emits the rows that were never acknowledged.
     */
    @Test
    @Order(4)
    void databaseStoppedFor30SecondsMidStreamLeavesAnExactTable() throws Exception {
        Attempts.HIGHEST.set(0);
        String name = runStreaming(rows -> rows.map(new Attempts()), batch -> {
            if (batch == 3) {
                sleep(() -> pg.restart(Duration.ofSeconds(30)));
            }
        });
        assertThat(Attempts.HIGHEST).as("the outage made the job fail over").hasValueGreaterThan(0);
        assertExact(name);
    }

    @Test
    @Order(2)
    void kafkaStoppedFor30SecondsMidStreamLeavesAnExactTable() throws Exception {
        String name = runStreaming(rows -> rows, batch -> {
            if (batch == 3) {
                kafka.restart(Duration.ofSeconds(30));
            }
        });
        assertExact(name);
    }

    @Test
    @Order(3)
    void slowDatabaseBacksUpTheSinkWithoutLoss() throws Exception {
        String name = "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        runStreaming(name, rows -> rows, batch -> {
            if (batch == 2) {
                // Another session holds the table for 20 s: every write waits, nothing may be lost.
                CompletableFuture.runAsync(() -> sleep(() -> {
                    try (Connection c = Tables.connect(pg.jdbcUrl()); Statement s = c.createStatement()) {
                        c.setAutoCommit(false);
                        s.execute("LOCK TABLE usage_" + name + " IN ACCESS EXCLUSIVE MODE");
                        Thread.sleep(20_000);
                        c.commit();
                    }
                }));
            }
        });
        assertExact(name);
    }

    private void assertExact(String name) throws Exception {
        assertThat(Traffic.withoutSentinel(Tables.rows(pg.jdbcUrl(), "usage_" + name))).isEqualTo(cleanRows);
        assertThat(Traffic.deadLetters(kafka, name + ".rejects")).containsExactlyInAnyOrderElementsOf(cleanRejects);
    }

    private String runStreaming(UnaryOperator<DataStream<UsageRow>> inject, IntConsumer afterBatch)
            throws Exception {
        String name = "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        runStreaming(name, inject, afterBatch);
        return name;
    }

    /**
     * Runs the job in streaming mode with 500 ms checkpoints while the traffic is produced in
     * batches, calls {@code afterBatch} after each, and waits until the table matches the clean run.
     */
    private void runStreaming(String name, UnaryOperator<DataStream<UsageRow>> inject, IntConsumer afterBatch)
            throws Exception {
        String table = "usage_" + name;
        Tables.create(pg.jdbcUrl(), table);
        kafka.createTopic(name, 2);
        kafka.createTopic(name + ".rejects", 1);
        kafka.createTopic(name + ".alerts", 1);
        JobOptions options = UsageAnalyticsJob.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", name, "--group", name, "--start", "earliest", "--checkpoint-interval", "500ms",
                "--idleness", "2s",
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", table,
                "--flush-interval", "200ms", "--max-retries", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        inject.apply(UsageAnalyticsJob.defineJob(env, options).rows())
                .sinkTo(UsageAnalyticsJob.usageTable(options));
        JobClient job = env.executeAsync("recovery-" + name);
        try {
            int batches = 8;
            int size = (traffic.size() + batches - 1) / batches;
            for (int b = 0; b < batches; b++) {
                Traffic.produce(kafka, name, traffic, b * size, (b + 1) * size);
                afterBatch.accept(b);
                Thread.sleep(700);
            }
            // Watermarks are not part of a checkpoint: a job restored after the last record
            // waits for new data to close its windows, as it would with live traffic. Ticks
            // (after the sentinel, outside the compared windows) are that live traffic.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (int tick = 1; System.nanoTime() < deadline; tick++) {
                if (Traffic.withoutSentinel(Tables.rows(pg.jdbcUrl(), table)).equals(cleanRows)) {
                    break;
                }
                Traffic.produce(kafka, name, List.of(Traffic.tick(tick)), 0, 1);
                Thread.sleep(1000);
            }
            // Cancelling would abort dead letters not yet committed by a checkpoint.
            Traffic.awaitDeadLetters(kafka, name + ".rejects", cleanRejects.size(), Duration.ofSeconds(60));
        } finally {
            // Wait until it is gone, so the next test gets the slots.
            job.cancel().get(60, TimeUnit.SECONDS);
            job.getJobExecutionResult().handle((r, e) -> null).get(60, TimeUnit.SECONDS);
        }
    }

    /** Something that sleeps or blocks, run from a callback that cannot throw. */
    private interface Blocking {
        void run() throws Exception;
    }

    private static void sleep(Blocking b) {
        try {
            b.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Throws {@code times} times in all, each time after {@code every} more rows, forcing failovers. */
    static final class FailingRows implements MapFunction<UsageRow, UsageRow> {
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final int times;
        private final int every;
        private int seen;

        FailingRows(int times, int every) {
            this.times = times;
            this.every = every;
        }

        @Override
        public UsageRow map(UsageRow row) {
            if (++seen >= every) {
                int failure = FAILURES.incrementAndGet();
                if (failure <= times) {
                    throw new IllegalStateException("injected failure " + failure);
                }
                FAILURES.decrementAndGet();
            }
            return row;
        }
    }

    /** Passes rows through, remembering the highest attempt number a subtask was started with. */
    static final class Attempts extends RichMapFunction<UsageRow, UsageRow> {
        static final AtomicInteger HIGHEST = new AtomicInteger();

        @Override
        public void open(OpenContext context) {
            HIGHEST.accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public UsageRow map(UsageRow row) {
            return row;
        }
    }
}
