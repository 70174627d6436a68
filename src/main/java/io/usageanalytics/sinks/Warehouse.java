package io.usageanalytics.sinks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Start-up checks and schema management for the warehouse. The schema is the ordered, idempotent
 * SQL files of {@code sql/schema}, bundled into the jar so the job applies exactly what a DBA
 * would apply with psql.
 */
public final class Warehouse {

    /** The files of {@code sql/schema}, in the order they are applied. */
    public static final List<String> SCHEMA_FILES = List.of("001_llm_usage.sql");

    private Warehouse() {}

    /** Opens a connection, failing within {@code timeout} when the database cannot be reached. */
    public static Connection connect(String url, String user, String password, Duration timeout)
            throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        String seconds = String.valueOf(Math.max(1, timeout.toSeconds()));
        p.setProperty("connectTimeout", seconds);
        p.setProperty("loginTimeout", seconds);
        return DriverManager.getConnection(url, p);
    }

    /** Applies every schema file; the table name in them is replaced by {@code table}. */
    public static void applySchema(Connection c, String table) throws SQLException {
        UsageTable.checkTableName(table);
        for (String file : SCHEMA_FILES) {
            String sql = schemaFile(file).replace(UsageTable.DEFAULT_TABLE, table);
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }
    }

    /**
     * Fails with a message naming the table unless it exists with every column the job writes, so
     * a missing table is reported at start, not at the first write.
     */
    public static void requireTable(Connection c, String table) throws SQLException {
        UsageTable.checkTableName(table);
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT " + String.join(", ", UsageTable.columns()) + ", updated_at FROM "
                    + table + " WHERE false").close();
        }
    }

    public static String schemaFile(String name) {
        try (InputStream in = Warehouse.class.getResourceAsStream("/sql/schema/" + name)) {
            if (in == null) {
                throw new IllegalStateException("schema file sql/schema/" + name + " is not bundled");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
