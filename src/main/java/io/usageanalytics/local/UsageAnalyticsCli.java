package io.usageanalytics.local;

import io.usageanalytics.cli.CommandLines;
import io.usageanalytics.cli.UsageAnalyticsJob;

import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code usage-analytics} launcher's commands: {@code local} (the job on embedded services),
 * {@code query} (SQL against the local warehouse), {@code ui} (the dashboard over a warehouse) and
 * {@code job} (the job's own entry point).
 */
@Command(name = "usage-analytics", mixinStandardHelpOptions = true, version = CommandLines.VERSION,
        description = "LLM usage analytics on Flink.",
        footer = {"  job        Run the job itself against existing Kafka and PostgreSQL",
            "             (the options of the cluster jar; see `usage-analytics job --help`).",
            "  benchmark  End-to-end benchmark: the job against a Flink SQL baseline",
            "             (see `usage-analytics benchmark --help`).",
            "  jmh        JMH benchmarks of the hot path (JMH's own options)."},
        subcommands = {LocalRunner.class, QueryCommand.class, UiCommand.class})
public final class UsageAnalyticsCli implements Runnable {

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this),
                "a command is required: local, query, ui or job");
    }

    public static void main(String[] args) {
        // The log is appended to: each run starts with a dated line, to find it by.
        LoggerFactory.getLogger(UsageAnalyticsCli.class).info("======== {} usage-analytics {} ========",
                Instant.now(), String.join(" ", args).replaceAll("(--jdbc-password[= ])\\S+", "$1***"));
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("job")) {
            List<String> job = LocalState.fromEnvironment()
                    .withCheckpoints(Arrays.asList(args).subList(1, args.length), false);
            return UsageAnalyticsJob.run(job.toArray(new String[0]), out, err, "usage-analytics job",
                    LocalJob::runCommand);
        }
        return CommandLines.of(new UsageAnalyticsCli(), new Factory(out), out, err).execute(args);
    }

    /** Gives the subcommands the output stream to write to. */
    private static final class Factory implements CommandLine.IFactory {
        private final PrintStream out;

        Factory(PrintStream out) {
            this.out = out;
        }

        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == LocalRunner.class) {
                return type.cast(new LocalRunner(out));
            }
            if (type == QueryCommand.class) {
                return type.cast(new QueryCommand(out));
            }
            if (type == UiCommand.class) {
                return type.cast(new UiCommand(out));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
