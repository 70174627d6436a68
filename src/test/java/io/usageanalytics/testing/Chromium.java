package io.usageanalytics.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real headless Chromium (Debian's {@code chromium}), installed with apt-get when it is missing
 * and the tests run as root. Each call is one browser run that loads the page, lets its scripts
 * and their fetches run for a few seconds of virtual time, then dumps the DOM or a screenshot.
 */
public final class Chromium {

    private static final String BINARY = "chromium";
    /** Virtual time the page's scripts get: the first poll and its fetches, with room to spare. */
    private static final int VIRTUAL_TIME_MS = 5000;
    private static final long RUN_TIMEOUT_SECONDS = 60;

    private Chromium() {}

    /** Installs Chromium unless it is on the PATH; only root can, as the README's Test section says. */
    public static synchronized void ensureInstalled() throws Exception {
        if (onPath()) {
            return;
        }
        assertThat(System.getProperty("user.name")).as("chromium is not installed, and only root may install it"
                + " (apt-get install -y chromium)").isEqualTo("root");
        System.out.println("chromium not found: installing it with apt-get (under a minute) ...");
        if (!apt("install", "-y", BINARY)) {
            // A fresh image has no package lists yet.
            assertThat(apt("update")).as("apt-get update").isTrue();
            assertThat(apt("install", "-y", BINARY)).as("apt-get install -y chromium").isTrue();
        }
        assertThat(onPath()).as("chromium on the PATH after apt-get install").isTrue();
    }

    /** The DOM of {@code url} after its scripts ran; what the browser logged goes to {@code log}. */
    public static String dumpDom(String url, Path log) throws Exception {
        return run(log, "--dump-dom", url);
    }

    /** Saves a screenshot of {@code url}, {@code width} by {@code height}, as {@code png}. */
    public static void screenshot(String url, Path png, int width, int height, Path log) throws Exception {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.deleteIfExists(png);
        run(log, "--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, url);
        assertThat(png).as("screenshot of " + url).exists();
    }

    private static String run(Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(BINARY, "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=" + VIRTUAL_TIME_MS));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("chromium", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
            if (!p.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("chromium did not finish " + command + " within " + RUN_TIMEOUT_SECONDS
                        + " s; its log:\n" + Files.readString(log));
            }
            assertThat(p.exitValue()).as(command + ": " + Files.readString(log)).isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * The page's errors in the browser's log: uncaught exceptions and resources that failed to load.
     * Chromium logs every console message at one level, so console.error is told apart by the page
     * itself (its #errors element); the browser's own dbus and GPU complaints are not the page's.
     */
    public static List<String> pageErrors(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(":CONSOLE")
                        && (l.contains("\"Uncaught") || l.contains("Failed to load resource")))
                .toList();
    }

    private static boolean onPath() {
        return System.getenv("PATH") != null && List.of(System.getenv("PATH").split(":")).stream()
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, BINARY)));
    }

    private static boolean apt(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("apt-get"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return false;
        }
        return p.exitValue() == 0;
    }
}
