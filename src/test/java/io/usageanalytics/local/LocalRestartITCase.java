package io.usageanalytics.local;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.testing.Launcher;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ctrl-C, then {@code ./usage-analytics local} again, on the real embedded services: the broker
 * keeps its topic and the job resumes its open windows from the savepoint, so the table equals one
 * uninterrupted run's over the same generated records.
 */
class LocalRestartITCase {

    /**
     * Idleness well above the time both partitions take to get records after a start: with 1 s, a
     * partition not yet read let the watermark run ahead on the other, and a stream on the late one
     * completed before its last chunk (seen once), a start-up effect an uninterrupted live run has
     * too, unlike the bounded reference.
     */
    static final String[] LIVE = {"local", "--rate", "40", "--window", "3s", "--out-of-orderness", "1s",
        "--idleness", "10s", "--refresh", "2s"};
    static final Duration START = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    @Test
    void stoppingMidWindowAndStartingAgainLosesAndDoubleCountsNothing() throws Exception {
        Launcher launcher = new Launcher(dir);
        liveRun(launcher, "run1.txt", " closed up to ");
        String second = liveRun(launcher, "run2.txt", "resuming   from ");
        // The rows of the earlier run are on the screen from the first refresh on.
        String firstScreen = second.substring(second.indexOf("\n-- "));
        assertThat(firstScreen.substring(0, firstScreen.indexOf("this run:"))).contains(" closed up to ", "total ")
                .doesNotContain("(no rows)");

        List<UsageRow> live;
        try (EmbeddedWarehouse kept = EmbeddedWarehouse.start(launcher.state().resolve("postgres"),
                Path.of("target", "embedded-pg"), 0, true)) {
            live = Tables.rows(kept.jdbcUrl(), "llm_usage");
        }
        long closedUpTo = live.stream().mapToLong(r -> r.windowEnd).max().orElseThrow();

        // One uninterrupted run over the same records: the kept topic, from its beginning, bounded.
        try (EmbeddedWarehouse reference = Postgres.start(dir.resolve("reference"))) {
            Launcher.Run once = launcher.run("local", "--bounded", "--start", "earliest", "--group", "reference",
                    "--warehouse", reference.jdbcUrl(), "--table", "usage_once", "--window", "3s",
                    "--out-of-orderness", "1s", "--idleness", "10s");
            assertThat(once.code()).as(once.output()).isZero();
            List<UsageRow> expected = Tables.rows(reference.jdbcUrl(), "usage_once").stream()
                    .filter(r -> r.windowEnd <= closedUpTo).collect(Collectors.toList());
            assertThat(live).as("windows the live runs closed").isNotEmpty()
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(live.stream().mapToLong(r -> r.counts.requests).sum()).isGreaterThan(100);
        }
    }

    /** A live run until its screen shows {@code text} and windows closed after it, then Ctrl-C. */
    private static String liveRun(Launcher launcher, String name, String text) throws Exception {
        Path output = launcher.state().getParent().resolve(name);
        Process p = launcher.start(output, LIVE);
        try {
            String started = Launcher.awaitOutput(output, START, text, " closed up to ");
            // Two more refreshes, so that windows of this run have closed too.
            int screens = count(started, "this run: ");
            long deadline = System.nanoTime() + START.toNanos();
            while (count(Files.readString(output, StandardCharsets.UTF_8), " closed up to ") < screens + 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            Launcher.interrupt(p);
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(() -> "stopped after Ctrl-C; it printed:\n" + Launcher.printed(output))
                    .isTrue();
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(printed).as(printed).contains("  saved file:").doesNotContain("could not cancel");
            return printed;
        } finally {
            p.destroyForcibly();
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
