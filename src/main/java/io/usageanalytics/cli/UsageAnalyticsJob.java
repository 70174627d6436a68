package io.usageanalytics.cli;

import io.usageanalytics.UsagePipeline;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.sources.KafkaInput;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The job's entry point: parses options, checks the services it needs, and runs the usage pipeline
 * from Kafka into the dead-letter topic and the row sink. Errors the user can fix are one line on
 * stderr and a non-zero exit: 2 for bad usage, 1 for everything else.
 */
@Command(name = "usage-analytics.jar", mixinStandardHelpOptions = true, showDefaultValues = true,
        sortOptions = false, version = CommandLines.VERSION,
        description = "Aggregates logged chat completion responses from Kafka into per-window usage rows.",
        footer = "%nAny --kafka.<property>=<value> is passed to every Kafka client,"
                + " e.g. --kafka.security.protocol=SASL_SSL.")
public class UsageAnalyticsJob implements Callable<Integer> {

    public static final String KAFKA_PREFIX = "--kafka.";

    /**
     * How checked options become a running job: submitted to the cluster Flink provides (the
     * cluster jar), or run on a local cluster by the launcher, which also watches it.
     */
    @FunctionalInterface
    public interface Launch {
        int launch(JobOptions options, PrintStream out) throws Exception;
    }

    @Mixin
    JobOptions options = new JobOptions();

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final Launch launch;

    /** The cluster jar's command, for picocli and for reading its options. */
    public UsageAnalyticsJob() {
        this(System.out, UsageAnalyticsJob::onCluster);
    }

    private UsageAnalyticsJob(PrintStream out, Launch launch) {
        this.out = out;
        this.launch = launch;
    }

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

    /** Runs the job as the cluster jar's command line would and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null, UsageAnalyticsJob::onCluster);
    }

    /**
     * Runs the job with {@code launch} and returns the exit code; {@code name}, if given, is the
     * command's name in its help and errors.
     */
    public static int run(String[] args, PrintStream out, PrintStream err, String name, Launch launch) {
        UsageAnalyticsJob job = new UsageAnalyticsJob(out, launch);
        CommandLine cli = CommandLines.of(job, CommandLine.defaultFactory(), out, err);
        if (name != null) {
            cli.setCommandName(name);
        }
        List<String> rest = new ArrayList<>();
        try {
            extractKafkaProperties(args, job.options, rest);
        } catch (IllegalArgumentException e) {
            cli.getErr().println("usage-analytics: " + e.getMessage() + " (see --help)");
            return 2;
        }
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
        check(options, spec);
        return launch.launch(options, out);
    }

    /** The option values no single option can check, as a usage error. */
    private static void check(JobOptions o, CommandSpec spec) {
        try {
            o.validate();
        } catch (IllegalArgumentException e) {
            throw CommandLines.badUsage(spec, e.getMessage());
        }
    }

    private static int onCluster(JobOptions options, PrintStream out) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        prepare(env, options, out);
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
     * Checks the services the options name (saying on {@code out} what it waits for), then builds
     * the whole job into {@code env} with the Kafka source and the sinks the options name.
     */
    public static void prepare(StreamExecutionEnvironment env, JobOptions o, PrintStream out) throws UserError {
        KafkaCheck.check(o, out);
        if (o.jdbcUrl != null) {
            WarehouseCheck.check(o);
        }
        defineJob(env, o, kafkaSource(o), JobSinks.of(o));
    }

    /** The Kafka source the options describe. */
    public static KafkaSource<ParsedRecord> kafkaSource(JobOptions o) {
        return KafkaInput.source(o.bootstrapServers, o.topicPattern == null ? o.topics : List.of(), o.topicPattern,
                o.group, KafkaInput.startingOffsets(o.start), o.bounded, o.kafkaProperties, o.dimensions());
    }

    /**
     * The whole job in {@code env}: the options' parallelism and checkpoints, the pipeline from
     * {@code source}, and each output into its sink under a stable uid. Tests pass bounded sources
     * and collecting sinks (or {@code null}, to attach to the returned stream themselves).
     */
    public static UsagePipeline.Outputs defineJob(StreamExecutionEnvironment env, JobOptions o,
            Source<ParsedRecord, ?, ?> source, JobSinks sinks) {
        if (o.parallelism != null) {
            env.setParallelism(o.parallelism);
        }
        if (!o.checkpointInterval.isZero()) {
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
        UsagePipeline.Outputs outputs = UsagePipeline.defineWorkflow(env, source, o.settings());
        attach(outputs.rows(), sinks.rows(), "usage-table");
        attach(outputs.rejects(), sinks.rejects(), "rejects-topic");
        attach(outputs.alerts(), sinks.alertsTopic(), "cost-alerts-topic");
        attach(outputs.alerts(), sinks.alertsTable(), "cost-alerts-table");
        return outputs;
    }

    private static <T> void attach(DataStream<T> stream, Sink<T> sink, String uid) {
        if (sink != null) {
            stream.sinkTo(sink).name(uid).uid(uid);
        }
    }

    /**
     * Parses and checks options the way the command line does, for tests and the local runner;
     * a bad option or value throws picocli's usage error.
     */
    public static JobOptions parse(String... args) {
        UsageAnalyticsJob job = new UsageAnalyticsJob();
        CommandLine cli = new CommandLine(job);
        List<String> rest = new ArrayList<>();
        try {
            extractKafkaProperties(args, job.options, rest);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
        cli.parseArgs(rest.toArray(new String[0]));
        check(job.options, cli.getCommandSpec());
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
