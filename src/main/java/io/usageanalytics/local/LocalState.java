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
     * checkpoints on the JobManager heap.
     */
    List<String> withCheckpoints(List<String> jobArgs) {
        List<String> args = new ArrayList<>(jobArgs);
        if (args.stream().noneMatch(a -> a.equals("--checkpoint-dir") || a.startsWith("--checkpoint-dir="))) {
            args.addAll(List.of("--checkpoint-dir", root.resolve("checkpoints").toUri().toString()));
        }
        return args;
    }

    Path kafkaParent() throws IOException {
        return Files.createDirectories(root.resolve("kafka"));
    }

    private Path urlFile() {
        return root.resolve("warehouse.url");
    }

    /** Deletes the warehouse data and everything else but the extracted binaries. */
    void reset() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!p.equals(postgresBinaries())) {
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
