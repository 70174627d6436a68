package io.usageanalytics.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the job's memory stays bounded: its heap after each garbage collection (from
 * {@code -Xlog:gc}) and the size of each completed checkpoint (from the checkpoint coordinator's
 * log), summarised per tenth of the run. Both should level off once the allowed lateness has
 * passed in event time, because seen ids and in-flight streams expire on timers. The lowest heap
 * after GC in each tenth is the closest to what is live; it only means something once old
 * garbage is collected too, so trace with a heap small enough for collections of the whole heap
 * to run (full ones with the launcher's parallel collector, mixed ones with G1): {@code --heap 1g}.
 */
final class StateTrace {

    private static final Pattern GC = Pattern.compile("^\\[([0-9.]+)s\\].*Pause.* \\d+M->(\\d+)M\\(\\d+M\\)");
    private static final Pattern CHECKPOINT = Pattern.compile("Completed checkpoint (\\d+) for job \\w+ \\((\\d+) bytes");

    private StateTrace() {}

    /** GC log and a log configuration that keeps the checkpoint coordinator's lines. */
    static List<String> jvmOptions(Path dir, String name) throws IOException {
        Path log4j = dir.resolve("state-trace-log4j2.properties");
        Files.writeString(log4j, String.join("\n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                "logger.checkpoints.name = org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
                "logger.checkpoints.level = INFO", ""));
        return List.of("-Xlog:gc:file=" + dir.resolve(name + "-gc.log"), "-Dlog4j2.configurationFile=" + log4j);
    }

    static void print(Path gcLog, Path jobLog, PrintStream out) throws IOException {
        List<double[]> heap = new ArrayList<>();
        StringBuilder whole = new StringBuilder();
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC.matcher(line);
            if (m.find()) {
                heap.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
                // What a collection of the whole heap leaves is what is live (metadata-triggered ones come at start-up).
                if ((line.contains("Pause Full") || line.contains("(Mixed)")) && !line.contains("Metadata")) {
                    whole.append(String.format(" %.0fs:%sM", Double.parseDouble(m.group(1)), m.group(2)));
                }
            }
        }
        StringBuilder checkpoints = new StringBuilder();
        for (String line : Files.readAllLines(jobLog)) {
            Matcher m = CHECKPOINT.matcher(line);
            if (m.find()) {
                checkpoints.append(String.format(" %.1f", Long.parseLong(m.group(2)) / 1e6));
            }
        }
        out.println("    checkpointed state, MB, in order:" + checkpoints);
        if (heap.isEmpty()) {
            return;
        }
        double end = heap.get(heap.size() - 1)[0];
        StringBuilder tenths = new StringBuilder();
        for (int t = 0; t < 10; t++) {
            double from = end * t / 10;
            double to = end * (t + 1) / 10;
            double lowest = heap.stream().filter(h -> h[0] > from && h[0] <= to).mapToDouble(h -> h[1]).min().orElse(Double.NaN);
            tenths.append(Double.isNaN(lowest) ? " -" : String.format(" %.0f", lowest));
        }
        out.println("    heap after GC, MB, lowest per tenth of the run:" + tenths);
        out.println("    heap after collections of the whole heap (time:MB):" + whole);
    }
}
