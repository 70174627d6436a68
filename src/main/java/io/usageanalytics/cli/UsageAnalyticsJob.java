package io.usageanalytics.cli;

import io.usageanalytics.Accounting;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.sinks.CostAlerts;
import io.usageanalytics.sinks.RejectsTopic;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;
import io.usageanalytics.sinks.WarehouseSink;
import io.usageanalytics.sources.KafkaInput;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The job's entry point: parses options, checks the services it needs, and runs the usage pipeline
 * from Kafka into the dead-letter topic and the row sink. Errors the user can fix are one line on
 * stderr and a non-zero exit: 2 for bad usage, 1 for everything else.
 */
@Command(name = "usage-analytics-job", mixinStandardHelpOptions = true, showDefaultValues = true,
        sortOptions = false, version = "usage-analytics 0.1.0",
        description = "Aggregates logged chat completion responses from Kafka into per-window usage rows.",
        footer = "%nAny --kafka.<property>=<value> is passed to every Kafka client,"
                + " e.g. --kafka.security.protocol=SASL_SSL.")
public class UsageAnalyticsJob implements Callable<Integer> {

    public static final String KAFKA_PREFIX = "--kafka.";

    @Mixin
    JobOptions options = new JobOptions();

    private PrintStream out = System.out;

    /**
     * The cluster jar's entry point. It runs inside Flink (the CLI or the JobManager's web
     * submission), where System.exit would take the JobManager down; the error line is already on
     * stderr, so a failure only needs to end the program. {@code ./usage-analytics job} exits
     * with the code instead.
     */
    public static void main(String[] args) {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int code = run(args, System.out, new PrintStream(new TeeOutputStream(System.err, errors), true,
                StandardCharsets.UTF_8));
        if (code != 0) {
            // The REST API and flink run show the exception, so it carries the error line.
            throw new IllegalStateException(errors.toString(StandardCharsets.UTF_8).trim());
        }
    }

    /** Writes to two streams. */
    private static final class TeeOutputStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeOutputStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }

    /** Runs the job as the command line would and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        UsageAnalyticsJob job = new UsageAnalyticsJob();
        job.out = out;
        List<String> rest = new ArrayList<>();
        try {
            extractKafkaProperties(args, job.options, rest);
        } catch (IllegalArgumentException e) {
            err.println("usage-analytics: " + e.getMessage());
            return 2;
        }
        CommandLine cli = new CommandLine(job)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, a) -> {
                    e.getCommandLine().getErr().println("usage-analytics: " + e.getMessage()
                            + " (see --help)");
                    return 2;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("usage-analytics: " + oneLine(e));
                    return 1;
                });
        return cli.execute(rest.toArray(new String[0]));
    }

    /** Moves {@code --kafka.<property>=<value>} (or {@code --kafka.<property> <value>}) into options. */
    static void extractKafkaProperties(String[] args, JobOptions options, List<String> rest) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith(KAFKA_PREFIX)) {
                rest.add(a);
                continue;
            }
            String property = a.substring(KAFKA_PREFIX.length());
            int eq = property.indexOf('=');
            String value;
            if (eq >= 0) {
                value = property.substring(eq + 1);
                property = property.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            if (property.isEmpty()) {
                throw new IllegalArgumentException("option " + a + " names no Kafka property");
            }
            options.kafkaProperties.setProperty(property, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        prepare(env, options);
        try {
            JobExecutionResult result = env.execute("usage-analytics");
            // A detached submission (the REST API, flink run -d) has no result to report.
            if (options.bounded && result.isJobExecutionResult()) {
                out.println(Accounting.summary(result.getAllAccumulatorResults()));
            }
            return 0;
        } catch (Exception e) {
            throw new UserError("job failed: " + oneLine(e));
        }
    }

    /**
     * Checks the options and the services they name, then builds the whole job into {@code env}:
     * Kafka source, pipeline, dead-letter topic, and the warehouse table (or stdout).
     */
    public static void prepare(StreamExecutionEnvironment env, JobOptions o) throws UserError {
        validate(o);
        KafkaCheck.check(o);
        if (o.jdbcUrl != null) {
            checkWarehouse(o);
        }
        UsagePipeline.Outputs outputs = defineJob(env, o);
        if (o.jdbcUrl != null) {
            outputs.rows().sinkTo(usageTable(o)).name("usage-table").uid("usage-table");
            outputs.alerts()
                    .sinkTo(CostAlerts.table(Warehouse.connection(o.jdbcUrl, o.jdbcUser, o.jdbcPassword)))
                    .name("cost-alerts-table")
                    .uid("cost-alerts-table");
        } else {
            outputs.rows().print().name("rows-stdout");
        }
    }

    /** The warehouse sink the options describe. */
    public static WarehouseSink<UsageRow> usageTable(JobOptions o) {
        return UsageTable.sink(o.jdbcUrl, o.jdbcUser, o.jdbcPassword, o.table, o.batchSize,
                o.flushInterval, o.maxRetries);
    }

    /** Connects once at start: bad credentials or a missing table are one line, not a failing job. */
    private static void checkWarehouse(JobOptions o) throws UserError {
        try (Connection c = Warehouse.connect(o.jdbcUrl, o.jdbcUser, o.jdbcPassword, o.connectTimeout)) {
            if (o.createSchema) {
                Warehouse.applySchema(c, o.table);
            }
            Optional<String> problem = Warehouse.tableProblem(c, o.table);
            if (problem.isPresent()) {
                throw new UserError(problem.get() + " in " + o.jdbcUrl
                        + "; run with --create-schema or apply sql/schema");
            }
        } catch (SQLException e) {
            throw new UserError("cannot use database " + o.jdbcUrl
                    + (o.jdbcUser == null ? "" : " as " + o.jdbcUser) + ": " + oneLine(e));
        }
    }

    private static void validate(JobOptions o) throws UserError {
        if (o.window.isZero()) {
            throw new UserError("--window must be positive");
        }
        if (o.jdbcUrl != null) {
            try {
                UsageTable.checkTableName(o.table);
            } catch (IllegalArgumentException e) {
                throw new UserError("--table: " + e.getMessage());
            }
        }
        try {
            o.prices();
        } catch (IllegalArgumentException e) {
            throw new UserError("--prices: " + e.getMessage());
        }
        try {
            o.spikeRule();
        } catch (IllegalArgumentException e) {
            throw new UserError("--spike-*: " + e.getMessage());
        }
        if (o.topicPattern == null && o.topics.isEmpty()) {
            throw new UserError("--topic or --topic-pattern is required");
        }
    }

    /**
     * Builds the job into {@code env}: the Kafka source, the pipeline and the dead-letter topic.
     * Returns the outputs so the caller attaches the row sink (tests attach a collector).
     */
    public static UsagePipeline.Outputs defineJob(StreamExecutionEnvironment env, JobOptions o) {
        if (o.parallelism != null) {
            env.setParallelism(o.parallelism);
        }
        boolean checkpoints = !o.checkpointInterval.isZero();
        if (checkpoints) {
            env.enableCheckpointing(o.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        }
        if (o.checkpointDir != null) {
            // Without a directory Flink keeps checkpoints on the JobManager's heap, which refuses
            // state over 5 MB: the ids seen during the allowed lateness alone outgrow it.
            Configuration storage = new Configuration();
            storage.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, o.checkpointDir);
            env.configure(storage);
        }
        UsagePipeline.Outputs outputs = UsagePipeline.defineWorkflow(env,
                KafkaInput.source(o.bootstrapServers, o.topicPattern == null ? o.topics : List.of(),
                        o.topicPattern, o.group, KafkaInput.startingOffsets(o.start), o.bounded,
                        o.kafkaProperties),
                o.settings());
        DeliveryGuarantee guarantee =
                checkpoints ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE;
        outputs.rejects()
                .sinkTo(RejectsTopic.sink(o.bootstrapServers, o.rejectsTopic(), guarantee,
                        o.group + "-rejects", o.kafkaProperties))
                .name("rejects-topic")
                .uid("rejects-topic");
        outputs.alerts()
                .sinkTo(CostAlerts.topic(o.bootstrapServers, o.alertsTopic(), guarantee,
                        o.group + "-alerts", o.kafkaProperties))
                .name("cost-alerts-topic")
                .uid("cost-alerts-topic");
        return outputs;
    }

    /** Parses options the way the command line does, for tests and the local runner. */
    public static JobOptions parse(String... args) {
        UsageAnalyticsJob job = new UsageAnalyticsJob();
        List<String> rest = new ArrayList<>();
        extractKafkaProperties(args, job.options, rest);
        new CommandLine(job).parseArgs(rest.toArray(new String[0]));
        return job.options;
    }

    public static String oneLine(Throwable e) {
        Throwable root = ExceptionUtils.stripExecutionException(e);
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
