package io.usageanalytics.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local runner's state folder: the embedded warehouse's data (kept across runs), extracted
 * PostgreSQL binaries, logs, and while a runner is up, the URL of its warehouse.
 */
final class LocalState {

    /** The folder the launcher exports; without it the state is {@link #DEFAULT_DIR} here. */
    private static final String ENV = "USAGE_ANALYTICS_STATE";
    private static final String DEFAULT_DIR = ".state";
    /** {@code --state}'s default, in picocli's terms. */
    static final String DEFAULT_OPTION = "${env:" + ENV + ":-" + DEFAULT_DIR + "}";

    private final Path root;

    LocalState(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The folder {@link #DEFAULT_OPTION} names, for a command that takes no {@code --state}. */
    static LocalState fromEnvironment() {
        return new LocalState(Path.of(System.getenv().getOrDefault(ENV, DEFAULT_DIR)));
    }

    Path root() {
        return root;
    }

    Path postgresData() {
        return root.resolve("postgres");
    }

    Path postgresBinaries() {
        return root.resolve("postgres-binaries");
    }

    /**
     * The job's arguments, plus {@code --checkpoint-dir} in this folder unless they name one: a
     * job run from the launcher is local, and without a directory Flink would keep its
     * checkpoints on the JobManager heap. A {@code resumable} run's are kept apart, where the next
     * run looks for them.
     */
    List<String> withCheckpoints(List<String> jobArgs, boolean resumable) {
        List<String> args = new ArrayList<>(jobArgs);
        if (args.stream().noneMatch(a -> a.equals("--checkpoint-dir") || a.startsWith("--checkpoint-dir="))) {
            Path dir = resumable ? resumableCheckpoints() : root.resolve("checkpoints");
            args.addAll(List.of("--checkpoint-dir", dir.toUri().toString()));
        }
        return args;
    }

    /** The embedded broker's folder: configuration, logs and its data, kept across runs. */
    Path kafka() {
        return root.resolve("kafka");
    }

    Path logFile() {
        return root.resolve("logs").resolve("usage-analytics.log");
    }

    /** Checkpoints of live runs on the embedded services, kept when a run stops so the next resumes. */
    Path resumableCheckpoints() {
        return root.resolve("job").resolve("checkpoints");
    }

    /** Savepoints taken when a live run on the embedded services stops. */
    Path savepoints() {
        return root.resolve("job").resolve("savepoints");
    }

    /**
     * The newest complete savepoint or retained checkpoint of a live run (a folder with
     * {@code _metadata}, which Flink writes last): where the next live run resumes.
     */
    Optional<Path> latestSnapshot() throws IOException {
        List<Path> all = new ArrayList<>();
        for (Path dir : List.of(resumableCheckpoints(), savepoints())) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.walk(dir, 3)) {
                    files.filter(f -> f.getFileName().toString().equals("_metadata")).forEach(all::add);
                }
            }
        }
        Optional<Path> newest = Optional.empty();
        long newestTime = Long.MIN_VALUE;
        for (Path metadata : all) {
            long t = Files.getLastModifiedTime(metadata).toMillis();
            if (t > newestTime) {
                newestTime = t;
                newest = Optional.of(metadata.getParent());
            }
        }
        return newest;
    }

    /**
     * Deletes every savepoint and retained checkpoint but {@code keep} (the one a run resumed from,
     * needed until that run completes a checkpoint of its own): at most two are ever kept.
     */
    void pruneSnapshots(Optional<Path> keep) throws IOException {
        for (Path dir : List.of(resumableCheckpoints(), savepoints())) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    if (keep.isEmpty() || !keep.get().startsWith(p)) {
                        deleteRecursively(p);
                    }
                }
            }
        }
    }

    private Path urlFile() {
        return root.resolve("warehouse.url");
    }

    /**
     * Deletes the warehouse data, the broker's data, checkpoints and savepoints, and everything
     * else but the extracted binaries and the logs.
     */
    void reset() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!p.equals(postgresBinaries()) && !p.equals(logFile().getParent())) {
                    deleteRecursively(p);
                }
            }
        }
    }

    /** Starts the embedded warehouse on its kept data, on a free port; the caller stops it. */
    EmbeddedWarehouse startWarehouse() {
        return EmbeddedWarehouse.start(postgresData(), postgresBinaries(), 0, false);
    }

    void publishWarehouseUrl(String url) {
        try {
            Files.createDirectories(root);
            Files.writeString(urlFile(), url, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void withdrawWarehouseUrl() {
        try {
            Files.deleteIfExists(urlFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL a running local runner published, if any. */
    Optional<String> runningWarehouseUrl() throws IOException {
        return Files.exists(urlFile())
                ? Optional.of(Files.readString(urlFile(), StandardCharsets.UTF_8).trim())
                : Optional.empty();
    }

    boolean hasWarehouseData() {
        return Files.exists(postgresData().resolve("PG_VERSION"));
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(f);
            }
        }
    }
}
