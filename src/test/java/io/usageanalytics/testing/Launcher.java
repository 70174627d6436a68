package io.usageanalytics.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./usage-analytics} run as a user runs it: a subprocess of the built checkout, with its
 * state folder in a test's directory.
 */
public final class Launcher {

    public static final Path SCRIPT = Path.of("usage-analytics").toAbsolutePath();

    private final Path dir;

    public Launcher(Path dir) {
        this.dir = dir;
    }

    /** A finished run: exit code and everything it printed. */
    public record Run(int code, String output) {}

    public Path state() {
        return dir.resolve("state");
    }

    /** Starts the launcher with {@code args}, its stdout and stderr going to {@code output}. */
    public Process start(Path output, String... args) throws Exception {
        return start(output, "-Xmx1g", args);
    }

    private Process start(Path output, String javaOpts, String... args) throws Exception {
        archiveClasses();
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        // The dashboard on a free port unless a test picks one: 8088 may be a developer's own run.
        if (args.length > 0 && args[0].equals("local") && !command.contains("--ui-port")) {
            command.addAll(List.of("--ui-port", "0"));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("USAGE_ANALYTICS_STATE", state().toString());
        pb.environment().put("USAGE_ANALYTICS_JAVA_OPTS", javaOpts);
        return pb.start();
    }

    /**
     * The first run of a build archives its classes, and says so; every test sees the launcher as
     * a user does from then on, whichever test runs first.
     */
    private static synchronized void archiveClasses() throws Exception {
        if (!archived) {
            ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            // Not a developer's own state folder: its log would get this run's line.
            pb.environment().put("USAGE_ANALYTICS_STATE",
                    Path.of("target", "launcher-state").toAbsolutePath().toString());
            Process p = pb.start();
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("classes archived in time").isTrue();
            archived = true;
        }
    }

    private static boolean archived;

    /** Runs the launcher to its end (at most three minutes). */
    public Run run(String... args) throws Exception {
        return runWithJavaOpts("-Xmx1g", args);
    }

    /** Runs the launcher to its end with {@code javaOpts} as its JVM's options. */
    public Run runWithJavaOpts(String javaOpts, String... args) throws Exception {
        Path output = Files.createTempFile(dir, "out", ".txt");
        Process p = start(output, javaOpts, args);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished in time: " + List.of(args)).isTrue();
        return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** Ctrl-C, as a terminal sends it to the launcher's JVM. */
    public static void interrupt(Process p) throws Exception {
        assertThat(ignoresInterrupts()).as("SIGINT is ignored by this JVM, so by the launcher it started too (run the"
                + " tests in the foreground: a shell without job control starts background jobs ignoring it)").isFalse();
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    }

    /** Whether this process ignores SIGINT (Linux's /proc; false where there is none). */
    private static boolean ignoresInterrupts() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /** What the process printed so far (to say why a test gave up on it). */
    public static String printed(Path output) {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** What the process printed once it contains every one of {@code texts}. */
    public static String awaitOutput(Path output, Duration timeout, String... texts) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String s = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            if (List.of(texts).stream().allMatch(s::contains)) {
                return s;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no " + List.of(texts) + " within " + timeout + " in:\n"
                + Files.readString(output, StandardCharsets.UTF_8));
    }
}
