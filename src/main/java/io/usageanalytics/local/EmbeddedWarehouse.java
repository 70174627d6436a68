package io.usageanalytics.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server from embedded binaries (no install), on 127.0.0.1 only, with its data
 * in a directory that survives restarts: the local runner's warehouse and the tests' database.
 */
public final class EmbeddedWarehouse implements AutoCloseable {

    private final Path dataDir;
    private final Path workDir;
    private final int port;
    private final boolean stopAtJvmExit;
    private EmbeddedPostgres postgres;

    private EmbeddedWarehouse(Path dataDir, Path workDir, int port, boolean stopAtJvmExit) {
        this.dataDir = dataDir;
        this.workDir = workDir;
        this.port = port;
        this.stopAtJvmExit = stopAtJvmExit;
    }

    /**
     * Starts PostgreSQL on {@code port} (0 picks a free one), keeping data in {@code dataDir}
     * (created and initialised if empty) and extracted binaries in {@code workDir}. With
     * {@code stopAtJvmExit} false the caller's own shutdown hook must stop it (after its clients).
     */
    public static EmbeddedWarehouse start(Path dataDir, Path workDir, int port, boolean stopAtJvmExit) {
        EmbeddedWarehouse w = new EmbeddedWarehouse(dataDir, workDir, port == 0 ? Loopback.freePort() : port,
                stopAtJvmExit);
        w.startServer();
        return w;
    }

    /** Starts the server (again, after {@link #stopServer()}) on its port, with its data. */
    public void startServer() {
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(workDir);
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(workDir.toFile())
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setRegisterShutdownHook(stopAtJvmExit)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
        }
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of the {@code postgres} database. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    /** Stops the server, keeping its data, and starts it again on the same port after {@code downtime}. */
    public void restart(Duration downtime) throws InterruptedException {
        stopServer();
        Thread.sleep(downtime.toMillis());
        startServer();
    }

    /** Stops the server, keeping its data. */
    public void stopServer() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }

    @Override
    public void close() {
        stopServer();
    }
}
