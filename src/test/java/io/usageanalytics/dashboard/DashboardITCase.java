package io.usageanalytics.dashboard;

import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.Loopback;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;
import io.usageanalytics.testing.Chromium;
import io.usageanalytics.testing.Launcher;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium, served by the launcher's commands as a user runs
 * them: a local run's page over its generated traffic, every chart with data and a window's
 * numbers equal to the table's; and {@code ui} over a warehouse that stops and starts again under
 * a page that says so and recovers.
 */
class DashboardITCase {

    /** Every chart of the page, by element id. */
    static final List<String> CHARTS = List.of("cost", "tokens", "rate", "finish", "fingerprints", "tiers",
            "spenders", "accounting");
    private static final Pattern POINTS =
            Pattern.compile("<div class=\"chart\" id=\"(\\w+)\"[^>]*? data-points=\"(\\d+)\"");
    private static final Pattern LATEST = Pattern.compile("<tr data-window-start=\"([^\"]*)\" data-model=\"([^\"]*)\""
            + " data-requests=\"([^\"]*)\" data-total-tokens=\"([^\"]*)\" data-cost-usd=\"([^\"]*)\"");
    private static final Pattern STATUS = Pattern.compile("<span id=\"status\" data-status=\"(\\w+)\">([^<]*)<");
    private static final Pattern ERRORS = Pattern.compile("<pre id=\"errors\"[^>]*>([^<]*)</pre>");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @BeforeAll
    static void chromium() throws Exception {
        Chromium.ensureInstalled();
    }

    /**
     * {@code ./usage-analytics local} with windows of 5 s (so rows come within seconds), no allowed
     * lateness (so a window's row is final once written) and a spike minimum low enough that every
     * model's first window raises a new-spend alert.
     */
    @Test
    void aLocalRunsPageChartsItsTrafficWithTheTablesExactNumbers() throws Exception {
        int port = Loopback.freePort();
        String url = "http://127.0.0.1:" + port + "/";
        Launcher launcher = new Launcher(dir);
        Path output = dir.resolve("local.txt");
        Process local = launcher.start(output, "local", "--ui-port", String.valueOf(port), "--rate", "30",
                "--window", "5s", "--out-of-orderness", "1s", "--allowed-lateness", "0s", "--spike-min-usd", "0.001");
        try {
            String banner = Launcher.awaitOutput(output, Duration.ofSeconds(120), "  dashboard  " + url, "  logs ");
            Matcher warehouse = Pattern.compile("  warehouse  (\\S+) table").matcher(banner);
            assertThat(warehouse.find()).as(banner).isTrue();
            String jdbc = warehouse.group(1);
            awaitTwoWindowsAndAnAlert(jdbc);

            Path log = dir.resolve("chromium.log");
            String dom = Chromium.dumpDom(url, log);
            assertThat(Chromium.pageErrors(log)).isEmpty();
            assertThat(errors(dom)).isEmpty();
            assertThat(status(dom)).startsWith("ok live, updated ");
            Map<String, Integer> points = points(dom);
            assertThat(points.keySet()).containsExactlyInAnyOrderElementsOf(CHARTS);
            assertThat(points).as("data points per chart")
                    .allSatisfy((chart, n) -> assertThat(n).as(chart).isPositive());
            assertThat(dom).containsPattern("<table id=\"alerts\" data-rows=\"[1-9]\\d*\"");

            // The older of the two windows shown: the newest one's rows may still have been arriving.
            List<List<String>> shown = latestWindows(dom);
            List<String> windows = shown.stream().map(r -> r.get(0)).distinct().toList();
            assertThat(windows).as("the two latest windows, newest first").hasSize(2);
            assertThat(windows.get(0)).isGreaterThan(windows.get(1));
            List<List<String>> older = shown.stream().filter(r -> r.get(0).equals(windows.get(1))).toList();
            assertThat(older).containsExactlyInAnyOrderElementsOf(tableRows(jdbc, Instant.parse(windows.get(1))));

            Chromium.screenshot(url, Path.of("target", "dashboard", "dashboard.png"), 1400, 2250,
                    dir.resolve("screenshot.log"));

            stop(local);
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).as("the dashboard's port is free after Ctrl-C").isEqualTo(port);
            }
        } finally {
            stop(local);
        }
    }

    /**
     * {@code ./usage-analytics ui} over a warehouse that stops under an open page: 503 and
     * "reconnecting", then back to the same numbers when it is started again.
     */
    @Test
    void uiOverAWarehouseThatRestartsSaysReconnectingThenShowsTheSameNumbers() throws Exception {
        Instant window = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(1, ChronoUnit.MINUTES);
        try (EmbeddedWarehouse pg = Postgres.start(dir)) {
            try (Connection c = Tables.connect(pg.jdbcUrl())) {
                Warehouse.applySchema(c, UsageTable.DEFAULT_TABLE);
                Warehouse.applyViewsAndAlerts(c, UsageTable.DEFAULT_TABLE);
                insertRow(c, window);
            }
            int port = Loopback.freePort();
            String url = "http://127.0.0.1:" + port + "/";
            Path output = dir.resolve("ui.txt");
            Process ui = new Launcher(dir).start(output, "ui", "--warehouse", pg.jdbcUrl(), "--ui-port",
                    String.valueOf(port));
            try {
                Launcher.awaitOutput(output, Duration.ofSeconds(120), "  dashboard  " + url,
                        "  warehouse  " + pg.jdbcUrl() + " table llm_usage");
                HttpResponse<String> before = get(url + "api/usage?range=hour");
                assertThat(before.statusCode()).isEqualTo(200);
                assertThat(before.body()).contains("\"latest_windows\":[{\"window_start\":\"" + window + "\","
                        + "\"window_end\":\"" + window.plusSeconds(60) + "\",\"model\":\"gpt-4o\","
                        + "\"requests\":\"3\",\"total_tokens\":\"42\",\"cost_usd\":\"0.012300000000\"}]");
                JsonNode panels = new ObjectMapper().readTree(before.body());
                assertThat(panels.fieldNames()).toIterable().containsExactly("range", "grain", "cost_by_model", "rate",
                        "latest_windows", "finish_reasons", "fingerprints", "alerts", "tiers", "dimensions",
                        "dimension", "top_spenders");
                assertThat(panels.get("dimensions").toString()).isEqualTo("[\"tenant\"]");
                assertThat(panels.get("top_spenders").toString()).isEqualTo("[{\"rank\":1,\"value\":\"acme\","
                        + "\"cost_usd\":\"0.012300000000\",\"cost_share\":\"1.00000000000000000000\","
                        + "\"requests\":\"3\",\"total_tokens\":\"42\"}]");
                // The last hour by window; longer ranges by hour, from usage_hourly (as Grafana).
                assertThat(panels.get("grain").asText()).isEqualTo("window");
                assertThat(panels.get("rate").toString()).isEqualTo(rate(window, window.plusSeconds(60)));
                JsonNode all = new ObjectMapper().readTree(get(url + "api/usage?range=all").body());
                Instant hour = window.truncatedTo(ChronoUnit.HOURS);
                assertThat(all.get("grain").asText()).isEqualTo("hour");
                assertThat(all.get("rate").toString()).isEqualTo(rate(hour, hour.plus(1, ChronoUnit.HOURS)));
                assertThat(all.get("cost_by_model").toString()).isEqualTo("[{\"start\":\"" + hour + "\","
                        + "\"model\":\"gpt-4o\",\"cost_usd\":\"0.012300000000\",\"total_tokens\":\"42\","
                        + "\"requests\":\"3\"}]");
                HttpResponse<String> unknown = get(url + "api/usage?range=hour&dimension=user");
                assertThat(unknown.statusCode()).isEqualTo(400);
                assertThat(unknown.body())
                        .isEqualTo("{\"error\":\"unknown dimension 'user'; the warehouse has [tenant]\"}");

                pg.stopServer();
                HttpResponse<String> down = get(url + "api/usage?range=hour");
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body()).startsWith("{\"error\":\"warehouse unavailable: Connection to 127.0.0.1:"
                        + pg.port() + " refused.");
                String reconnecting = Chromium.dumpDom(url, dir.resolve("down.log"));
                assertThat(status(reconnecting)).startsWith("reconnecting reconnecting: warehouse unavailable:"
                        + " Connection to 127.0.0.1:" + pg.port() + " refused.");
                assertThat(errors(reconnecting)).isEmpty();

                pg.startServer();
                HttpResponse<String> after = get(url + "api/usage?range=hour");
                assertThat(after.statusCode()).isEqualTo(200);
                assertThat(after.body()).isEqualTo(before.body());
                String recovered = Chromium.dumpDom(url, dir.resolve("recovered.log"));
                assertThat(status(recovered)).startsWith("ok live");
                assertThat(latestWindows(recovered)).containsExactly(
                        List.of(window.toString(), "gpt-4o", "3", "42", "0.012300000000"));
                assertThat(recovered).contains("<p id=\"accounting-note\">accounting not available: no job runs with"
                        + " this dashboard (ui reads the warehouse only)</p>");
            } finally {
                stop(ui);
            }
        }
    }

    /** Waits for rows of two windows and a cost alert: what the charts need to have data. */
    private static void awaitTwoWindowsAndAnAlert(String jdbc) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String seen = "nothing yet";
        while (System.nanoTime() < deadline) {
            try (Connection c = Tables.connect(jdbc); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT (SELECT count(DISTINCT window_start) FROM llm_usage),"
                            + " (SELECT count(*) FROM llm_cost_alerts)")) {
                r.next();
                seen = r.getLong(1) + " windows, " + r.getLong(2) + " alerts";
                if (r.getLong(1) >= 2 && r.getLong(2) >= 1) {
                    return;
                }
            } catch (java.sql.SQLException starting) {
                seen = "no table yet: " + starting.getMessage();
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("waited 90 s for rows of two windows and a cost alert in " + jdbc
                + "; saw " + seen);
    }

    /**
     * The table's rows of one window per model, as the page shows them: summed over fingerprints,
     * tiers and dimensions.
     */
    private static List<List<String>> tableRows(String jdbc, Instant windowStart) throws Exception {
        try (Connection c = Tables.connect(jdbc); PreparedStatement s = c.prepareStatement(
                "SELECT model, sum(requests), sum(total_tokens), sum(cost_usd) FROM llm_usage"
                        + " WHERE window_start = ? GROUP BY model")) {
            s.setTimestamp(1, Timestamp.from(windowStart));
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(List.of(windowStart.toString(), r.getString(1), r.getBigDecimal(2).toPlainString(),
                            r.getBigDecimal(3).toPlainString(),
                            r.getBigDecimal(4) == null ? "" : r.getBigDecimal(4).toPlainString()));
                }
            }
            return rows;
        }
    }

    /** One gpt-4o row: 3 requests, 42 tokens, $0.0123. */
    /** The rate panel's one row: the inserted row's three requests, none streamed or estimated. */
    private static String rate(Instant start, Instant end) {
        return "[{\"window_start\":\"" + start + "\",\"window_end\":\"" + end + "\",\"requests\":\"3\","
                + "\"streamed_requests\":\"0\",\"estimated_requests\":\"0\"}]";
    }

    private static void insertRow(Connection c, Instant windowStart) throws Exception {
        List<String> columns = UsageTable.columns();
        Map<String, Object> values = new LinkedHashMap<>();
        for (String column : columns) {
            values.put(column, 0L);
        }
        values.put("window_start", Timestamp.from(windowStart));
        values.put("window_end", Timestamp.from(windowStart.plus(1, ChronoUnit.MINUTES)));
        values.put("model", "gpt-4o");
        values.put("system_fingerprint", "fp_a");
        values.put("service_tier", "default");
        values.put("dimensions", "{\"tenant\": \"acme\"}");
        values.put("requests", 3L);
        values.put("choices", 3L);
        values.put("finish_stop", 3L);
        values.put("prompt_tokens", 30L);
        values.put("completion_tokens", 12L);
        values.put("total_tokens", 42L);
        values.put("cost_usd", new java.math.BigDecimal("0.0123"));
        values.put("standard_cost_usd", new java.math.BigDecimal("0.0123"));
        String sql = "INSERT INTO llm_usage (" + String.join(", ", columns) + ") VALUES ("
                + columns.stream().map(col -> col.equals("dimensions") ? "?::jsonb" : "?")
                        .collect(Collectors.joining(", "))
                + ")";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < columns.size(); i++) {
                s.setObject(i + 1, values.get(columns.get(i)));
            }
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    /** Ctrl-C, and what the launcher started stops with it (at worst, after a minute, it is killed). */
    private static void stop(Process launcher) throws Exception {
        if (!launcher.isAlive()) {
            return;
        }
        Launcher.interrupt(launcher);
        if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
            launcher.destroyForcibly().waitFor();
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Integer> points(String dom) {
        Map<String, Integer> points = new LinkedHashMap<>();
        Matcher m = POINTS.matcher(dom);
        while (m.find()) {
            points.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return points;
    }

    private static List<List<String>> latestWindows(String dom) {
        List<List<String>> rows = new ArrayList<>();
        Matcher m = LATEST.matcher(dom);
        while (m.find()) {
            rows.add(List.of(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)));
        }
        return rows;
    }

    /** The status attribute and text, e.g. {@code ok live, updated 12:00:05 UTC}. */
    private static String status(String dom) {
        Matcher m = STATUS.matcher(dom);
        assertThat(m.find()).as(dom).isTrue();
        return m.group(1) + " " + m.group(2);
    }

    private static String errors(String dom) {
        Matcher m = ERRORS.matcher(dom);
        assertThat(m.find()).as("the page's #errors element").isTrue();
        return m.group(1);
    }
}
