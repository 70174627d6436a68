package io.usageanalytics.local;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.testing.Launcher;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./usage-analytics local} and {@code query} run as a user runs them: subprocesses of the built checkout. */
class LocalRunnerITCase {

    static final Path CORPUS = Path.of("src/test/resources", MixedCorpus.RESOURCE).toAbsolutePath();
    static final String ACCOUNTING = "accounting: records_in=46 records_aggregated=39 rejected=5"
            + " duplicates_dropped=2 skipped=0 requests_aggregated=14 streams_aggregated=7 requests_estimated=4"
            + " rejected_invalid_field=1 rejected_malformed_json=1 rejected_missing_field=1"
            + " rejected_not_an_object=1 rejected_unsupported_object=1";

    @TempDir
    Path dir;

    private Launcher launcher;

    private Launcher launcher() {
        if (launcher == null) {
            launcher = new Launcher(dir);
        }
        return launcher;
    }

    @Test
    void inputReplayExitsZeroPrintsTheAccountingAndLeavesExactRowsViewsAndAlerts() throws Exception {
        // Recorded by Flight Recorder, as a user profiling a run would: with JDK classes listed in
        // the class archive, this JVM crashed loading one of them while recording.
        Path recording = dir.resolve("replay.jfr");
        Launcher.Run replay = launcher().runWithJavaOpts("-Xmx1g -XX:StartFlightRecording=filename=" + recording,
                "local", "--input", CORPUS.toString());
        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.output()).contains("produced 46 records", ACCOUNTING).doesNotContain("not produced");
        assertThat(recording).isNotEmptyFile();

        Launcher.Run query = launcher().run("query", "--csv", "SELECT model, system_fingerprint, service_tier,"
                + " requests, total_tokens, finish_none FROM llm_usage"
                + " ORDER BY window_start, model, system_fingerprint, service_tier");
        assertThat(query.code()).as(query.output()).isZero();
        assertThat(query.output().lines().collect(Collectors.toList())).containsExactly(
                "model,system_fingerprint,service_tier,requests,total_tokens,finish_none",
                "gpt-3.5-turbo,,,1,6,1",
                "gpt-3.5-turbo,,default,1,40,0",
                "gpt-4.1-mini,fp_c,,2,52,0",
                "gpt-4o-2024-08-06,fp_a,,2,20,0",
                "gpt-4o-2024-08-06,fp_a,default,2,65,0",
                "gpt-4o-2024-08-06,fp_b,default,1,140,0",
                "gpt-3.5-turbo,,default,1,2,0",
                "gpt-4o-2024-08-06,fp_a,default,1,10,0",
                "gpt-4o-2024-08-06,fp_b,default,1,150,0",
                "o3-mini,fp_d,,1,240,0",
                "gpt-4o-2024-08-06,fp_a,,1,39,1");

        // Local mode applies the dashboard views and the alert functions, as the README's SQL expects.
        Launcher.Run hourly = launcher().run("query", "--csv", "SELECT model, requests FROM usage_hourly ORDER BY model");
        assertThat(hourly.output().lines().collect(Collectors.toList())).as(hourly.output()).containsExactly(
                "model,requests", "gpt-3.5-turbo,3", "gpt-4.1-mini,2", "gpt-4o-2024-08-06,8", "o3-mini,1");
        Launcher.Run alerts = launcher().run("query", "SELECT * FROM usage_alert_cost_spike()");
        assertThat(alerts.code()).as(alerts.output()).isZero();
        assertThat(alerts.output()).endsWith("(0 rows)" + System.lineSeparator());
        // An aligned table shows shares with at most six decimals (PostgreSQL computes 20).
        Launcher.Run shares = launcher().run("query", "SELECT model, 1::numeric / 3 AS share FROM usage_hourly"
                + " WHERE model = 'o3-mini'");
        assertThat(shares.output().lines()).as(shares.output()).contains("o3-mini  0.333333", "(1 row)");
        Launcher.Run exact = launcher().run("query", "--csv", "SELECT 1::numeric / 3 AS third");
        assertThat(exact.output().lines()).containsExactly("third", "0.33333333333333333333");

        // Every column, over plain JDBC, on the warehouse data the runner kept.
        try (EmbeddedWarehouse kept = EmbeddedWarehouse.start(launcher().state().resolve("postgres"),
                Path.of("target", "embedded-pg"), 0, true)) {
            assertThat(Tables.rows(kept.jdbcUrl(), "llm_usage"))
                    .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
        }
    }

    @Test
    void inputReplayIntoTheUsersOwnWarehouse() throws Exception {
        try (EmbeddedWarehouse theirs = Postgres.start(dir.resolve("theirs"))) {
            // --create-schema given once by the user (the runner adds its own only when none is given).
            Launcher.Run replay = launcher().run("local", "--input", CORPUS.toString(), "--warehouse",
                    theirs.jdbcUrl(), "--table", "usage_theirs", "--create-schema");
            assertThat(replay.code()).as(replay.output()).isZero();
            assertThat(replay.output()).contains(ACCOUNTING);
            assertThat(Tables.rows(theirs.jdbcUrl(), "usage_theirs"))
                    .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
            assertThat(launcher().state().resolve("postgres")).doesNotExist();
        }
    }

    /**
     * A line of 3 MB is produced and counted (Kafka's default request limit is 1 MB); one over the
     * job's 4 MiB limit is not produced, and is reported with its line number and a non-zero exit.
     */
    @Test
    void everyInputLineIsProducedOrReported() throws Exception {
        Path input = dir.resolve("big.jsonl");
        try (OutputStream out = Files.newOutputStream(input)) {
            out.write(completion("chatcmpl-big", 3_146_023));
            out.write('\n');
            out.write(completion("chatcmpl-huge", LoggedObjectParser.MAX_RECORD_BYTES + 1));
            out.write('\n');
            out.write(completion("chatcmpl-small", 300));
            out.write('\n');
        }
        Launcher.Run replay = launcher().run("local", "--input", input.toString());
        assertThat(replay.code()).as(replay.output()).isEqualTo(1);
        assertThat(replay.output()).contains("produced 2 records from " + input,
                "accounting: records_in=2 records_aggregated=2 rejected=0 duplicates_dropped=0"
                        + " skipped=0 requests_aggregated=2");
        assertThat(replay.output().lines().filter(l -> l.startsWith("usage-analytics: ")))
                .containsExactly("usage-analytics: not produced: 1 lines (over the job's record limit of "
                        + LoggedObjectParser.MAX_RECORD_BYTES + " bytes; line 2)");
    }

    /** A valid completion of exactly {@code bytes} bytes (its content pads it). */
    private static byte[] completion(String id, int bytes) {
        String head = "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":1767225600,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"";
        String tail = "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,"
                + "\"total_tokens\":30}}";
        return (head + "x".repeat(bytes - head.length() - tail.length()) + tail).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void liveModeShowsAScreenThatFitsAndStopsCleanlyOnCtrlCKeepingItsLog() throws Exception {
        Path output = dir.resolve("live.txt");
        Process p = launcher().start(output, "local", "--rate", "40", "--window", "2s", "--out-of-orderness", "0s",
                "--idleness", "1s", "--refresh", "2s");
        try {
            String printed = Launcher.awaitOutput(output, Duration.ofSeconds(120), "warehouse  jdbc:postgresql://",
                    "flink ui");
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
            // The generated traffic is attributed by default: every row is one tenant's and app's.
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.dimensions.keySet()).containsExactlyInAnyOrder("tenant", "app");
                assertThat(r.dimensions.get("tenant")).isIn("acme", "globex", "initech", "umbrella", "hooli");
            });
            String screen = Launcher.awaitOutput(output, Duration.ofSeconds(30), " closed up to ", "total ");
            List<ProcessHandle> tree = p.toHandle().descendants().collect(Collectors.toList());
            assertThat(tree).as("a broker and a database run as child processes").isNotEmpty();
            long logDuringRun = Files.size(launcher().state().resolve("logs/usage-analytics.log"));

            Launcher.interrupt(p);
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(() -> "stopped after Ctrl-C; it printed:\n" + Launcher.printed(output))
                    .isTrue();
            for (ProcessHandle child : tree) {
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            assertThat(tree).noneMatch(ProcessHandle::isAlive);
            for (int port : ports) {
                assertThat(bindable(port)).as("port " + port + " is free").isTrue();
            }

            // The screen: the first line says when rows are due, cost is shown, the accounting adds up.
            // Before the first window closes it says when the first are due (if the first refresh
            // comes that early: on a slow start it may not; LiveScreenTest has both headers).
            List<String> screenLines = screen.substring(screen.indexOf("\n-- ") + 1).lines().collect(Collectors.toList());
            assertThat(screenLines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(LiveScreen.WIDTH));
            assertThat(screen).containsPattern("-- \\d\\d:\\d\\d:\\d\\d UTC; today's windows of 2s(: no rows yet, the first"
                    + " are due about| closed up to \\d\\d:\\d\\d:\\d\\d; next rows due about) \\d\\d:\\d\\d:\\d\\d --")
                    .contains("cost_usd");
            // The terms may go on into the next line; skipped (Azure's preambles) once there are some.
            Matcher accounting = Pattern.compile("this run: records_in (\\d+) = aggregated (\\d+)"
                    + "\\s+\\+ rejected (\\d+)\\s+\\+ duplicates (\\d+)(?:\\s+\\+ skipped (\\d+))?"
                    + "\\s+\\+ in_flight (-?\\d+)").matcher(screen);
            int screens = 0;
            long skipped = 0;
            while (accounting.find()) {
                screens++;
                long[] v = new long[6];
                for (int i = 0; i < 6; i++) {
                    v[i] = accounting.group(i + 1) == null ? 0 : Long.parseLong(accounting.group(i + 1));
                }
                assertThat(v[0]).isEqualTo(v[1] + v[2] + v[3] + v[4] + v[5]);
                assertThat(v[5]).as("in flight").isNotNegative();
                skipped = v[4];
            }
            assertThat(screens).isPositive();
            assertThat(skipped).as("Azure's preambles skipped by the last screen").isPositive();
            assertThat(Files.readString(output)).contains("stopping: taking a savepoint", "  saved file:",
                    "  dimensions tenant=header:x-tenant, app=json:/x_gateway/app; cost spikes also by tenant")
                    .as("a stop that saved says nothing failed").doesNotContain("could not cancel")
                    // acme spends about 60%, but a short run's first windows may put another first
                    .as("the tenants' cost under the table, acme's among it")
                    .containsPattern("(?m)^cost_usd by tenant: (\\S+ \\d+\\.\\d{4}, )*acme \\d+\\.\\d{4}(, |$)");

            // The log survives Ctrl-C, starts with a dated line, and has no warning per checkpoint.
            String log = Files.readString(launcher().state().resolve("logs/usage-analytics.log"));
            assertThat(log.length()).isGreaterThanOrEqualTo((int) logDuringRun);
            assertThat(log).containsPattern("(?m)^\\S+ \\S+ INFO  main UsageAnalyticsCli - ======== \\S+"
                    + " usage-analytics local --rate 40 ")
                    .contains("Completed checkpoint").doesNotContain("Name collision");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void resetSaysWhatItDeleted() throws Exception {
        Files.createDirectories(launcher().state().resolve("kafka"));
        Launcher.Run reset = launcher().run("local", "--reset", "--window", "0s");
        assertThat(reset.code()).as("a bad value still stops everything before the reset").isEqualTo(2);
        assertThat(launcher().state().resolve("kafka")).exists();

        Launcher.Run replay = launcher().run("local", "--reset", "--input", CORPUS.toString());
        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.output().lines().findFirst()).contains("reset: deleted the warehouse and Kafka data and"
                + " the checkpoints in " + launcher().state().toAbsolutePath().normalize());
    }

    @Test
    void aBadValueIsOneLineAndExitCodeTwoBeforeAnythingStarts() throws Exception {
        Launcher.Run missing = launcher().run("local", "--input", dir.resolve("absent.jsonl").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.output().lines()).containsExactly(
                "usage-analytics: --input: cannot read file " + dir.resolve("absent.jsonl") + " (see --help)");

        Launcher.Run zero = launcher().run("local", "--window", "0s");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.output().lines()).containsExactly("usage-analytics: --window must be positive (see --help)");

        Launcher.Run unknown = launcher().run("local", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.output().lines()).containsExactly(
                "usage-analytics: Unknown option: '--frobnicate' (see --help)");
        assertThat(launcher().state().resolve("postgres")).doesNotExist();
    }

    @Test
    void theLauncherLoadsItsClassesFromTheClassArchiveItMade() throws Exception {
        Launcher.Run version = launcher().runWithJavaOpts("-Xmx1g -Xlog:class+load=info", "--version");
        assertThat(version.code()).as(version.output()).isZero();
        // Ours, a dependency's and the JDK's: mapped from the archive, not read from their jars.
        assertThat(version.output()).contains(
                "io.usageanalytics.local.UsageAnalyticsCli source: shared objects file",
                "picocli.CommandLine source: shared objects file",
                "java.lang.Object source: shared objects file");
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
