package io.usageanalytics.testing;

import io.usageanalytics.aggregation.UsageColumn;
import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the warehouse table back over plain JDBC. */
public final class Tables {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Tables() {}

    public static Connection connect(String url) throws SQLException {
        return Warehouse.connect(url, "postgres", null, Duration.ofSeconds(10));
    }

    public static void create(String url, String table) throws SQLException {
        try (Connection c = connect(url)) {
            Warehouse.applySchema(c, table);
        }
    }

    /** Every row, ordered by key. */
    public static List<UsageRow> rows(String url, String table) throws SQLException {
        List<UsageRow> rows = new ArrayList<>();
        try (Connection c = connect(url); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT " + String.join(", ", UsageTable.columns()) + " FROM "
                        + table + " ORDER BY " + String.join(", ", UsageTable.KEY_COLUMNS))) {
            while (r.next()) {
                UsageCounts counts = new UsageCounts();
                for (UsageColumn column : UsageColumn.values()) {
                    counts.with(column, r.getLong(column.sql));
                }
                UsageRow row = new UsageRow(
                        r.getObject("window_start", OffsetDateTime.class).toInstant().toEpochMilli(),
                        r.getObject("window_end", OffsetDateTime.class).toInstant().toEpochMilli(),
                        r.getString("model"), r.getString("system_fingerprint"), r.getString("service_tier"),
                        counts, r.getBigDecimal(UsageTable.COST_COLUMN),
                        r.getBigDecimal(UsageTable.STANDARD_COST_COLUMN));
                row.dimensions = dimensions(r.getString("dimensions"));
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, String> dimensions(String jsonb) {
        try {
            return JSON.readValue(jsonb, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a jsonb column holds JSON", e);
        }
    }

    /** Every row with every column, updated_at included, as text: for byte-level comparisons. */
    public static List<String> snapshot(String url, String table) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(url); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT t::text FROM " + table
                        + " t ORDER BY " + String.join(", ", UsageTable.KEY_COLUMNS))) {
            while (r.next()) {
                rows.add(r.getString(1));
            }
        }
        return rows;
    }
}
