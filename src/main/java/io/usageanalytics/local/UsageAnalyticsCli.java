package io.usageanalytics.local;

import io.usageanalytics.cli.UsageAnalyticsJob;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code usage-analytics} launcher's commands: {@code local} (the job on embedded services),
 * {@code query} (SQL against the local warehouse) and {@code job} (the job's own entry point).
 */
@Command(name = "usage-analytics", mixinStandardHelpOptions = true, version = "usage-analytics 0.1.0",
        description = "LLM usage analytics on Flink.",
        footer = {"  job    Run the job itself against existing Kafka and PostgreSQL",
            "         (the options of the cluster jar; see `usage-analytics job --help`)."},
        subcommands = {LocalRunner.class, QueryCommand.class})
public final class UsageAnalyticsCli implements Runnable {

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this),
                "a command is required: local, query or job");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("job")) {
            List<String> job = LocalState.fromEnvironment().withCheckpoints(Arrays.asList(args).subList(1, args.length));
            return UsageAnalyticsJob.run(job.toArray(new String[0]), out, err);
        }
        CommandLine cli = new CommandLine(new UsageAnalyticsCli(), new Factory(out))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, a) -> {
                    e.getCommandLine().getErr().println("usage-analytics: " + e.getMessage() + " (see --help)");
                    return 2;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // Options passed on to the job are only parsed once the command runs.
                    boolean usage = e instanceof CommandLine.ParameterException;
                    cmd.getErr().println("usage-analytics: " + UsageAnalyticsJob.oneLine(e)
                            + (usage ? " (see --help)" : ""));
                    return usage ? 2 : 1;
                });
        return cli.execute(args);
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
            return CommandLine.defaultFactory().create(type);
        }
    }
}
