package io.usageanalytics.cli;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * What every command of the project does alike: its version, and errors as one line on stderr with
 * exit code 2 for bad usage (an unknown option, a bad value, an unusable input file) and 1 for
 * everything else (a service that cannot be reached, a failed job).
 */
public final class CommandLines {

    public static final String VERSION = "usage-analytics 0.1.0";

    private CommandLines() {}

    /** {@code command} with its output streams and the project's one-line error handling. */
    public static CommandLine of(Object command, CommandLine.IFactory factory, PrintStream out, PrintStream err) {
        return new CommandLine(command, factory)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, args) -> usage(e.getCommandLine(), e.getMessage()))
                .setExecutionExceptionHandler((e, cmd, parsed) -> e instanceof CommandLine.ParameterException
                        ? usage(cmd, e.getMessage())
                        : failure(cmd, e));
    }

    /** Throws the picocli error for a bad option value found by a check of its own. */
    public static CommandLine.ParameterException badUsage(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static int usage(CommandLine cmd, String message) {
        cmd.getErr().println("usage-analytics: " + message + " (see --help)");
        return 2;
    }

    private static int failure(CommandLine cmd, Exception e) {
        cmd.getErr().println("usage-analytics: " + UsageAnalyticsJob.oneLine(e));
        return 1;
    }
}
