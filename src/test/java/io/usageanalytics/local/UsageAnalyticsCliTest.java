package io.usageanalytics.local;

import io.usageanalytics.bench.EndToEndBenchmark;
import io.usageanalytics.cli.CommandLines;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's commands in process: help, and bad values found before anything starts. */
class UsageAnalyticsCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return UsageAnalyticsCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommandAndTheJobCallsItselfByTheLaunchersName() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("  local ", "  query ", "  ui ", "  job ", "  benchmark ",
                "  jmh ");
        assertThat(run("job", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: usage-analytics job ");
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo(CommandLines.VERSION);
    }

    @Test
    void everyBadValueIsOneLineAndExitCodeTwoBeforeAnythingStarts() {
        String state = dir.resolve("state").toString();
        for (List<String> bad : List.of(
                List.of("local", "--state", state, "--window", "0s"),
                List.of("local", "--state", state, "--window", "banana"),
                List.of("local", "--state", state, "--rate", "0"),
                List.of("local", "--state", state, "--malformed-share", "1.5"),
                List.of("local", "--state", state, "--refresh", "0s"),
                List.of("local", "--state", state, "--input", dir.resolve("absent.jsonl").toString()),
                List.of("local", "--state", state, "--input", dir.toString()),
                List.of("local", "--state", state, "--prices", dir.resolve("absent.csv").toString()),
                List.of("local", "--state", state, "--ui-port", "-1"),
                List.of("local", "--state", state, "--ui-port", "65536"),
                List.of("local", "--state", state, "--ui-port", "http"),
                List.of("ui", "--state", state, "--ui-port", "70000"),
                List.of("ui", "--state", state, "--table", "llm_usage; DROP TABLE x"),
                List.of("ui", "--state", state, "--frobnicate"),
                List.of("job", "--window", "0s"),
                List.of("job", "--parallelism", "-1"),
                List.of("query"),
                List.of("query", "--frobnicate", "SELECT 1"))) {
            long started = System.nanoTime();
            assertThat(run(bad.toArray(new String[0]))).as(bad.toString()).isEqualTo(2);
            String error = err.toString(StandardCharsets.UTF_8);
            assertThat(error.lines()).as(bad + ": " + error).hasSize(1);
            assertThat(error).as(bad.toString()).startsWith("usage-analytics: ").contains("(see --help)");
            assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing started for " + bad).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(dir.resolve("state")).as("no state created").doesNotExist();
        run("local", "--state", state, "--input", dir.resolve("absent.jsonl").toString());
        assertThat(err.toString(StandardCharsets.UTF_8).trim()).isEqualTo("usage-analytics: --input: cannot read file "
                + dir.resolve("absent.jsonl") + " (see --help)");
    }

    /** A dashboard port in use is the user's to free: one line, exit code 1, before Kafka and PostgreSQL start. */
    @Test
    void aTakenDashboardPortIsOneLineBeforeAnythingStarts() throws Exception {
        String state = dir.resolve("state").toString();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = String.valueOf(taken.getLocalPort());
            for (List<String> args : List.of(List.of("local", "--state", state, "--ui-port", port),
                    List.of("ui", "--state", state, "--ui-port", port))) {
                assertThat(run(args.toArray(new String[0]))).as(args.toString()).isEqualTo(1);
                assertThat(err.toString(StandardCharsets.UTF_8)).as(args.toString()).isEqualTo("usage-analytics:"
                        + " the dashboard's port 127.0.0.1:" + port + " is taken; pass --ui-port with a free one"
                        + " (0 picks one)" + System.lineSeparator());
                assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing started for " + args).isEmpty();
            }
        }
        assertThat(dir.resolve("state")).as("no state created").doesNotExist();
    }

    @Test
    void benchmarkChecksItsValuesBeforeItStartsAnything() {
        for (String[] bad : List.of(new String[] {"--records", "0"}, new String[] {"--runs", "-1"},
                new String[] {"--heap", "lots"}, new String[] {"--records", "many"},
                new String[] {"--mix", "short"})) {
            err.reset();
            CommandLine cli = CommandLines.of(new EndToEndBenchmark(), CommandLine.defaultFactory(),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(cli.execute(bad)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(1);
        }
        assertThat(Path.of("target/benchmark-never")).doesNotExist();
    }
}
