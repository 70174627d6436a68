package io.usageanalytics.dashboard;

import io.usageanalytics.sinks.CostAlerts;
import io.usageanalytics.sinks.Warehouse;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The page's data: fixed read-only queries over the views of {@code sql/views} that the Grafana
 * dashboard reads (so both show the same numbers), and over the usage table itself only where no
 * view has the grain (per window: the live request rate, the latest windows). Nothing of the
 * browser's reaches the SQL but bound parameters: the start of the range and a dimension name.
 * Every read opens its own connection, so a database that restarted is simply read again.
 */
public final class WarehousePanels {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final int QUERY_TIMEOUT_SECONDS = 10;

    /** As the request rate per window below, per hour: a long-kept table has a great many windows. */
    private static final String RATE_BY_HOUR = "SELECT hour AS window_start, hour + interval '1 hour' AS window_end,"
            + " sum(requests) AS requests, sum(streamed_requests) AS streamed_requests,"
            + " sum(estimated_requests) AS estimated_requests FROM usage_hourly WHERE hour >= ? GROUP BY 1, 2 ORDER BY 1";
    private static final String COST_BY_HOUR = "SELECT hour AS start, model, cost_usd, total_tokens, requests"
            + " FROM usage_hourly WHERE hour >= ? ORDER BY 1, 2";
    private static final String FINISH_REASONS = "SELECT model, sum(choices) AS choices,"
            + " sum(finish_stop) AS stop, sum(finish_length) AS length, sum(finish_tool_calls) AS tool_calls,"
            + " sum(finish_content_filter) AS content_filter, sum(finish_function_call) AS function_call,"
            + " sum(finish_other) AS other, sum(finish_none) AS none"
            + " FROM usage_finish_reasons_hourly WHERE hour >= ? GROUP BY model ORDER BY model";
    private static final String FINGERPRINTS = "SELECT model, system_fingerprint, first_seen, last_seen,"
            + " previous_fingerprint, requests FROM usage_fingerprints WHERE last_seen >= ?"
            + " ORDER BY model, first_seen, system_fingerprint";
    private static final String ALERTS = "SELECT scope, scope_value, model, window_start, window_end, cost_usd,"
            + " baseline_usd, ratio FROM " + CostAlerts.TABLE + " WHERE window_start >= ?"
            + " ORDER BY window_start DESC, scope, scope_value LIMIT 100";
    private static final String TIERS = "SELECT tier, sum(requests) AS requests, sum(cost_usd) AS cost_usd,"
            + " sum(standard_cost_usd) AS standard_cost_usd, sum(flex_savings_usd) AS flex_savings_usd,"
            + " sum(priority_premium_usd) AS priority_premium_usd"
            + " FROM usage_tiers_hourly WHERE hour >= ? GROUP BY tier ORDER BY tier";
    private static final String DIMENSIONS = "SELECT DISTINCT dimension FROM usage_top_spenders_24h ORDER BY 1";
    /** As Grafana's "Top spenders (24 h)": the top 25 and what the cardinality guard did not attribute. */
    private static final String TOP_SPENDERS = "SELECT rank, value, cost_usd, cost_share, requests, total_tokens"
            + " FROM usage_top_spenders_24h WHERE dimension = ? AND (rank <= 25 OR value = '__other__')"
            + " ORDER BY rank NULLS LAST, value";

    private final String url;
    private final String user;
    private final String password;
    private final Optional<String> firstDimension;
    private final String costByWindow;
    private final String rateByWindow;
    private final String latestWindows;

    /**
     * Reads the warehouse at {@code url}; {@code table} is the job's usage table (a checked name);
     * cost by value is shown for {@code firstDimension} until the page picks another.
     */
    public WarehousePanels(String url, String user, String password, String table, Optional<String> firstDimension) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.firstDimension = firstDimension;
        // The last hour by window, as usage_hourly sums the rows (a run of minutes is one hour's bar).
        this.costByWindow = "SELECT window_start AS start, model, sum(cost_usd) AS cost_usd,"
                + " sum(total_tokens) AS total_tokens, sum(requests) AS requests FROM " + table
                + " WHERE window_start >= ? GROUP BY 1, 2 ORDER BY 1, 2";
        this.rateByWindow = "SELECT window_start, window_end, sum(requests) AS requests,"
                + " sum(streamed_requests) AS streamed_requests, sum(estimated_requests) AS estimated_requests"
                + " FROM " + table + " WHERE window_start >= ? GROUP BY 1, 2 ORDER BY 1";
        // Two windows: the rows of the newest may still be arriving, those of the one before are complete.
        // Found by max() on the key's leading column, two index lookups: not by sorting every
        // window the table ever had at each poll.
        String newest = "(SELECT max(window_start) FROM " + table + ")";
        this.latestWindows = "SELECT window_start, window_end, model, sum(requests) AS requests,"
                + " sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd FROM " + table
                + " WHERE window_start >= coalesce((SELECT max(window_start) FROM " + table
                + " WHERE window_start < " + newest + "), " + newest + ")"
                + " GROUP BY 1, 2, 3 ORDER BY window_start DESC, cost_usd DESC NULLS LAST, model";
    }

    /** A dimension the browser asked for that the warehouse does not have. */
    public static final class UnknownDimension extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownDimension(String dimension, List<String> known) {
            super("unknown dimension '" + dimension + "'; the warehouse has " + known, null, false, false);
        }
    }

    /**
     * Every panel's rows over {@code range} at {@code now}; cost by dimension value for
     * {@code dimension}, else the first dimension if the warehouse has it, else its first by name.
     */
    public Map<String, Object> read(TimeRange range, Optional<String> dimension, Instant now)
            throws SQLException, UnknownDimension {
        Timestamp since = Timestamp.from(range.since(now));
        Map<String, Object> panels = new LinkedHashMap<>();
        panels.put("range", range.parameter());
        try (Connection c = Warehouse.connect(url, user, password, CONNECT_TIMEOUT)) {
            c.setReadOnly(true);
            boolean byWindow = range == TimeRange.HOUR;
            panels.put("grain", byWindow ? "window" : "hour");
            panels.put("cost_by_model", rows(c, byWindow ? costByWindow : COST_BY_HOUR, since));
            panels.put("rate", rows(c, byWindow ? rateByWindow : RATE_BY_HOUR, since));
            panels.put("latest_windows", rows(c, latestWindows));
            panels.put("finish_reasons", rows(c, FINISH_REASONS, since));
            panels.put("fingerprints", rows(c, FINGERPRINTS, since));
            panels.put("alerts", rows(c, ALERTS, since));
            panels.put("tiers", rows(c, TIERS, since));
            List<String> known = rows(c, DIMENSIONS).stream().map(r -> (String) r.get("dimension")).toList();
            if (dimension.isPresent() && !known.contains(dimension.get())) {
                throw new UnknownDimension(dimension.get(), known);
            }
            Optional<String> shown = dimension.or(() -> firstDimension.filter(known::contains))
                    .or(() -> known.stream().findFirst());
            panels.put("dimensions", known);
            panels.put("dimension", shown.orElse(null));
            panels.put("top_spenders", shown.isPresent() ? rows(c, TOP_SPENDERS, shown.get()) : List.of());
        }
        return panels;
    }

    /**
     * The rows of {@code sql} with {@code parameters} bound, each column by its label: numerics as
     * exact decimal strings (a JavaScript number would round them), times as ISO-8601 instants.
     */
    private static List<Map<String, Object>> rows(Connection c, String sql, Object... parameters)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                ResultSetMetaData meta = r.getMetaData();
                while (r.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = r.getObject(i);
                        if (value instanceof Timestamp) {
                            value = r.getTimestamp(i).toInstant().toString();
                        } else if (value instanceof BigDecimal d) {
                            value = d.toPlainString();
                        }
                        row.put(meta.getColumnLabel(i), value);
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
