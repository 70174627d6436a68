package io.usageanalytics.testing;

import io.usageanalytics.local.EmbeddedWarehouse;

import java.nio.file.Path;

/** An embedded PostgreSQL for one test class; binaries are extracted once under target/. */
public final class Postgres {

    private Postgres() {}

    /** Starts a server whose data lives in {@code dir} (a JUnit {@code @TempDir}, deleted after). */
    public static EmbeddedWarehouse start(Path dir) {
        return EmbeddedWarehouse.start(dir.resolve("pgdata"), Path.of("target", "embedded-pg"), 0, true);
    }
}
