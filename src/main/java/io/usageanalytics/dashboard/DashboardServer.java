package io.usageanalytics.dashboard;

import io.usageanalytics.core.Accounting;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The dashboard: a page of charts over the warehouse, served on 127.0.0.1 by the JDK's own HTTP
 * server. GET only; the page's files, ECharts from its WebJar on the classpath (no CDN, no network),
 * and two JSON endpoints: {@code /api/usage} (the warehouse; 503 with the reason while it cannot be
 * read) and {@code /api/accounting} (the job's accounting, when a job runs in this process).
 */
public final class DashboardServer implements AutoCloseable {

    /** In the WebJar of the pom's {@code echarts.version}. */
    static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    /** Path to classpath resource and content type: the only files served. */
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"dashboard/index.html", "text/html; charset=utf-8"},
            "/dashboard.js", new String[] {"dashboard/dashboard.js", "text/javascript; charset=utf-8"},
            "/dashboard.css", new String[] {"dashboard/dashboard.css", "text/css; charset=utf-8"},
            "/echarts.min.js", new String[] {ECHARTS, "text/javascript; charset=utf-8"});

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads;
    private final WarehousePanels panels;
    private final JobAccounting accounting;

    private DashboardServer(HttpServer server, WarehousePanels panels, JobAccounting accounting) {
        this.server = server;
        this.panels = panels;
        this.accounting = accounting;
        // Two: a page polls two endpoints at once; a slow warehouse read must not hold up the other.
        this.threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "usage-analytics-dashboard");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /**
     * Serves on 127.0.0.1:{@code port} (0 picks a free port).
     *
     * @throws java.net.BindException when the port is taken
     */
    public static DashboardServer start(int port, WarehousePanels panels, JobAccounting accounting)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        DashboardServer dashboard = new DashboardServer(server, panels, accounting);
        server.start();
        return dashboard;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The page's address, for the banner. */
    public String url() {
        return "http://127.0.0.1:" + address().getPort() + "/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", "GET only".getBytes(StandardCharsets.UTF_8));
                return;
            }
            // A page of another site whose name it made resolve to 127.0.0.1 (DNS rebinding) would
            // come with that name as Host: only this server's own names are answered.
            String host = exchange.getRequestHeaders().getFirst("Host");
            int port = address().getPort();
            if (!("127.0.0.1:" + port).equals(host) && !("localhost:" + port).equals(host)) {
                send(exchange, 403, "text/plain; charset=utf-8", ("Host must be 127.0.0.1:" + port + " or localhost:"
                        + port).getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/api/usage" -> usage(exchange);
                case "/api/accounting" -> json(exchange, 200, accounting());
                default -> file(exchange, path);
            }
        }
    }

    private void usage(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Optional<TimeRange> range = TimeRange.of(query.getOrDefault("range", TimeRange.HOUR.parameter()));
        if (range.isEmpty()) {
            json(exchange, 400, Map.of("error", "range must be one of hour, day, all"));
            return;
        }
        try {
            json(exchange, 200, panels.read(range.get(), Optional.ofNullable(query.get("dimension")), Instant.now()));
        } catch (WarehousePanels.UnknownDimension e) {
            json(exchange, 400, Map.of("error", e.getMessage()));
        } catch (SQLException e) {
            // The page shows this and polls again: a database restart is a pause, not an end.
            json(exchange, 503, Map.of("error", "warehouse unavailable: "
                    + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim()));
        }
    }

    /** The local runner's live screen accounting, as JSON: the terms add up at every poll. */
    private Map<String, Object> accounting() {
        Optional<Map<String, Object>> accumulators = accounting.accumulators().get();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("available", accumulators.isPresent());
        if (accumulators.isEmpty()) {
            body.put("reason", accounting.unavailable());
            return body;
        }
        Map<String, Object> a = accumulators.get();
        body.put("records_in", Accounting.count(a, Accounting.RECORDS_IN));
        body.put("aggregated", Accounting.count(a, Accounting.RECORDS_AGGREGATED));
        body.put("rejected", Accounting.count(a, Accounting.REJECTED));
        body.put("duplicates", Accounting.count(a, Accounting.DUPLICATES_DROPPED));
        body.put("skipped", Accounting.count(a, Accounting.SKIPPED));
        body.put("in_flight", Accounting.inFlight(a));
        body.put("rejected_by_reason", Accounting.rejectsByReason(a));
        return body;
    }

    private static void file(HttpExchange exchange, String path) throws IOException {
        String[] file = FILES.get(path);
        InputStream in = file == null ? null : DashboardServer.class.getClassLoader().getResourceAsStream(file[0]);
        if (in == null) {
            send(exchange, 404, "text/plain; charset=utf-8", ("not found: " + path).getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (in) {
            send(exchange, 200, file[1], in.readAllBytes());
        }
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        // Live data: the browser must ask again on every poll.
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1); // a HEAD response has no body
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> parameters = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return parameters;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
