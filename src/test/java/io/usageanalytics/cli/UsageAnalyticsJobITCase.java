package io.usageanalytics.cli;

import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.sinks.RejectsTopic;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.testing.Logged;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.tier;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

/** The job on a real KRaft broker and PostgreSQL: source, watermarks, dead letters, start-up checks. */
class UsageAnalyticsJobITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static EmbeddedWarehouse pg;

    @BeforeAll
    static void startServices() {
        kafka = KafkaBroker.start();
        pg = Postgres.start(dir);
    }

    @AfterAll
    static void stopServices() {
        pg.close();
        kafka.stop();
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return UsageAnalyticsJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** A topic holding the mixed corpus, keyed by line, alternating between two partitions. */
    private static String mixedTopic() {
        String topic = "mixed-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        List<byte[]> corpus = MixedCorpus.records();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            records.add(new ProducerRecord<>(topic, i % 2, key(i), corpus.get(i)));
        }
        kafka.produce(topic, records);
        return topic;
    }

    @Test
    void commandLineBoundedRunCreatesTheSchemaWritesExactRowsAndPrintsTheAccounting() throws Exception {
        String topic = mixedTopic();
        int code = run("--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--bounded",
                "--group", "cli-" + topic, "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(),
                "--table", "usage_cli", "--create-schema", "--parallelism", "2");
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Tables.rows(pg.jdbcUrl(), "usage_cli")).containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "accounting: records_in=46 records_aggregated=39 rejected=5 duplicates_dropped=2 skipped=0 "
                        + "requests_aggregated=14 streams_aggregated=7 requests_estimated=4 "
                        + "rejected_invalid_field=1 rejected_malformed_json=1 rejected_missing_field=1 "
                        + "rejected_not_an_object=1 rejected_unsupported_object=1");
    }

    /**
     * More readers than partitions: the one without a partition ends at once, with the
     * end-of-input watermark. A partition quiet at start for longer than a short --idleness
     * was then passed over, that watermark went through, and every record came in late.
     */
    @Test
    void aBoundedRunWithShortIdlenessAndAReaderWithoutPartitionLosesNothing() throws Exception {
        String topic = "one-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (byte[] line : MixedCorpus.records()) {
            records.add(new ProducerRecord<>(topic, 0, null, line));
        }
        kafka.produce(topic, records);
        int code = run("--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--bounded",
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", "usage_one_partition",
                "--create-schema", "--parallelism", "2", "--idleness", "1ms");
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Tables.rows(pg.jdbcUrl(), "usage_one_partition"))
                .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
    }

    /** Five windows of gpt-4o spend; {@code last} is the fifth window's completion tokens. */
    private static String spendTopic(long last) {
        return spendTopic(last, "");
    }

    /** The same, every request of {@code tenant} ({@link Logged#tenant}). */
    private static String spendTopic(long last, String tenant) {
        String topic = "spend-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        long t0 = W0 / 1000;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // 50,000 output tokens at $10 per 1M: $0.50 a window, under the $1 minimum
            long completion = i < 4 ? 50_000 : last;
            records.add(new ProducerRecord<>(topic, i % 2, null, bytes(Logged.tenant(tenant, completion("c" + i,
                    "gpt-4o", "fp", t0 + i * 60 + 5, message(0, "x", "stop"), usage(0, completion, completion))))));
        }
        kafka.produce(topic, records);
        return topic;
    }

    private int runBounded(String topic, String jdbcUrl, String table, String... more) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
                "--bounded", "--group", "g-" + topic, "--jdbc-url", jdbcUrl, "--jdbc-user", pg.user(),
                "--table", table, "--create-schema", "--parallelism", "2"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    /**
     * A JDBC URL whose tables are in a new schema of their own: the job writes its alerts to the
     * one {@code llm_cost_alerts} table, so a test reading it back gets its own.
     */
    private static String ownSchema(String name) throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        }
        return pg.jdbcUrl() + "?currentSchema=" + name;
    }

    @Test
    void costSpikeRaisesExactlyOneAlertOnTheTopicAndInTheTable() throws Exception {
        String topic = spendTopic(1_000_000); // $10 in the fifth window: 20 × the $0.50 baseline
        String url = ownSchema("spike");
        assertThat(runBounded(topic, url, "usage_spike")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(alertMessages(topic)).containsExactly(MODEL_ALERT_MESSAGE);
        assertThat(alertRows(url)).containsExactly(MODEL_ALERT_ROW);
    }

    /** gpt-4o's spike of {@link #spendTopic}: key and JSON as before scopes, with the scope added. */
    private static final String MODEL_ALERT_MESSAGE = "gpt-4o {\"scope\":\"model\",\"value\":\"gpt-4o\","
            + "\"model\":\"gpt-4o\",\"window_start\":\"2026-01-01T00:04:00Z\",\"window_end\":\"2026-01-01T00:05:00Z\","
            + "\"cost_usd\":\"10.000000000000\",\"baseline_usd\":\"0.500000000000\",\"ratio\":20.0}";
    private static final String MODEL_ALERT_ROW = "model | gpt-4o | gpt-4o | 2026-01-01T00:04:00Z"
            + " | 2026-01-01T00:05:00Z | 10.000000000000 | 0.500000000000 | 20.0";

    /**
     * {@code --spike-by tenant}: a tenant's alert goes to the topic and the table beside its
     * model's. The table was made by the release before scopes (schema files 001-005) and holds an
     * alert of that release: {@code --create-schema} migrates it in place, the old row a model
     * alert with every value kept, the key one alert per scope, value and window.
     */
    @Test
    void aTenantsSpikeGoesToTheTopicAndTheMigratedTableBesideItsModelsAlert() throws Exception {
        String url = ownSchema("tenant_spike");
        try (Connection c = Tables.connect(url); Statement s = c.createStatement()) {
            List<String> files = Warehouse.SCHEMA_FILES;
            for (String file : files.subList(0, files.indexOf("006_cost_alert_scope.sql"))) {
                s.execute(Warehouse.sqlFile("schema", file));
            }
            s.execute("INSERT INTO llm_cost_alerts (model, window_start, window_end, cost_usd, baseline_usd, ratio,"
                    + " raised_at) VALUES ('gpt-4o', '2025-12-31 23:00:00+00', '2025-12-31 23:01:00+00', 4.2, 1.0,"
                    + " 4.2, '2025-12-31 23:01:02+00')");
        }
        String topic = spendTopic(1_000_000, "acme");
        assertThat(runBounded(topic, url, "llm_usage", "--dimension", "tenant=json:/x_gateway/tenant",
                "--spike-by", "tenant")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(alertMessages(topic)).containsExactlyInAnyOrder(MODEL_ALERT_MESSAGE,
                "tenant=acme {\"scope\":\"tenant\",\"value\":\"acme\",\"window_start\":\"2026-01-01T00:04:00Z\","
                        + "\"window_end\":\"2026-01-01T00:05:00Z\",\"cost_usd\":\"10.000000000000\","
                        + "\"baseline_usd\":\"0.500000000000\",\"ratio\":20.0}");
        List<String> rows = List.of(
                "model | gpt-4o | gpt-4o | 2025-12-31T23:00:00Z | 2025-12-31T23:01:00Z | 4.200000000000"
                        + " | 1.000000000000 | 4.2",
                MODEL_ALERT_ROW,
                "tenant | acme |  | 2026-01-01T00:04:00Z | 2026-01-01T00:05:00Z | 10.000000000000"
                        + " | 0.500000000000 | 20.0");
        assertThat(alertRows(url)).containsExactlyElementsOf(rows);
        try (Connection c = Tables.connect(url); Statement s = c.createStatement()) {
            ResultSet r = s.executeQuery("SELECT raised_at FROM llm_cost_alerts WHERE window_start < '2026-01-01'");
            assertThat(r.next()).isTrue();
            assertThat(r.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo("2025-12-31T23:01:02Z");
            r = s.executeQuery("SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM pg_index i,"
                    + " unnest(i.indkey) WITH ORDINALITY k(attnum, n), pg_attribute a WHERE i.indisprimary"
                    + " AND i.indrelid = 'llm_cost_alerts'::regclass AND a.attrelid = i.indrelid"
                    + " AND a.attnum = k.attnum");
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("scope, scope_value, window_start");
            // applying the schema again changes nothing
            Warehouse.applySchema(c, "llm_usage");
        }
        assertThat(alertRows(url)).containsExactlyElementsOf(rows);
    }

    /** Each alert on the alerts topic as its key, a space and its JSON. */
    private static List<String> alertMessages(String topic) {
        return kafka.consumeAll(topic + ".alerts", Duration.ofSeconds(30)).stream()
                .map(a -> new String(a.key(), StandardCharsets.UTF_8) + " "
                        + new String(a.value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** The alerts table, oldest window first, every column but raised_at, joined by " | ". */
    private static List<String> alertRows(String url) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = Tables.connect(url); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT scope, scope_value, model, window_start, window_end, cost_usd,"
                        + " baseline_usd, ratio FROM llm_cost_alerts ORDER BY window_start, scope, scope_value")) {
            while (r.next()) {
                rows.add(String.join(" | ", r.getString(1), r.getString(2), r.getString(3),
                        r.getObject(4, OffsetDateTime.class).toInstant().toString(),
                        r.getObject(5, OffsetDateTime.class).toInstant().toString(),
                        r.getBigDecimal(6).toPlainString(), String.valueOf(r.getBigDecimal(7)),
                        String.valueOf(r.getObject(8))));
            }
        }
        return rows;
    }

    /**
     * A table made by the version before service tiers (its three schema files, rows in its
     * layout) is migrated in place by {@code --create-schema}: old rows keep every value and get
     * no tier, new rows of the same window and model are written beside them, one per tier.
     */
    @Test
    void createSchemaMigratesATableOfThePreviousVersionInPlace() throws Exception {
        String url = ownSchema("previous_version");
        String oldColumns = "window_start, window_end, model, system_fingerprint, requests, streamed_requests,"
                + " choices, prompt_tokens, completion_tokens, total_tokens, cached_prompt_tokens, reasoning_tokens,"
                + " finish_stop, finish_length, finish_tool_calls, finish_content_filter, finish_function_call,"
                + " finish_other, finish_none, estimated_requests, duplicates_dropped, cost_usd";
        try (Connection c = Tables.connect(url); Statement s = c.createStatement()) {
            for (String file : List.of("001_llm_usage.sql", "002_cost_usd.sql", "003_llm_cost_alerts.sql")) {
                s.execute(Warehouse.sqlFile("schema", file).replace("llm_usage", "usage_old"));
            }
            s.execute("INSERT INTO usage_old (" + oldColumns + ") VALUES ('2026-01-01 00:00:00+00',"
                    + " '2026-01-01 00:01:00+00', 'gpt-5', 'fp', 3, 1, 3, 300, 30, 330, 100, 10, 3, 0, 0, 0, 0, 0, 0,"
                    + " 0, 1, 0.000687500000)");
        }
        String topic = "tiers-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        long t0 = W0 / 1000;
        kafka.produce(topic, List.of(
                new ProducerRecord<>(topic, null, bytes(Logged.AZURE_PREAMBLE)),
                new ProducerRecord<>(topic, null, bytes(tier("default", completion("d", "gpt-5", "fp", t0 + 5,
                        message(0, "x", "stop"), usage(1000, 100, 1100))))),
                new ProducerRecord<>(topic, null, bytes(tier("priority", completion("p", "gpt-5", "fp", t0 + 6,
                        message(0, "x", "stop"), usage(1000, 100, 1100)))))));

        assertThat(runBounded(topic, url, "usage_old")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("accounting: records_in=3 records_aggregated=2"
                + " rejected=0 duplicates_dropped=0 skipped=1 ", "skipped_prompt_filter_preamble=1");
        assertThat(Tables.rows(url, "usage_old")).containsExactly(
                row(W0, "gpt-5", "fp", "", "0.0006875", "0.0006875", "requests=3 streamed_requests=1 choices=3"
                        + " prompt_tokens=300 completion_tokens=30 total_tokens=330 cached_prompt_tokens=100"
                        + " reasoning_tokens=10 finish_stop=3 duplicates_dropped=1"),
                // gpt-5: 1.25 input and 10 output per 1M at the standard tier, 2.50 and 20 at priority
                row(W0, "gpt-5", "fp", "default", "0.00225", "0.00225", "requests=1 choices=1 prompt_tokens=1000"
                        + " completion_tokens=100 total_tokens=1100 finish_stop=1"),
                row(W0, "gpt-5", "fp", "priority", "0.0045", "0.00225", "requests=1 choices=1 prompt_tokens=1000"
                        + " completion_tokens=100 total_tokens=1100 finish_stop=1"));
        try (Connection c = Tables.connect(url); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM pg_index i,"
                        + " unnest(i.indkey) WITH ORDINALITY k(attnum, n), pg_attribute a WHERE i.indisprimary"
                        + " AND i.indrelid = 'usage_old'::regclass AND a.attrelid = i.indrelid"
                        + " AND a.attnum = k.attnum")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo(String.join(", ", UsageTable.KEY_COLUMNS));
            // applying the schema again changes nothing
            Warehouse.applySchema(c, "usage_old");
        }
        assertThat(Tables.rows(url, "usage_old")).hasSize(3);
    }

    /**
     * Dimensions from a Kafka header and from the logged object, through the real source: the
     * last of a repeated header counts, a missing value is '', a header that is not UTF-8 is a
     * dead letter with its original bytes and that header, and a replay changes no byte.
     */
    @Test
    void dimensionsFromHeadersAndTheObjectAreRowsAndAReplayLeavesTheTableAsItWas() throws Exception {
        String topic = "dims-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        long t0 = W0 / 1000;
        byte[] badTenant = {'a', (byte) 0xc3};
        byte[] rejected = bytes(completion("c", "gpt-4o", "fp", t0 + 3, message(0, "x", "stop"), usage(1, 0, 1)));
        kafka.produce(topic, List.of(
                withHeaders(topic, 0, app(completion("a", "gpt-4o", "fp", t0 + 1, message(0, "x", "stop"),
                        usage(100, 0, 100)), "chat"), "x-tenant", "acme"),
                withHeaders(topic, 1, completion("b", "gpt-4o", "fp", t0 + 2, message(0, "x", "stop"),
                        usage(200, 0, 200)), "x-tenant", "first", "x-tenant", "beta"),
                new ProducerRecord<>(topic, 0, null, bytes("k"), rejected,
                        new RecordHeaders().add("x-tenant", badTenant).add("x-other", bytes("kept out"))),
                new ProducerRecord<>(topic, 1, null, bytes(app(completion("d", "gpt-4o", "fp", t0 + 4,
                        message(0, "x", "stop"), usage(300, 0, 300)), "chat")))));
        String url = ownSchema("dims");
        String[] args = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--bounded",
            "--jdbc-url", url, "--jdbc-user", pg.user(), "--table", "usage_dims", "--create-schema",
            "--parallelism", "2", "--dimension", "tenant=header:x-tenant", "--dimension", "app=json:/x_gateway/app"};

        assertThat(run(args)).as(err.toString(StandardCharsets.UTF_8)).isZero();

        // gpt-4o input at 2.50 per 1M
        assertThat(Tables.rows(url, "usage_dims")).containsExactlyInAnyOrder(
                dimensions(row(W0, "gpt-4o", "fp", "0.00025", "requests=1 choices=1 prompt_tokens=100"
                        + " total_tokens=100 finish_stop=1"), "acme", "chat"),
                dimensions(row(W0, "gpt-4o", "fp", "0.0005", "requests=1 choices=1 prompt_tokens=200"
                        + " total_tokens=200 finish_stop=1"), "beta", ""),
                dimensions(row(W0, "gpt-4o", "fp", "0.00075", "requests=1 choices=1 prompt_tokens=300"
                        + " total_tokens=300 finish_stop=1"), "", "chat"));
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consumeAll(topic + ".rejects", Duration.ofSeconds(30));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(rejected);
        assertThat(dead.get(0).key()).isEqualTo(bytes("k"));
        assertThat(dead.get(0).headers().lastHeader("x-tenant").value()).isEqualTo(badTenant);
        assertThat(dead.get(0).headers().lastHeader("x-other")).isNull();
        assertThat(new String(dead.get(0).headers().lastHeader(RejectsTopic.DETAIL).value(), StandardCharsets.UTF_8))
                .isEqualTo("dimension tenant (header:x-tenant) is not valid UTF-8");

        List<String> before = Tables.snapshot(url, "usage_dims");
        // a group of its own: the whole topic again
        String[] replay = Arrays.copyOf(args, args.length + 2);
        replay[args.length] = "--group";
        replay[args.length + 1] = "replay-" + topic;
        assertThat(run(replay)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Tables.snapshot(url, "usage_dims")).isEqualTo(before);
    }

    /** {@code json} with {@code "x_gateway":{"app":app}} added, as a gateway's envelope field. */
    private static String app(String json, String app) {
        return json.substring(0, json.length() - 1) + ",\"x_gateway\":{\"app\":\"" + app + "\"}}";
    }

    /** A record of {@code json} with headers given as name, value, name, value... */
    private static ProducerRecord<byte[], byte[]> withHeaders(String topic, int partition, String json,
            String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], bytes(headers[i + 1]));
        }
        return new ProducerRecord<>(topic, partition, null, null, bytes(json), h);
    }

    private static UsageRow dimensions(UsageRow row, String tenant, String app) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("tenant", tenant);
        d.put("app", app);
        row.dimensions = d;
        return row;
    }

    @Test
    void calmSpendRaisesNoAlert() throws Exception {
        String topic = spendTopic(50_000);
        String url = ownSchema("calm");
        assertThat(runBounded(topic, url, "usage_calm")).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(kafka.consumeAll(topic + ".alerts", Duration.ofSeconds(30))).isEmpty();
        assertThat(Tables.rows(url, "usage_calm")).hasSize(5)
                .allSatisfy(row -> assertThat(row.costUsd).isEqualTo("0.500000000000"));
        try (Connection c = Tables.connect(url); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM llm_cost_alerts")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getLong(1)).isZero();
        }
    }

    @Test
    void missingTableIsOneLineAtStart() {
        String topic = "t-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        assertThat(run("--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", "no_such_table")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "usage-analytics: table no_such_table does not exist in " + pg.jdbcUrl()
                        + "; run with --create-schema or apply sql/schema");
    }

    @Test
    void wrongCredentialsAreOneLineAtStart() {
        String topic = "t-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        assertThat(run("--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", "nobody")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "usage-analytics: cannot use database " + pg.jdbcUrl()
                        + " as nobody: FATAL: role \"nobody\" does not exist");
    }

    @Test
    void missingInputTopicIsOneLineAtStart() {
        assertThat(run("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "absent")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "usage-analytics: input topic absent does not exist on " + kafka.bootstrapServers());
    }

    @Test
    void boundedRunOverTwoPartitionsGivesExactRowsAndByteEqualDeadLetters() throws Exception {
        // Records alternate between the partitions, so every stream has chunks in both.
        String topic = mixedTopic();
        List<byte[]> corpus = MixedCorpus.records();

        JobOptions options = UsageAnalyticsJob.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", "it-" + topic, "--bounded", "--checkpoint-interval", "1s");
        KafkaCheck.check(options, System.out);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        UsagePipeline.Outputs outputs = UsageAnalyticsJob.defineJob(env, options,
                UsageAnalyticsJob.kafkaSource(options), JobSinks.topics(options));
        CloseableIterator<UsageRow> rows = outputs.rows().collectAsync();
        env.execute("kafka-bounded");
        List<UsageRow> emitted = new ArrayList<>();
        rows.forEachRemaining(emitted::add);

        assertThat(emitted).containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);

        // Each reject: the original key and value, byte for byte, and where it came from.
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consumeAll(options.rejectsTopic(), Duration.ofSeconds(30));
        Map<Integer, String> reasonByLine = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            int line = indexOf(corpus, d.value());
            assertThat(line).as(new String(d.value(), StandardCharsets.UTF_8)).isNotNegative();
            assertThat(d.key()).isEqualTo(key(line));
            assertThat(header(d, RejectsTopic.SOURCE_TOPIC)).isEqualTo(topic);
            assertThat(header(d, RejectsTopic.SOURCE_PARTITION)).isEqualTo(String.valueOf(line % 2));
            assertThat(header(d, RejectsTopic.SOURCE_OFFSET)).isEqualTo(String.valueOf(line / 2));
            assertThat(header(d, RejectsTopic.DETAIL)).isNotBlank();
            reasonByLine.put(line, header(d, RejectsTopic.REASON));
        }
        assertThat(dead).hasSize(MixedCorpus.REJECTS);
        assertThat(reasonByLine).isEqualTo(MixedCorpus.REJECTS_BY_LINE);
    }

    @Test
    void anIdlePartitionDoesNotStallTheWindows() throws Exception {
        String topic = "idle-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        long t0 = W0 / 1000;
        // Everything goes to partition 0; partition 1 never receives a record.
        kafka.produce(topic, List.of(
                new ProducerRecord<>(topic, 0, null, bytes(completion("a", "gpt-4o", "fp", t0 + 1,
                        message(0, "x", "stop"), usage(5, 6, 11)))),
                new ProducerRecord<>(topic, 0, null, bytes(completion("b", "gpt-4o", "fp", t0 + 100,
                        message(0, "x", "stop"), usage(1, 1, 2))))));

        JobOptions options = UsageAnalyticsJob.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", "it-" + topic, "--start", "earliest",
                "--idleness", "1s", "--out-of-orderness", "0s", "--checkpoint-interval", "1s");
        KafkaCheck.check(options, System.out);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        CloseableIterator<UsageRow> rows = UsageAnalyticsJob.defineJob(env, options,
                UsageAnalyticsJob.kafkaSource(options), JobSinks.topics(options)).rows().collectAsync();
        JobClient job = env.executeAsync("kafka-idle");
        try {
            // A generous bound: this asserts that the row appears at all, not how fast.
            UsageRow first = CompletableFuture.supplyAsync(rows::next).get(90, TimeUnit.SECONDS);
            assertThat(first).isEqualTo(row(W0, "gpt-4o", "fp", "0.0000725",
                    "requests=1 choices=1 prompt_tokens=5 completion_tokens=6 total_tokens=11 finish_stop=1"));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
            rows.close();
        }
    }

    private static byte[] key(int line) {
        return ("key-" + line).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(List<byte[]> corpus, byte[] value) {
        for (int i = 0; i < corpus.size(); i++) {
            if (Arrays.equals(corpus.get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
