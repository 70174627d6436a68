package io.usageanalytics.sinks;

import io.usageanalytics.aggregation.UsageColumn;
import io.usageanalytics.aggregation.UsageRow;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Upserts window rows into the warehouse table. Every emission carries the complete row, so the
 * upsert replaces rather than adds: a row written twice (at-least-once delivery after a restore, a
 * replayed backfill) leaves the table as if it had been written once, and a late update replaces
 * its row. {@code updated_at} only moves when a value actually changes.
 */
public final class UsageTable {

    public static final String DEFAULT_TABLE = "llm_usage";
    public static final List<String> KEY_COLUMNS =
            List.of("window_start", "window_end", "model", "system_fingerprint", "service_tier", "dimensions");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private UsageTable() {}

    public static final String COST_COLUMN = "cost_usd";
    public static final String STANDARD_COST_COLUMN = "standard_cost_usd";

    /** Every column the job writes, key first, in statement order. */
    public static List<String> columns() {
        return Stream.concat(Stream.concat(KEY_COLUMNS.stream(), Arrays.stream(UsageColumn.values()).map(c -> c.sql)),
                        Stream.of(COST_COLUMN, STANDARD_COST_COLUMN))
                .collect(Collectors.toList());
    }

    /** The columns an upsert replaces: everything but the key. */
    private static List<String> valueColumns() {
        return columns().subList(KEY_COLUMNS.size(), columns().size());
    }

    /** Table names are spliced into SQL, so only plain (optionally schema-qualified) identifiers. */
    public static String checkTableName(String table) {
        if (!IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("not a plain SQL identifier: " + table);
        }
        return table;
    }

    public static String upsertSql(String table) {
        checkTableName(table);
        List<String> cols = columns();
        List<String> values = valueColumns();
        String bare = table.substring(table.indexOf('.') + 1);
        return "INSERT INTO " + table + " (" + String.join(", ", cols) + ", updated_at) VALUES ("
                + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ", now())"
                + " ON CONFLICT (" + String.join(", ", KEY_COLUMNS) + ") DO UPDATE SET "
                + values.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "))
                + ", updated_at = now()"
                + " WHERE (" + values.stream().map(c -> bare + "." + c).collect(Collectors.joining(", "))
                + ") IS DISTINCT FROM ("
                + values.stream().map(c -> "EXCLUDED." + c).collect(Collectors.joining(", ")) + ")";
    }

    public static WarehouseSink<UsageRow> sink(String url, String user, String password, String table,
            int batchSize, Duration flushInterval, int maxRetries) {
        return sink(Warehouse.connection(url, user, password), table, batchSize, flushInterval, maxRetries);
    }

    public static WarehouseSink<UsageRow> sink(JdbcConnectionOptions connection, String table,
            int batchSize, Duration flushInterval, int maxRetries) {
        return WarehouseSink.of(connection, upsertSql(table), new RowStatement(), batchSize, flushInterval,
                maxRetries);
    }

    /** Binds one row in {@link #columns()} order. */
    static final class RowStatement implements JdbcStatementBuilder<UsageRow> {

        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public void accept(PreparedStatement ps, UsageRow row) throws SQLException {
            ps.setObject(1, utc(row.windowStart));
            ps.setObject(2, utc(row.windowEnd));
            ps.setString(3, row.model);
            ps.setString(4, row.systemFingerprint);
            ps.setString(5, row.serviceTier);
            // As text the server reads as the column's jsonb.
            ps.setObject(6, json(row.dimensions), Types.OTHER);
            int i = KEY_COLUMNS.size();
            for (UsageColumn c : UsageColumn.values()) {
                ps.setLong(++i, c.of(row.counts));
            }
            setCost(ps, ++i, row.costUsd);
            setCost(ps, ++i, row.standardCostUsd);
        }

        private static String json(Map<String, String> dimensions) {
            try {
                return JSON.writeValueAsString(dimensions);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of strings is always JSON", e);
            }
        }

        private static void setCost(PreparedStatement ps, int i, BigDecimal cost) throws SQLException {
            if (cost == null) {
                ps.setNull(i, Types.NUMERIC);
            } else {
                ps.setBigDecimal(i, cost);
            }
        }

        private static OffsetDateTime utc(long epochMillis) {
            return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
        }
    }
}
