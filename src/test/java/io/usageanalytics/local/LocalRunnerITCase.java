package io.usageanalytics.local;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./usage-analytics} run as a user runs it: a subprocess of the built checkout. */
class LocalRunnerITCase {

    static final Path LAUNCHER = Path.of("usage-analytics").toAbsolutePath();
    static final Path CORPUS = Path.of("src/test/resources", MixedCorpus.RESOURCE).toAbsolutePath();
    static final String ACCOUNTING = "accounting: records_in=46 records_aggregated=39 rejected=5"
            + " duplicates_dropped=2 requests_aggregated=14 streams_aggregated=7 requests_estimated=4"
            + " rejected_invalid_field=1 rejected_malformed_json=1 rejected_missing_field=1"
            + " rejected_not_an_object=1 rejected_unsupported_object=1";

    @TempDir
    Path dir;

    /** A finished run: exit code and everything it printed. */
    record Run(int code, String output) {}

    private Process start(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("USAGE_ANALYTICS_STATE", dir.resolve("state").toString());
        pb.environment().put("USAGE_ANALYTICS_JAVA_OPTS", "-Xmx1g");
        return pb.start();
    }

    private Run run(String... args) throws Exception {
        Path output = Files.createTempFile(dir, "out", ".txt");
        Process p = start(output, args);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished in time").isTrue();
        return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    @Test
    void inputReplayExitsZeroPrintsTheAccountingAndLeavesExactRows() throws Exception {
        Run replay = run("local", "--input", CORPUS.toString());
        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.output()).contains("produced 46 records", ACCOUNTING);

        Run query = run("query", "--csv", "SELECT model, system_fingerprint, requests, total_tokens, finish_none"
                + " FROM llm_usage ORDER BY window_start, model, system_fingerprint");
        assertThat(query.code()).as(query.output()).isZero();
        assertThat(query.output().lines().collect(Collectors.toList())).containsExactly(
                "model,system_fingerprint,requests,total_tokens,finish_none",
                "gpt-3.5-turbo,,2,46,1",
                "gpt-4.1-mini,fp_c,2,52,0",
                "gpt-4o-2024-08-06,fp_a,4,85,0",
                "gpt-4o-2024-08-06,fp_b,1,140,0",
                "gpt-3.5-turbo,,1,2,0",
                "gpt-4o-2024-08-06,fp_a,1,10,0",
                "gpt-4o-2024-08-06,fp_b,1,150,0",
                "o3-mini,fp_d,1,240,0",
                "gpt-4o-2024-08-06,fp_a,1,39,1");

        // Every column, over plain JDBC, on the warehouse data the runner kept.
        try (EmbeddedWarehouse kept = EmbeddedWarehouse.start(dir.resolve("state/postgres"),
                Path.of("target", "embedded-pg"), 0, true)) {
            assertThat(Tables.rows(kept.jdbcUrl(), "llm_usage"))
                    .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
        }
    }

    @Test
    void inputReplayIntoTheUsersOwnWarehouse() throws Exception {
        try (EmbeddedWarehouse theirs = Postgres.start(dir.resolve("theirs"))) {
            Run replay = run("local", "--input", CORPUS.toString(), "--warehouse", theirs.jdbcUrl(),
                    "--table", "usage_theirs");
            assertThat(replay.code()).as(replay.output()).isZero();
            assertThat(replay.output()).contains(ACCOUNTING);
            assertThat(Tables.rows(theirs.jdbcUrl(), "usage_theirs"))
                    .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
            assertThat(dir.resolve("state/postgres")).doesNotExist();
        }
    }

    @Test
    void liveModeWritesRowsAndStopsCleanlyOnCtrlC() throws Exception {
        Path output = dir.resolve("live.txt");
        Process p = start(output, "local", "--rate", "40", "--window", "2s", "--out-of-orderness", "0s",
                "--idleness", "1s", "--refresh", "2s");
        try {
            String printed = awaitOutput(output, "warehouse  jdbc:postgresql://", Duration.ofSeconds(120));
            String url = match(printed, "warehouse  (jdbc:postgresql://\\S+)");
            List<Integer> ports = List.of(port(match(printed, "kafka      (\\S+) ")),
                    port(url.replaceAll("/postgres$", "")), port(match(printed, "flink ui   (\\S+)")));
            List<UsageRow> rows = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (rows.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1000);
                rows = Tables.rows(url, "llm_usage");
            }
            assertThat(rows).as("rows written while live").isNotEmpty();
            assertThat(rows.stream().mapToLong(r -> r.counts.requests).sum()).isPositive();
            List<ProcessHandle> tree = p.toHandle().descendants().collect(Collectors.toList());
            assertThat(tree).as("a broker and a database run as child processes").isNotEmpty();

            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped after Ctrl-C").isTrue();
            for (ProcessHandle child : tree) {
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            assertThat(tree).noneMatch(ProcessHandle::isAlive);
            for (int port : ports) {
                assertThat(bindable(port)).as("port " + port + " is free").isTrue();
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badUsageIsOneLineAndNonZero() throws Exception {
        Run missing = run("local", "--input", dir.resolve("absent.jsonl").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.output().lines()).containsExactly(
                "usage-analytics: --input: cannot read file " + dir.resolve("absent.jsonl"));

        Run unknown = run("local", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.output().lines()).containsExactly(
                "usage-analytics: Unknown option: '--frobnicate' (see --help)");
    }

    private static String awaitOutput(Path output, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String s = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            if (s.contains(text) && s.contains("flink ui")) {
                return s;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no '" + text + "' within " + timeout + " in:\n" + Files.readString(output));
    }

    private static String match(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        assertThat(m.find()).as(regex + " in " + s).isTrue();
        return m.group(1);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
