package io.usageanalytics;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.RecordsSource;
import io.usageanalytics.testing.Tables;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.kafka.clients.producer.ProducerRecord;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming runs on real Kafka into real PostgreSQL with a fault injected mid-stream; the table
 * they leave must be identical to a clean bounded run's table over the same records.
 */
class RecoveryITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static EmbeddedWarehouse pg;

    static final long T0 = 1_767_225_600L;
    /** Far enough ahead to close every window of the traffic, in its own window. */
    static final long SENTINEL = T0 + 3600;

    static List<TrafficGenerator.Record> traffic;
    static List<UsageRow> cleanRows;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
        // About 4 minutes of event time, a few thousand records, every kind of request.
        traffic = new ArrayList<>(new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(700));
        byte[] sentinel = completion("sentinel", "gpt-4o", "fp", SENTINEL, message(0, "x", "stop"),
                usage(1, 1, 2)).getBytes(StandardCharsets.UTF_8);
        traffic.add(new TrafficGenerator.Record("sentinel".getBytes(StandardCharsets.UTF_8), sentinel));

        Tables.create(pg.jdbcUrl(), "usage_clean");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        UsagePipeline.defineWorkflow(env,
                        RecordsSource.of(traffic.stream().map(TrafficGenerator.Record::value)
                                .collect(Collectors.toList())),
                        EventTime.defaults(), Duration.ofSeconds(30))
                .rows()
                .sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, "usage_clean", 100, Duration.ofMillis(200), 3));
        env.execute("clean");
        cleanRows = withoutSentinel(Tables.rows(pg.jdbcUrl(), "usage_clean"));
        assertThat(cleanRows).hasSizeGreaterThan(20);
    }

    @AfterAll
    static void tearDown() {
        pg.close();
        kafka.stop();
    }

    @Test
    void jobFailingMidStreamRestoresFromItsCheckpointWithAnExactTable() throws Exception {
        FailOnce.FAILED.set(false);
        String table = runStreaming(rows -> rows.map(new FailOnce(5)), batch -> {});
        assertThat(FailOnce.FAILED).isTrue();
        assertThat(withoutSentinel(Tables.rows(pg.jdbcUrl(), table))).isEqualTo(cleanRows);
    }

    @Test
    void databaseRestartedMidStreamLeavesAnExactTable() throws Exception {
        String table = runStreaming(rows -> rows, batch -> {
            if (batch == 4) {
                try {
                    pg.restart(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(withoutSentinel(Tables.rows(pg.jdbcUrl(), table))).isEqualTo(cleanRows);
    }

    /**
     * Runs the job in streaming mode with 500 ms checkpoints while the traffic is produced in
     * batches, calls {@code afterBatch} after each, and waits until the table matches the clean run.
     */
    private String runStreaming(java.util.function.UnaryOperator<DataStream<UsageRow>> inject,
            Consumer<Integer> afterBatch) throws Exception {
        String name = "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String table = "usage_" + name;
        Tables.create(pg.jdbcUrl(), table);
        kafka.createTopic(name, 2);
        kafka.createTopic(name + ".rejects", 1);
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
                List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
                for (TrafficGenerator.Record r : traffic.subList(b * size, Math.min(traffic.size(), (b + 1) * size))) {
                    batch.add(new ProducerRecord<>(name, r.key(), r.value()));
                }
                kafka.produce(name, batch);
                afterBatch.accept(b);
                Thread.sleep(700);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!withoutSentinel(Tables.rows(pg.jdbcUrl(), table)).equals(cleanRows)
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        return table;
    }

    private static List<UsageRow> withoutSentinel(List<UsageRow> rows) {
        return rows.stream().filter(r -> r.windowStart < SENTINEL * 1000 - 60_000)
                .collect(Collectors.toList());
    }

    /** Throws once, in whichever subtask first passes {@code after} rows, to force a failover. */
    static final class FailOnce implements MapFunction<UsageRow, UsageRow> {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private final int after;
        private int seen;

        FailOnce(int after) {
            this.after = after;
        }

        @Override
        public UsageRow map(UsageRow row) {
            if (++seen >= after && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + seen + " rows");
            }
            return row;
        }
    }
}
