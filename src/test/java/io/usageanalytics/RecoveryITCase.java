package io.usageanalytics;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.JobSinks;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.testing.FlinkRest;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming runs on real Kafka into real PostgreSQL with faults injected mid-stream, attributing
 * usage to the traffic's tenants (a header) and apps (a field). Each must show that its fault
 * happened (a failover with the fault as its cause, or a write that waited), and leave the table a
 * clean bounded run leaves over the same records (a run held to the generator's own tally, per
 * row, tenant and app) and the dead-letter topic holding exactly the generator's malformed
 * records, once each. Every test has its own topic, table, consumer group and counters, so they
 * run in any order.
 */
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
    static FlinkRest rest;
    // Read only by the tests: the traffic, the clean run's table and the generator's dead letters.
    static Traffic.Generated generated;
    static List<UsageRow> cleanRows;
    static List<String> deadLetters;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
        rest = FlinkRest.of(CLUSTER.getClientConfiguration());
        generated = Traffic.generate();
        cleanRows = Traffic.cleanRows(generated, pg, "usage_clean");
        // The reference is held to the generator first: per row, tenant and app, the requests, streams
        // and retries it made.
        assertThat(Traffic.requestsPerRow(cleanRows)).isEqualTo(Traffic.requestsPerRow(generated.tally()));
        deadLetters = Traffic.expectedDeadLetters(generated);
        assertThat(deadLetters).isNotEmpty();
    }

    @AfterAll
    static void tearDown() {
        pg.close();
        kafka.stop();
    }

    @Test
    void jobFailingRepeatedlyMidStreamRestoresFromItsCheckpointsWithAnExactTable() throws Exception {
        String name = newName();
        List<FlinkRest.Failure> failures = runStreaming(name, List.of(),
                rows -> rows.map(new FailingRows(name, 3, 4)), batch -> {});
        assertThat(FailingRows.failures(name)).hasValue(3);
        // Two subtasks may throw in the same failover, so there are up to three, each ours.
        assertThat(failures).as("the job's failovers").isNotEmpty()
                .allSatisfy(f -> assertThat(f.stacktrace()).contains("injected failure"));
        assertExact(name);
    }

    /**
     * The database goes away while rows are being flushed: the sink fails, the job fails over and
     * keeps restarting (its writer cannot open) until the database is back, then restores from its
     * last checkpoint and re-emits the rows that were never acknowledged.
     */
    @Test
    void databaseStoppedFor30SecondsMidStreamLeavesAnExactTable() throws Exception {
        String name = newName();
        long[] outage = new long[2];
        int closing = batchClosingTheFirstWindow();
        List<FlinkRest.Failure> failures = runStreaming(name, List.of(), rows -> rows.map(new Attempts(name)),
                batch -> {
                    if (batch == closing) {
                        outage[0] = System.currentTimeMillis();
                        sleep(() -> pg.restart(Duration.ofSeconds(30)));
                        outage[1] = System.currentTimeMillis();
                    }
                });
        assertThat(Attempts.highest(name)).as("the outage made the job fail over").hasValueGreaterThan(0);
        assertThat(failures).as("a failover during the outage, caused by the database")
                .anySatisfy(f -> {
                    assertThat(f.timestamp()).isBetween(outage[0], outage[1]);
                    assertThat(f.stacktrace()).contains("org.postgresql");
                });
        assertExact(name);
    }

    /**
     * The broker goes away for 30 s. With the Kafka clients' default timeouts (a producer blocks
     * for 60 s) the job would sit the outage out; the job's clients here give up after 5 s, so the
     * outage makes it fail over and recover from its checkpoint once the broker is back.
     */
    @Test
    void kafkaStoppedFor30SecondsMidStreamLeavesAnExactTable() throws Exception {
        String name = newName();
        long[] outage = new long[2];
        List<FlinkRest.Failure> failures = runStreaming(name, List.of("--kafka.max.block.ms=5000"), rows -> rows,
                batch -> {
                    if (batch == 3) {
                        outage[0] = System.currentTimeMillis();
                        kafka.restart(Duration.ofSeconds(30));
                        outage[1] = System.currentTimeMillis();
                    }
                });
        assertThat(failures).as("a failover during the outage, caused by Kafka")
                .anySatisfy(f -> {
                    assertThat(f.timestamp()).isBetween(outage[0], outage[1]);
                    assertThat(f.stacktrace()).contains("org.apache.kafka");
                });
        assertExact(name);
    }

    /** Another session holds the table for 20 s: every write waits, nothing may be lost. */
    @Test
    void slowDatabaseBacksUpTheSinkWithoutLoss() throws Exception {
        String name = newName();
        String table = "usage_" + name;
        List<String> blocked = new ArrayList<>();
        try (TableLock lock = new TableLock(pg.jdbcUrl(), table)) {
            runStreaming(name, List.of(), rows -> rows, batch -> sleep(() -> {
                if (batch == 2) {
                    lock.acquire();
                } else if (batch == 7) {
                    // Every window closes with this last batch: the sink must now write, and wait.
                    blocked.addAll(lock.awaitBlocked("INSERT INTO " + table, Duration.ofSeconds(30)));
                    lock.releaseAfter(Duration.ofSeconds(20));
                }
            }));
            assertThat(blocked).as("the job's writes waited on the lock")
                    .anyMatch(q -> q.startsWith("INSERT INTO " + table));
            assertThat(lock.atRelease).as("nothing was written while the table was locked")
                    .isEqualTo(lock.atAcquire);
        }
        assertExact(name);
    }

    private void assertExact(String name) throws Exception {
        assertThat(Traffic.withoutSentinel(Tables.rows(pg.jdbcUrl(), "usage_" + name))).isEqualTo(cleanRows);
        assertThat(Traffic.deadLetters(kafka, name + ".rejects")).containsExactlyInAnyOrderElementsOf(deadLetters);
    }

    private static String newName() {
        return "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Runs the job in streaming mode with 500 ms checkpoints on its own topic, table and consumer
     * group while the traffic is produced in batches, calls {@code afterBatch} after each, waits
     * until the table matches the clean run and the dead letters are committed, and returns the
     * job's exception history.
     */
    private List<FlinkRest.Failure> runStreaming(String name, List<String> extraArgs,
            UnaryOperator<DataStream<UsageRow>> inject, IntConsumer afterBatch) throws Exception {
        String table = "usage_" + name;
        Tables.create(pg.jdbcUrl(), table);
        kafka.createTopic(name, 2);
        kafka.createTopic(name + ".rejects", 1);
        kafka.createTopic(name + ".alerts", 1);
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", name, "--group", name, "--start", "earliest", "--checkpoint-interval", "500ms",
                "--idleness", "2s",
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", table,
                "--flush-interval", "200ms", "--max-retries", "2"));
        args.addAll(Traffic.DIMENSION_ARGS);
        args.addAll(extraArgs);
        JobOptions options = UsageAnalyticsJob.parse(args.toArray(String[]::new));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        inject.apply(UsageAnalyticsJob.defineJob(env, options, UsageAnalyticsJob.kafkaSource(options),
                        JobSinks.topics(options)).rows())
                .sinkTo(JobSinks.of(options).rows());
        List<TrafficGenerator.Record> traffic = generated.records();
        JobClient job = env.executeAsync("recovery-" + name);
        try {
            int size = batchSize();
            for (int b = 0; b < BATCHES; b++) {
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
            Traffic.awaitDeadLetters(kafka, name + ".rejects", deadLetters.size(), Duration.ofSeconds(60));
            return rest.failures(job.getJobID().toHexString());
        } finally {
            // Wait until it is gone, so the next test gets the slots.
            job.cancel().get(60, TimeUnit.SECONDS);
            job.getJobExecutionResult().handle((r, e) -> null).get(60, TimeUnit.SECONDS);
        }
    }

    /** Batches {@link #runStreaming} produces the traffic in. */
    private static final int BATCHES = 8;

    private static int batchSize() {
        return (generated.records().size() + BATCHES - 1) / BATCHES;
    }

    /**
     * The batch whose records move the watermark past the end of the first window (the job's
     * default event time): the job writes that window's rows as it reads the batch.
     */
    private static int batchClosingTheFirstWindow() {
        EventTime time = EventTime.defaults();
        long closes = Traffic.T0 * 1000 + time.window().toMillis() + time.outOfOrderness().toMillis();
        LoggedObjectParser parser = new LoggedObjectParser();
        List<TrafficGenerator.Record> traffic = generated.records();
        for (int i = 0; i < traffic.size(); i++) {
            LoggedObject o = parser.parse(LoggedRecord.of(traffic.get(i).value())).object;
            if (o != null && o.createdMillis() >= closes) {
                return i / batchSize();
            }
        }
        throw new IllegalStateException("the traffic never closes its first window");
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

    /**
     * ACCESS EXCLUSIVE on a table, taken and held by a session of its own, so that every write to
     * the table waits. It checks that it holds the lock, sees who waits on it, and reads the
     * table's row count and latest update when taken and when released (from inside its own
     * transaction: any other session would wait too).
     */
    static final class TableLock implements AutoCloseable {
        private final String url;
        private final String table;
        private Connection session;
        private int pid;
        private long acquiredNanos;
        String atAcquire;
        String atRelease;

        TableLock(String url, String table) {
            this.url = url;
            this.table = table;
        }

        /** Takes the lock (waiting at most 10 s for writes in progress) or throws. */
        void acquire() throws SQLException {
            session = Tables.connect(url);
            session.setAutoCommit(false);
            try (Statement s = session.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '10s'");
                s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                try (ResultSet r = s.executeQuery("SELECT pg_backend_pid(), (SELECT bool_and(granted) FROM pg_locks"
                        + " WHERE pid = pg_backend_pid() AND relation = '" + table + "'::regclass"
                        + " AND mode = 'AccessExclusiveLock')")) {
                    r.next();
                    pid = r.getInt(1);
                    if (!r.getBoolean(2)) {
                        throw new AssertionError("pg_locks shows no ACCESS EXCLUSIVE lock on " + table
                                + " held by the locking session");
                    }
                }
            }
            acquiredNanos = System.nanoTime();
            atAcquire = content();
        }

        /**
         * Polls, from another session, the statements waiting on this lock until one starts with
         * {@code prefix} or the timeout passes; returns them as last seen.
         */
        List<String> awaitBlocked(String prefix, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            try (Connection c = Tables.connect(url); PreparedStatement s = c.prepareStatement(
                    "SELECT query FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
                s.setInt(1, pid);
                while (true) {
                    List<String> blocked = new ArrayList<>();
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            blocked.add(r.getString(1));
                        }
                    }
                    if (blocked.stream().anyMatch(q -> q.startsWith(prefix)) || System.nanoTime() > deadline) {
                        return blocked;
                    }
                    Thread.sleep(200);
                }
            }
        }

        /** Holds the lock until {@code held} has passed since it was taken, then releases it. */
        void releaseAfter(Duration held) throws Exception {
            long left = held.toNanos() - (System.nanoTime() - acquiredNanos);
            if (left > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
            }
            atRelease = content();
            session.commit();
            close();
        }

        private String content() throws SQLException {
            try (Statement s = session.createStatement();
                    ResultSet r = s.executeQuery("SELECT count(*) || ' rows, last updated '"
                            + " || coalesce(max(updated_at)::text, 'never') FROM " + table)) {
                r.next();
                return r.getString(1);
            }
        }

        @Override
        public void close() throws SQLException {
            if (session != null) {
                try {
                    session.close();
                } finally {
                    session = null;
                }
            }
        }
    }

    /** Throws {@code times} times in all, each time after {@code every} more rows, forcing failovers. */
    static final class FailingRows implements MapFunction<UsageRow, UsageRow> {
        /** Per test (its run's name), across the operator's instances and restarts. */
        private static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
        private final String run;
        private final int times;
        private final int every;
        private int seen;

        FailingRows(String run, int times, int every) {
            this.run = run;
            this.times = times;
            this.every = every;
        }

        static AtomicInteger failures(String run) {
            return FAILURES.computeIfAbsent(run, r -> new AtomicInteger());
        }

        @Override
        public UsageRow map(UsageRow row) {
            if (++seen >= every) {
                int failure = failures(run).incrementAndGet();
                if (failure <= times) {
                    throw new IllegalStateException("injected failure " + failure);
                }
                failures(run).decrementAndGet();
            }
            return row;
        }
    }

    /** Passes rows through, remembering (per test) the highest attempt number a subtask was started with. */
    static final class Attempts extends RichMapFunction<UsageRow, UsageRow> {
        private static final Map<String, AtomicInteger> HIGHEST = new ConcurrentHashMap<>();
        private final String run;

        Attempts(String run) {
            this.run = run;
        }

        static AtomicInteger highest(String run) {
            return HIGHEST.computeIfAbsent(run, r -> new AtomicInteger());
        }

        @Override
        public void open(OpenContext context) {
            highest(run).accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public UsageRow map(UsageRow row) {
            return row;
        }
    }
}
