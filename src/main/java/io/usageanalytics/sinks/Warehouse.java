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
            List.of("001_llm_usage.sql", "002_cost_usd.sql", "003_llm_cost_alerts.sql",
                    "004_service_tier_and_details.sql", "005_dimensions.sql", "006_cost_alert_scope.sql");
    /** The files of {@code sql/views}, applied after the schema by {@code --create-schema=all}. */
    public static final List<String> VIEW_FILES = List.of("001_usage_hourly.sql", "002_usage_daily.sql",
            "003_usage_cost_hourly.sql", "004_usage_finish_reasons_hourly.sql", "005_usage_estimated_hourly.sql",
            "006_usage_fingerprints.sql", "007_usage_tiers_hourly.sql", "008_usage_dimensions_hourly.sql",
            "009_usage_dimensions_daily.sql", "010_usage_top_spenders_24h.sql");
    /** The files of {@code sql/alerts}, applied after the views by {@code --create-schema=all}. */
    public static final List<String> ALERT_FILES =
            List.of("001_cost_spike.sql", "002_finish_quality.sql", "003_estimated_share.sql",
                    "004_cost_spike_by_dimension.sql");

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
        apply(c, table, "schema", SCHEMA_FILES);
    }

    /**
     * Applies the dashboard views and the alert functions (idempotent), reading {@code table}:
     * what a DBA applies with psql after the schema.
     */
    public static void applyViewsAndAlerts(Connection c, String table) throws SQLException {
        apply(c, table, "views", VIEW_FILES);
        apply(c, table, "alerts", ALERT_FILES);
    }

    private static void apply(Connection c, String table, String folder, List<String> files) throws SQLException {
        UsageTable.checkTableName(table);
        for (String file : files) {
            String sql = sqlFile(folder, file).replace(UsageTable.DEFAULT_TABLE, table);
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

    /** A bundled file of {@code sql/<folder>}. */
    public static String sqlFile(String folder, String name) {
        try (InputStream in = Warehouse.class.getResourceAsStream("/sql/" + folder + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("file sql/" + folder + "/" + name + " is not bundled");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
