package io.usageanalytics.sinks;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Start-up checks and schema management for the warehouse. The schema is the ordered, idempotent
 * SQL files of {@code sql/schema}, bundled into the jar so the job applies exactly what a DBA
 * would apply with psql.
 */
public final class Warehouse {

    public static final String DRIVER = "org.postgresql.Driver";

    /** The files of {@code sql/schema}, in the order they are applied. */
    public static final List<String> SCHEMA_FILES =
            List.of("001_llm_usage.sql", "002_cost_usd.sql", "003_llm_cost_alerts.sql");

    private Warehouse() {}

    /** Opens a connection, failing within {@code timeout} when the database cannot be reached. */
    public static Connection connect(String url, String user, String password, Duration timeout)
            throws SQLException {
        try {
            // DriverManager only offers drivers of the caller's class loader, and on a cluster each
            // job has its own: load (and so register) this job's copy.
            Class.forName(DRIVER);
        } catch (ClassNotFoundException e) {
            throw new SQLException("the PostgreSQL driver is not on the classpath", e);
        }
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

    /** The connector's connection options for the warehouse. */
    public static JdbcConnectionOptions connection(String url, String user, String password) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder b =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder().withUrl(url).withDriverName(DRIVER);
        if (user != null) {
            b.withUsername(user);
        }
        if (password != null) {
            b.withPassword(password);
        }
        return b.build();
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
     * What is wrong with the table for the job, or empty if it exists with every column the job
     * writes; checked at start so a missing table is reported then, not at the first write.
     */
    public static Optional<String> tableProblem(Connection c, String table) throws SQLException {
        UsageTable.checkTableName(table);
        int dot = table.indexOf('.');
        // Unquoted identifiers are folded to lower case by PostgreSQL.
        String schema = dot < 0 ? c.getSchema() : table.substring(0, dot).toLowerCase(Locale.ROOT);
        String name = table.substring(dot + 1).toLowerCase(Locale.ROOT);
        Set<String> present = new HashSet<>();
        try (ResultSet r = c.getMetaData().getColumns(null, schema, name, null)) {
            while (r.next()) {
                present.add(r.getString("COLUMN_NAME"));
            }
        }
        if (present.isEmpty()) {
            return Optional.of("table " + table + " does not exist");
        }
        List<String> missing = new ArrayList<>(UsageTable.columns());
        missing.add("updated_at");
        missing.removeAll(present);
        return missing.isEmpty()
                ? Optional.empty()
                : Optional.of("table " + table + " lacks column(s) " + String.join(", ", missing));
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
