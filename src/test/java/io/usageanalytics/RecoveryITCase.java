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
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

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

    static List<TrafficGenerator.Record> traffic;
    static List<UsageRow> cleanRows;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
        traffic = Traffic.records();
        cleanRows = Traffic.cleanRows(traffic, pg, "usage_clean");
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
        assertThat(Traffic.withoutSentinel(Tables.rows(pg.jdbcUrl(), table))).isEqualTo(cleanRows);
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
        assertThat(Traffic.withoutSentinel(Tables.rows(pg.jdbcUrl(), table))).isEqualTo(cleanRows);
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
                Traffic.produce(kafka, name, traffic, b * size, (b + 1) * size);
                afterBatch.accept(b);
                Thread.sleep(700);
            }
            Traffic.awaitTable(pg, table, cleanRows, Duration.ofSeconds(120));
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        return table;
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
