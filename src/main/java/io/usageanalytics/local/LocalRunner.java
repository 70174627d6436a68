package io.usageanalytics.local;

import io.usageanalytics.cli.CommandLines;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.dashboard.DashboardServer;
import io.usageanalytics.dashboard.JobAccounting;
import io.usageanalytics.dashboard.WarehousePanels;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.sinks.Warehouse;


import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code local}: the whole product on one machine. Starts (unless told to use existing ones) a
 * KRaft broker and an embedded PostgreSQL, both keeping their data in the state folder, runs the
 * job on a local Flink MiniCluster with its web UI, and either generates live traffic and shows
 * the live screen until Ctrl-C, or replays {@code --input} once and prints the accounting. The
 * generated traffic's cost is attributed to its tenants and apps unless the user says otherwise.
 * A live run on the embedded services stops with a savepoint and the next one resumes from it (or
 * from the last checkpoint after a crash), so a restart loses and double counts nothing.
 */
@Command(name = "local", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        version = CommandLines.VERSION,
        description = "Run the job locally on embedded Kafka and PostgreSQL.",
        footer = "%nEvery other option is passed to the job (see `usage-analytics job --help`),"
                + " e.g. --topic, --bounded, --window, --allowed-lateness, --out-of-orderness.")
final class LocalRunner implements Callable<Integer> {

    /** The dimension of {@link TrafficGenerator#DIMENSIONS} judged for cost spikes by default. */
    static final String DEFAULT_SPIKE_BY = "tenant";

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Use this Kafka instead of starting one.")
    String kafka;

    @Option(names = "--warehouse", paramLabel = "JDBC_URL",
            description = "Write to this PostgreSQL instead of the embedded one (schema created if missing).")
    String warehouse;

    @Option(names = "--warehouse-user", paramLabel = "USER", defaultValue = "postgres",
            description = "User for --warehouse; the password comes from " + JobOptions.PASSWORD_ENV + ".")
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
            converter = JobOptions.DurationConverter.class, description = "How often the live screen refreshes.")
    Duration refresh;

    @Option(names = DashboardPort.OPTION, paramLabel = "PORT", defaultValue = DashboardPort.DEFAULT,
            description = DashboardPort.DESCRIPTION)
    int uiPort;

    @Option(names = "--state", paramLabel = "DIR", defaultValue = LocalState.DEFAULT_OPTION,
            description = "Where the embedded services keep their data, and the job its checkpoints, between runs.")
    Path state;

    @Option(names = "--reset", description = "Wipe the state folder (warehouse and Kafka data, checkpoints) first.")
    boolean reset;

    @Option(names = "--no-default-dimensions",
            description = "Generated traffic: leave out the default --dimension tenant=header:x-tenant"
                    + " --dimension app=json:/x_gateway/app --spike-by tenant (any --dimension replaces them).")
    boolean noDefaultDimensions;

    @Unmatched
    List<String> jobArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private KafkaBroker broker;
    private EmbeddedWarehouse embeddedWarehouse;
    private LocalState localState;
    // read by the dashboard's threads too
    private volatile LocalJob job;
    private boolean resumable;
    private LiveTraffic traffic;
    private DashboardServer dashboard;

    LocalRunner(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        // Every value is checked before anything starts, so a typo costs nothing.
        checkOwnOptions();
        InputReplay replay;
        try {
            replay = input == null ? null : InputReplay.open(input);
        } catch (IllegalArgumentException e) {
            throw CommandLines.badUsage(spec, e.getMessage());
        }
        localState = new LocalState(state);
        jobOptions(replay, "127.0.0.1:9092", "jdbc:postgresql://127.0.0.1/check", warehouseUser);
        DashboardPort.check(spec, uiPort);
        if (reset) {
            localState.reset();
            out.println("reset: deleted the warehouse and Kafka data and the checkpoints in " + localState.root());
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

    private void checkOwnOptions() {
        if (!(rate > 0)) {
            throw CommandLines.badUsage(spec, "--rate must be positive");
        }
        if (!(malformedShare >= 0 && malformedShare <= 1) || !(duplicateShare >= 0 && duplicateShare <= 1)) {
            throw CommandLines.badUsage(spec, "--malformed-share and --duplicate-share must be between 0 and 1");
        }
        if (refresh.isZero()) {
            throw CommandLines.badUsage(spec, "--refresh must be positive");
        }
    }

    private int run(InputReplay replay) throws Exception {
        String servers = kafka != null ? kafka : startKafka();
        String url = warehouse;
        String user = warehouseUser;
        if (url == null) {
            embeddedWarehouse = localState.startWarehouse();
            url = embeddedWarehouse.jdbcUrl();
            user = embeddedWarehouse.user();
            localState.publishWarehouseUrl(url);
        }
        // A live run on the embedded services picks up where the last one stopped.
        resumable = replay == null && kafka == null && warehouse == null && !jobArgs.contains("--bounded");
        JobOptions options = jobOptions(replay, servers, url, user);
        String topic = options.topics.get(0);
        boolean generate = replay == null && !options.bounded && kafka == null;
        if (replay != null || kafka == null) {
            Topics.ensure(servers, topic, 2, options.kafkaProperties);
        }
        Optional<Path> resumeFrom = resumable ? localState.latestSnapshot() : Optional.empty();
        if (resumable) {
            localState.pruneSnapshots(resumeFrom);
        }

        int flinkUiPort = Loopback.freePort();
        dashboard = DashboardPort.serve(uiPort, new WarehousePanels(url, user, options.jdbcPassword, options.table,
                firstDimension(options)), JobAccounting.of(() -> job == null ? Optional.empty() : job.accumulators()));
        out.println("usage-analytics local");
        out.println("  kafka      " + servers + (kafka == null ? " (embedded)" : "") + ", topic " + topic
                + ", dead letters " + options.rejectsTopic());
        out.println("  warehouse  " + url + " table " + options.table);
        if (embeddedWarehouse != null) {
            out.println("  psql       psql -h 127.0.0.1 -p " + embeddedWarehouse.port() + " -U postgres postgres");
        }
        out.println("  dashboard  " + dashboard.url());
        out.println("  flink ui   http://127.0.0.1:" + flinkUiPort);
        out.println("  input      " + (replay != null ? replay.describe() + " (bounded replay)"
                : generate ? "generated traffic, " + rate + " requests/s" : "topic " + topic));
        if (!options.dimensionSpecs.isEmpty()) {
            out.println("  dimensions " + String.join(", ", options.dimensionSpecs)
                    + (options.spikeBy.isEmpty() ? "" : "; cost spikes also by " + String.join(", ", options.spikeBy)));
        }
        out.println("  logs       " + localState.logFile());
        resumeFrom.ifPresent(p -> out.println("  resuming   from " + p
                + " (the windows open when the last run stopped)"));

        if (replay != null) {
            replay.produce(servers, topic, options.kafkaProperties, out);
        }
        job = LocalJob.start(options, flinkUiPort, resumeFrom, resumable, out);
        if (generate) {
            traffic = LiveTraffic.start(servers, topic, options.kafkaProperties, rate,
                    new TrafficGenerator(System.nanoTime(), Instant.now().getEpochSecond(), 1000, malformedShare,
                            duplicateShare));
        }
        if (options.bounded) {
            return awaitBounded(options, url, user, replay);
        }
        while (!stopping.get()) {
            Thread.sleep(refresh.toMillis());
            if (!stopping.get()) {
                job.reportFailures();
                out.println();
                LiveScreen.live(url, user, options.jdbcPassword, options.table, firstDimension(options),
                        options.eventTime(), Instant.now(), job.accumulators()).forEach(out::println);
            }
        }
        return 0;
    }

    /** The job's options: ours for Kafka, the warehouse and local state, then whatever the user passed on. */
    private JobOptions jobOptions(InputReplay replay, String servers, String url, String user) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", servers, "--jdbc-url", url,
                "--jdbc-user", user));
        // Local mode is a whole product: tables, dashboard views and alert functions.
        if (!passes(jobArgs, "--create-schema")) {
            args.add("--create-schema=all");
        }
        // The generator's traffic is attributed from the first run on: who spent it is the point.
        if (replay == null && kafka == null && !noDefaultDimensions) {
            args.addAll(defaultDimensions(jobArgs));
        }
        if (replay != null && !jobArgs.contains("--bounded")) {
            args.add("--bounded");
        }
        if (replay != null && kafka == null && !jobArgs.contains("--start")) {
            args.addAll(List.of("--start", "earliest"));
        }
        args.addAll(localState.withCheckpoints(jobArgs, resumable));
        JobOptions options;
        try {
            options = UsageAnalyticsJob.parse(args.toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            throw CommandLines.badUsage(spec, e.getMessage()); // reported by this command
        }
        options.jdbcPassword = System.getenv(JobOptions.PASSWORD_ENV);
        return options;
    }

    /**
     * The generator's tenants and apps as dimensions, tenants judged for cost spikes, unless
     * {@code jobArgs} name dimensions of their own; a {@code --spike-by} of theirs replaces the
     * tenants'.
     */
    static List<String> defaultDimensions(List<String> jobArgs) {
        if (passes(jobArgs, "--dimension")) {
            return List.of();
        }
        List<String> args = new ArrayList<>();
        TrafficGenerator.DIMENSIONS.forEach(d -> args.addAll(List.of("--dimension", d)));
        if (!passes(jobArgs, "--spike-by")) {
            args.addAll(List.of("--spike-by", DEFAULT_SPIKE_BY));
        }
        return args;
    }

    /** The dimension whose values' cost the screen and the dashboard show: the first. */
    private static Optional<String> firstDimension(JobOptions options) {
        return options.dimensions().list().stream().map(Dimensions.Dimension::name).findFirst();
    }

    /** Whether {@code args} give {@code option}, as {@code option [VALUE]} or {@code option=VALUE}. */
    private static boolean passes(List<String> args, String option) {
        return args.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
    }

    private int awaitBounded(JobOptions options, String url, String user, InputReplay replay) throws Exception {
        OptionalLong available = replay != null ? OptionalLong.of(replay.produced()) : LocalJob.toRead(options);
        AtomicLong consumed = new AtomicLong(-1);
        Map<String, Object> result = job.await(available, acc -> {
            long read = Accounting.count(acc, Accounting.RECORDS_IN);
            if (consumed.getAndSet(read) != read) {
                out.println("  consumed " + read
                        + (available.isPresent() ? " of " + available.getAsLong() + " records" : " records"));
            }
        });
        boolean replayed = replay != null && replay.produced() > 0;
        Instant from = replayed ? replay.earliest() : Instant.EPOCH;
        Instant to = replayed ? replay.latest().plusSeconds(1) : Instant.now().plus(3650, ChronoUnit.DAYS);
        out.println();
        try (Connection c = Warehouse.connect(url, user, options.jdbcPassword, Duration.ofSeconds(10))) {
            // Windows that hold the records: from the one the earliest falls in.
            LiveScreen.rows(c, options.table, firstDimension(options),
                    Instant.ofEpochMilli(options.eventTime().windowStart(from.toEpochMilli())), to)
                    .forEach(out::println);
        }
        out.println(Accounting.summary(result));
        if (replay != null && !replay.notProduced().isEmpty()) {
            replay.notProduced().forEach(line -> out.println("usage-analytics: " + line));
            return 1;
        }
        return 0;
    }

    private String startKafka() {
        out.println("starting Kafka (data kept in " + localState.kafka() + ") ...");
        broker = KafkaBroker.startKept(localState.kafka());
        return broker.bootstrapServers();
    }

    /**
     * Stops traffic, the job (with a savepoint when the next run resumes from it), the warehouse
     * and the broker, once, whatever the order of calls.
     */
    private void stopEverything() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (traffic != null) {
            traffic.stop();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (job != null && resumable && !job.isDone()) {
            try {
                out.println("stopping: taking a savepoint, so the next run resumes the open windows ...");
                out.println("  saved " + job.stopWithSavepoint(localState.savepoints()));
            } catch (Exception e) {
                out.println("usage-analytics: no savepoint (" + UsageAnalyticsJob.oneLine(e)
                        + "); the next run resumes from the last checkpoint");
            }
        }
        if (job != null) {
            job.close();
        }
        if (embeddedWarehouse != null) {
            embeddedWarehouse.close();
            localState.withdrawWarehouseUrl();
        }
        if (broker != null) {
            broker.stop();
        }
    }
}
