package io.usageanalytics.sinks;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.PipelineRun;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.RecordsSource;
import io.usageanalytics.testing.Tables;

import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.W1;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Window rows into a real PostgreSQL: exact values, idempotent replays, late updates. */
class UsageTableITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    @TempDir
    static Path dir;

    static EmbeddedWarehouse pg;

    @BeforeAll
    static void startPostgres() {
        pg = Postgres.start(dir);
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    static void runInto(String table, Source<ParsedRecord, ?, ?> source, EventTime time,
            int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        UsagePipeline.Outputs out = UsagePipeline.defineWorkflow(env, source,
                PipelineSettings.defaults().withTime(time));
        out.rows().sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, table, 100,
                Duration.ofMillis(200), 3));
        env.execute("into-" + table);
    }

    @Test
    void boundedRunWritesEveryColumnOfEveryRow() throws Exception {
        Tables.create(pg.jdbcUrl(), "usage_exact");
        runInto("usage_exact", RecordsSource.of(MixedCorpus.records()), EventTime.defaults(),
                MiniClusters.PARALLELISM);
        assertThat(Tables.rows(pg.jdbcUrl(), "usage_exact"))
                .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
    }

    @Test
    void replayingTheSameInputLeavesTheTableUnchanged() throws Exception {
        Tables.create(pg.jdbcUrl(), "usage_replay");
        runInto("usage_replay", RecordsSource.of(MixedCorpus.records()), EventTime.defaults(),
                MiniClusters.PARALLELISM);
        List<String> first = Tables.snapshot(pg.jdbcUrl(), "usage_replay");
        runInto("usage_replay", RecordsSource.of(MixedCorpus.records()), EventTime.defaults(),
                MiniClusters.PARALLELISM);
        // Byte for byte, updated_at included: an upsert that changes nothing writes nothing.
        assertThat(Tables.snapshot(pg.jdbcUrl(), "usage_replay")).hasSize(MixedCorpus.ROWS.size())
                .isEqualTo(first);
    }

    @Test
    void lateRecordChangesExactlyItsRowAndATooLateOneIsRejectedAsLate() throws Exception {
        Tables.create(pg.jdbcUrl(), "usage_late");
        // No out-of-orderness, 120 s lateness; one reader, and each record is handed over only once
        // the watermark of those before it has left the pipeline, so each meets the watermark this
        // order implies.
        EventTime time = new EventTime(Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(120));
        long t0 = W0 / 1000;
        byte[] tooLate = bytes(completion("a3", "gpt-4o", "fp", t0 + 30, message(0, "x", "stop"), usage(100, 100, 200)));
        PipelineRun.Result result;
        try (PipelineRun.Live live = PipelineRun.Live.start(time, out -> out.rows()
                .sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, "usage_late", 100, Duration.ofMillis(200), 3)))) {
            live.sendAndAwaitWatermark(bytes(completion("a1", "gpt-4o", "fp", t0 + 10, message(0, "x", "stop"), usage(1, 2, 3))));
            live.sendAndAwaitWatermark(bytes(completion("c", "gpt-4o-mini", "fp", t0 + 30, message(0, "x", "stop"), usage(4, 4, 8))));
            // the watermark passes W0's end: both of its rows are written
            live.sendAndAwaitWatermark(bytes(completion("b", "gpt-4o", "fp", t0 + 70, message(0, "x", "stop"), usage(1, 1, 2))));
            List<String> fired = awaitTable("usage_late", "W0's two rows", t -> t.size() == 2);

            // late, inside the allowed lateness: W0's gpt-4o row is emitted again and upserted
            live.sendAndAwaitWatermark(bytes(completion("a2", "gpt-4o", "fp", t0 + 20, message(0, "x", "length"), usage(10, 20, 30))));
            List<String> updated = awaitTable("usage_late", "W0's gpt-4o row updated", t -> !t.equals(fired));
            assertThat(updated).hasSize(2);
            assertThat(updated.get(0)).isNotEqualTo(fired.get(0));
            // the other row of the same window, byte for byte, updated_at included
            assertThat(updated.get(1)).isEqualTo(fired.get(1));

            // the watermark reaches W0's end + 120 s: W0 is purged, and a record for it is too late
            live.sendAndAwaitWatermark(bytes(chunk("s", "gpt-4o", "fp", t0 + 180, delta(0, "hi", "stop"), null)));
            assertThat(live.watermark()).isGreaterThanOrEqualTo(time.windowCleanup(W0));
            live.send(tooLate);
            result = live.finish();
        }

        assertThat(result.rejects()).extracting(r -> r.reason + " " + new String(r.source.value, StandardCharsets.UTF_8))
                .containsExactly("late " + new String(tooLate, StandardCharsets.UTF_8));
        assertThat(Tables.rows(pg.jdbcUrl(), "usage_late")).containsExactly(
                row(W0, "gpt-4o", "fp", "0.0002475",
                        "requests=2 choices=2 prompt_tokens=11 completion_tokens=22 total_tokens=33 "
                        + "finish_stop=1 finish_length=1"),
                row(W0, "gpt-4o-mini", "fp", "0.000003",
                        "requests=1 choices=1 prompt_tokens=4 completion_tokens=4 total_tokens=8 "
                        + "finish_stop=1"),
                row(W1, "gpt-4o", "fp", "0.0000125",
                        "requests=1 choices=1 prompt_tokens=1 completion_tokens=1 total_tokens=2 "
                        + "finish_stop=1"),
                row(W1 + 120_000, "gpt-4o", "fp", "0.00001",
                        "requests=1 streamed_requests=1 choices=1 completion_tokens=1 total_tokens=1 "
                        + "finish_stop=1 estimated_requests=1"));
        assertThat(result.accountingHolds()).isTrue();
    }

    /** The table's snapshot once {@code condition} holds; fails naming {@code what} after 30 s. */
    private static List<String> awaitTable(String table, String what, Predicate<List<String>> condition)
            throws Exception {
        long deadline = System.nanoTime() + PipelineRun.Live.TIMEOUT.toNanos();
        while (true) {
            List<String> snapshot = Tables.snapshot(pg.jdbcUrl(), table);
            if (condition.test(snapshot)) {
                return snapshot;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("table " + table + " never showed " + what + "; it holds " + snapshot);
            }
            Thread.sleep(50);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void schemaIsIdempotentAndAMissingTableIsNamed() throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            Warehouse.applySchema(c, "usage_schema");
            Warehouse.applySchema(c, "usage_schema");
            assertThat(Warehouse.tableProblem(c, "usage_schema")).isEmpty();
            assertThat(Warehouse.tableProblem(c, "public.usage_schema")).isEmpty();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE usage_partial (window_start timestamptz)");
            }
            assertThat(Warehouse.tableProblem(c, "usage_missing"))
                    .contains("table usage_missing does not exist");
            assertThat(Warehouse.tableProblem(c, "usage_partial")).contains(
                    "table usage_partial lacks column(s) window_end, model, system_fingerprint, service_tier, dimensions,"
                            + " requests, streamed_requests, choices, prompt_tokens, completion_tokens, total_tokens,"
                            + " cached_prompt_tokens, reasoning_tokens, audio_prompt_tokens, audio_completion_tokens,"
                            + " accepted_prediction_tokens, rejected_prediction_tokens, cache_write_tokens,"
                            + " finish_stop, finish_length, finish_tool_calls, finish_content_filter,"
                            + " finish_function_call, finish_other, finish_none, estimated_requests,"
                            + " duplicates_dropped, cost_usd, standard_cost_usd, updated_at");
            assertThatThrownBy(() -> Warehouse.tableProblem(c, "x; drop table y"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
