package io.usageanalytics.local;

import io.usageanalytics.Accounting;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.cli.UserError;
import io.usageanalytics.sinks.Warehouse;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code local}: the whole product on one machine. Starts (unless told to use existing ones) a
 * KRaft broker and an embedded PostgreSQL whose data is kept in the state folder, runs the job on a
 * local Flink MiniCluster with its web UI, and either generates live traffic and prints a summary
 * every few seconds until Ctrl-C, or replays {@code --input} once and prints the accounting.
 */
@Command(name = "local", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Run the job locally on embedded Kafka and PostgreSQL.",
        footer = "%nEvery other option is passed to the job (see `usage-analytics job --help`),"
                + " e.g. --topic, --bounded, --window, --allowed-lateness, --out-of-orderness.")
final class LocalRunner implements Callable<Integer> {

    static final String PASSWORD_ENV = "USAGE_ANALYTICS_JDBC_PASSWORD";

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Use this Kafka instead of starting one.")
    String kafka;

    @Option(names = "--warehouse", paramLabel = "JDBC_URL",
            description = "Write to this PostgreSQL instead of the embedded one (schema created if missing).")
    String warehouse;

    @Option(names = "--warehouse-user", paramLabel = "USER", defaultValue = "postgres",
            description = "User for --warehouse; the password comes from " + PASSWORD_ENV + ".")
    String warehouseUser;

    @Option(names = "--input", paramLabel = "FILE",
            description = "Replay this JSONL file (- for stdin) once, bounded, instead of live traffic.")
    String input;

    @Option(names = "--rate", paramLabel = "REQUESTS/S", defaultValue = "20",
            description = "Live traffic: requests per second.")
    double rate;

    @Option(names = "--malformed-share", defaultValue = "0.01", description = "Live traffic: share of malformed records.")
    double malformedShare;

    @Option(names = "--duplicate-share", defaultValue = "0.02", description = "Live traffic: share of retried completions.")
    double duplicateShare;

    @Option(names = "--refresh", paramLabel = "DURATION", defaultValue = "5s",
            converter = JobOptions.DurationConverter.class, description = "How often the live summary prints.")
    Duration refresh;

    @Option(names = "--state", paramLabel = "DIR", defaultValue = LocalState.DEFAULT_OPTION,
            description = "Where the embedded warehouse keeps its data between runs.")
    Path state;

    @Option(names = "--reset", description = "Wipe the state folder (warehouse data) first.")
    boolean reset;

    @Unmatched
    List<String> jobArgs = new ArrayList<>();

    private final PrintStream out;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private KafkaBroker broker;
    private EmbeddedWarehouse embeddedWarehouse;
    private LocalState localState;
    private JobClient job;
    private Thread traffic;

    LocalRunner(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        InputReplay replay = input == null ? null : InputReplay.open(input);
        localState = new LocalState(state);
        if (reset) {
            localState.reset();
        }
        Thread cleanup = new Thread(this::stopEverything, "usage-analytics-local-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return run(replay);
        } finally {
            stopEverything();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is already running and does the same
            }
        }
    }

    private int run(InputReplay replay) throws Exception {
        // Options are checked before anything starts, so a typo costs nothing.
        jobOptions(replay, "127.0.0.1:9092", "jdbc:postgresql://127.0.0.1/check", warehouseUser);
        String servers = kafka != null ? kafka : startKafka();
        String url = warehouse;
        String user = warehouseUser;
        if (url == null) {
            embeddedWarehouse = localState.startWarehouse();
            url = embeddedWarehouse.jdbcUrl();
            user = embeddedWarehouse.user();
            localState.publishWarehouseUrl(url);
        }
        JobOptions options = jobOptions(replay, servers, url, user);
        String topic = options.topics.get(0);
        boolean generate = replay == null && !options.bounded && kafka == null;
        if (replay != null || kafka == null) {
            Topics.ensure(servers, topic, 2, options.kafkaProperties);
        }

        int uiPort = Loopback.freePort();
        out.println("usage-analytics local");
        out.println("  kafka      " + servers + (kafka == null ? " (embedded)" : "") + ", topic " + topic
                + ", dead letters " + options.rejectsTopic());
        out.println("  warehouse  " + url + " table " + options.table
                + (embeddedWarehouse == null ? "" : "  (psql -h 127.0.0.1 -p " + embeddedWarehouse.port()
                        + " -U postgres postgres)"));
        out.println("  flink ui   http://127.0.0.1:" + uiPort);
        out.println("  input      " + (replay != null ? replay.describe() + " (bounded replay)"
                : generate ? "generated traffic, " + rate + " requests/s" : "topic " + topic));

        Instant runStart = Instant.now();
        if (replay != null) {
            replay.produce(servers, topic, options.kafkaProperties, out);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
                webUiConfiguration(uiPort));
        UsageAnalyticsJob.prepare(env, options);
        job = env.executeAsync("usage-analytics (local)");
        if (generate) {
            startTraffic(servers, topic, options.kafkaProperties);
        }
        if (options.bounded) {
            return awaitBounded(options, url, user, replay);
        }
        while (!stopping.get()) {
            Thread.sleep(refresh.toMillis());
            if (!stopping.get()) {
                printSummary(options, url, user, runStart.minus(options.window), Instant.now().plus(1, ChronoUnit.DAYS));
                try {
                    out.println(Accounting.summary(job.getAccumulators().get(10, TimeUnit.SECONDS)));
                } catch (Exception e) {
                    out.println("(accounting unavailable: " + UsageAnalyticsJob.oneLine(e) + ")");
                }
            }
        }
        return 0;
    }

    /** The job's options: ours for Kafka and the warehouse, then whatever the user passed on. */
    private JobOptions jobOptions(InputReplay replay, String servers, String url, String user) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", servers,
                "--jdbc-url", url, "--jdbc-user", user, "--create-schema"));
        if (replay != null && !jobArgs.contains("--bounded")) {
            args.add("--bounded");
        }
        if (replay != null && kafka == null && !jobArgs.contains("--start")) {
            args.addAll(List.of("--start", "earliest"));
        }
        args.addAll(localState.withCheckpoints(jobArgs));
        JobOptions options = UsageAnalyticsJob.parse(args.toArray(new String[0]));
        options.jdbcPassword = System.getenv(PASSWORD_ENV);
        return options;
    }

    private int awaitBounded(JobOptions options, String url, String user, InputReplay replay) throws Exception {
        while (!job.getJobExecutionResult().isDone()) {
            Thread.sleep(1000);
            Map<String, Object> acc;
            try {
                acc = job.getAccumulators().get(10, TimeUnit.SECONDS);
            } catch (Exception pollFailed) {
                // The job ended during the sleep: the local cluster shuts down with it, sometimes
                // before the job's result is in, so the poll fails or throws. The result follows.
                if (!awaitResult(Duration.ofSeconds(30))) {
                    throw pollFailed;
                }
                continue;
            }
            out.println("  consumed " + acc.getOrDefault(Accounting.RECORDS_IN, 0L)
                    + (replay != null ? " of " + replay.produced() + " records" : " records"));
        }
        Map<String, Object> result;
        try {
            result = job.getJobExecutionResult().get().getAllAccumulatorResults();
        } catch (Exception e) {
            throw new UserError("job failed: " + UsageAnalyticsJob.oneLine(e));
        }
        Instant from = replay != null && replay.produced() > 0 ? replay.earliest() : Instant.EPOCH;
        Instant to = replay != null && replay.produced() > 0 ? replay.latest().plusSeconds(1) : Instant.now().plus(3650, ChronoUnit.DAYS);
        printSummary(options, url, user, from, to);
        out.println(Accounting.summary(result));
        return 0;
    }

    private boolean awaitResult(Duration timeout) {
        try {
            job.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception failedOrNotYet) {
            // A failure is reported where the result is read.
        }
        return job.getJobExecutionResult().isDone();
    }

    /** Per model over the windows overlapping [from, to): requests, tokens, finish-reason mix. */
    private void printSummary(JobOptions options, String url, String user, Instant from, Instant to) {
        String sql = "SELECT model, sum(requests) AS requests, sum(streamed_requests) AS streamed,"
                + " sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,"
                + " sum(total_tokens) AS total_tokens,"
                + share("finish_stop", "stop") + share("finish_length", "length")
                + share("finish_tool_calls", "tools") + share("finish_content_filter", "filter")
                + share("finish_none", "none") + " sum(estimated_requests) AS estimated,"
                + " sum(duplicates_dropped) AS duplicates"
                + " FROM " + options.table + " WHERE window_end > ? AND window_start < ?"
                + " GROUP BY model ORDER BY model";
        try (Connection c = Warehouse.connect(url, user, options.jdbcPassword, Duration.ofSeconds(10));
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                out.println();
                out.println("-- " + LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS) + " UTC, usage by model --");
                TablePrinter.aligned(TablePrinter.read(r), out);
            }
        } catch (Exception e) {
            out.println("(summary unavailable: " + UsageAnalyticsJob.oneLine(e) + ")");
        }
    }

    private static String share(String column, String label) {
        return " round(100.0 * sum(" + column + ") / nullif(sum(choices), 0), 1) AS \"" + label + "%\",";
    }

    private String startKafka() throws IOException {
        broker = KafkaBroker.start(localState.kafkaParent(), false);
        return broker.bootstrapServers();
    }

    /** Live traffic: every 100 ms, the requests due at {@code rate}, created now. */
    private void startTraffic(String servers, String topic, Properties kafkaProperties) {
        TrafficGenerator generator = new TrafficGenerator(System.nanoTime(), Instant.now().getEpochSecond(),
                1000, malformedShare, duplicateShare);
        traffic = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = producer(servers, kafkaProperties)) {
                long start = System.nanoTime();
                long sent = 0;
                while (!stopping.get()) {
                    long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                    if (due > sent) {
                        generator.restartAt(Instant.now().getEpochSecond());
                        for (TrafficGenerator.Record r : generator.next((int) (due - sent))) {
                            producer.send(new ProducerRecord<>(topic, r.key(), r.value()));
                        }
                        sent = due;
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "usage-analytics-traffic");
        traffic.setDaemon(true);
        traffic.start();
    }

    static KafkaProducer<byte[], byte[]> producer(String servers, Properties kafkaProperties) {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Stops traffic, the job, the warehouse and the broker, once, whatever the order of calls. */
    private void stopEverything() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (traffic != null) {
            traffic.interrupt();
            join(traffic);
        }
        if (job != null && !job.getJobExecutionResult().isDone()) {
            try {
                job.cancel().get(20, TimeUnit.SECONDS);
                job.getJobExecutionResult().handle((r, e) -> null).get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println("usage-analytics: could not cancel the job cleanly: " + UsageAnalyticsJob.oneLine(e));
            }
        }
        if (embeddedWarehouse != null) {
            embeddedWarehouse.close();
            localState.withdrawWarehouseUrl();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Configuration webUiConfiguration(int port) {
        Configuration c = Loopback.flinkConfiguration();
        c.set(RestOptions.PORT, port);
        return c;
    }
}
