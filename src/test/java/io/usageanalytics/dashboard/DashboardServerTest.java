package io.usageanalytics.dashboard;

import io.usageanalytics.local.Loopback;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The dashboard's HTTP handlers on a real server: files, JSON, and what it refuses. */
class DashboardServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Nothing listens there: the warehouse is down. */
    private static final WarehousePanels DOWN = new WarehousePanels(
            "jdbc:postgresql://127.0.0.1:" + Loopback.freePort() + "/postgres", "postgres", null, "llm_usage",
            Optional.empty());

    private DashboardServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private DashboardServer start(JobAccounting accounting) throws IOException {
        server = DashboardServer.start(0, DOWN, accounting);
        return server;
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url()).resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageItsFilesAndEChartsFromTheClasspath() throws Exception {
        start(JobAccounting.none());
        HttpResponse<String> page = send("GET", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script src=\"echarts.min.js\"></script>", "<script src=\"dashboard.js\"");
        assertThat(send("GET", "/dashboard.js").headers().firstValue("Content-Type"))
                .contains("text/javascript; charset=utf-8");
        assertThat(send("GET", "/dashboard.css").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> echarts = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "echarts.min.js"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(echarts.statusCode()).isEqualTo(200);
        byte[] webJar;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(
                "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js")) {
            webJar = in.readAllBytes();
        }
        // Compared as a digest: a failure prints two short strings, not a megabyte of script.
        assertThat(sha256(echarts.body())).isEqualTo(sha256(webJar));
        assertThat(webJar).hasSize(1_016_420);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void anyOtherPathIsNotFound() throws Exception {
        start(JobAccounting.none());
        for (String path : List.of("/nope", "/dashboard/index.html", "/index.html", "/api", "/api/usage/x",
                "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js", "/log4j2-local.properties")) {
            HttpResponse<String> r = send("GET", path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).isEqualTo("not found: " + path);
        }
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        start(JobAccounting.none());
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
            for (String path : List.of("/", "/api/usage", "/api/accounting", "/nope")) {
                HttpResponse<String> r = send(method, path);
                assertThat(r.statusCode()).as(method + " " + path).isEqualTo(405);
                assertThat(r.headers().firstValue("Allow")).as(method + " " + path).contains("GET");
            }
        }
    }

    @Test
    void theAccountingIsTheJobsTermsAsJson() throws Exception {
        start(JobAccounting.of(() -> Optional.of(Map.of("records_in", 20L, "records_aggregated", 12L,
                "rejected", 3L, "rejected_malformed_json", 2L, "rejected_late", 1L, "duplicates_dropped", 1L,
                "skipped", 1L, "skipped_prompt_filter_preamble", 1L, "rows_emitted", 7L))));
        HttpResponse<String> r = send("GET", "/api/accounting");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.body()).isEqualTo("{\"available\":true,\"records_in\":20,\"aggregated\":12,\"rejected\":3,"
                + "\"duplicates\":1,\"skipped\":1,\"in_flight\":3,"
                + "\"rejected_by_reason\":{\"late\":1,\"malformed_json\":2}}");
    }

    @Test
    void accountingWithoutAJobSaysWhy() throws Exception {
        start(JobAccounting.none());
        assertThat(send("GET", "/api/accounting").body()).isEqualTo("{\"available\":false,\"reason\":\"not available:"
                + " no job runs with this dashboard (ui reads the warehouse only)\"}");
        server.close();
        start(JobAccounting.of(Optional::empty));
        assertThat(send("GET", "/api/accounting").body()).isEqualTo("{\"available\":false,\"reason\":\"not available"
                + " yet (the job is starting or restarting)\"}");
    }

    @Test
    void aWarehouseThatCannotBeReadIs503WithTheReason() throws Exception {
        start(JobAccounting.none());
        HttpResponse<String> r = send("GET", "/api/usage?range=day");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(r.body()).startsWith("{\"error\":\"warehouse unavailable: Connection to 127.0.0.1:")
                .contains("refused");
    }

    @Test
    void aRangeOutsideTheListIsABadRequestBeforeTheWarehouseIsAsked() throws Exception {
        start(JobAccounting.none());
        for (String query : List.of("range=week", "range=", "range=hour%3B%20DROP%20TABLE%20llm_usage")) {
            HttpResponse<String> r = send("GET", "/api/usage?" + query);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            assertThat(r.body()).as(query).isEqualTo("{\"error\":\"range must be one of hour, day, all\"}");
        }
    }

    @Test
    void itListensOn127001Only() throws Exception {
        start(JobAccounting.none());
        assertThat(server.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.address().getPort() + "/");
        // Through any other address of this machine the port is closed.
        List<InetAddress> others = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
        for (InetAddress other : others) {
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(other, server.address().getPort()), 2000);
                }
            }).as(other.toString()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void onlyItsOwnNamesAsHostAreAnswered() throws Exception {
        start(JobAccounting.none());
        int port = server.address().getPort();
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port)) {
            assertThat(statusLine("GET /api/accounting HTTP/1.1\r\nHost: " + host + "\r\n")).as(host)
                    .isEqualTo("HTTP/1.1 200 OK");
        }
        // A rebound name (another site's page), a missing Host, another port.
        for (String host : List.of("Host: attacker.example:" + port + "\r\n", "", "Host: 127.0.0.1:1\r\n")) {
            assertThat(statusLine("GET /api/accounting HTTP/1.1\r\n" + host)).as(host).isEqualTo("HTTP/1.1 403 Forbidden");
        }
    }

    /** The status line of {@code request} (its request line and headers) sent over a raw socket. */
    private String statusLine(String request) throws IOException {
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            s.getOutputStream().write((request + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    @Test
    void aTakenPortIsABindException() throws Exception {
        start(JobAccounting.none());
        assertThatThrownBy(() -> DashboardServer.start(server.address().getPort(), DOWN, JobAccounting.none()))
                .isInstanceOf(java.net.BindException.class);
    }
}
