package io.usageanalytics.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class UsageAnalyticsJobTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return UsageAnalyticsJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void parsesOptionsAndPassesKafkaPropertiesThrough() {
        JobOptions o = UsageAnalyticsJob.parse("--topic", "a,b", "--window", "5min",
                "--kafka.security.protocol=SASL_SSL", "--kafka.sasl.mechanism", "PLAIN", "--bounded");
        assertThat(o.topics).containsExactly("a", "b");
        assertThat(o.window).isEqualTo(Duration.ofMinutes(5));
        assertThat(o.allowedLateness).isEqualTo(Duration.ofMinutes(10));
        assertThat(o.outOfOrderness).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.idleness).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.bounded).isTrue();
        assertThat(o.rejectsTopic()).isEqualTo("a.rejects");
        assertThat(o.kafkaProperties).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void badOptionValueIsOneLineNamingTheOption() {
        assertThat(run("--window", "soon")).isEqualTo(2);
        assertThat(errText().lines()).hasSize(1);
        assertThat(errText()).contains("--window").contains("soon");

        err.reset();
        assertThat(run("--no-such-option")).isEqualTo(2);
        assertThat(errText().lines()).hasSize(1);
        assertThat(errText()).contains("--no-such-option");

        err.reset();
        assertThat(run("--kafka.")).isEqualTo(2);
        assertThat(errText().lines()).hasSize(1);
    }

    @Test
    void valuesNoSingleOptionCanCheckAreUsageErrorsToo() {
        // Found before Kafka or the database is contacted: nothing listens on port 1.
        for (String[] bad : List.of(new String[] {"--window", "0s"}, new String[] {"--parallelism", "0"},
                new String[] {"--batch-size", "0"}, new String[] {"--prices", "/no/such/prices.csv"},
                new String[] {"--spike-factor", "0.5"}, new String[] {"--create-schema=views"})) {
            err.reset();
            List<String> args = new ArrayList<>(
                    List.of("--bootstrap-servers", "127.0.0.1:1", "--connect-timeout", "60s"));
            args.addAll(List.of(bad));
            long started = System.nanoTime();
            assertThat(run(args.toArray(new String[0]))).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(errText().lines()).as(errText()).hasSize(1);
            assertThat(errText()).startsWith("usage-analytics: ").endsWith(" (see --help)" + System.lineSeparator())
                    .contains(bad[0].replaceAll("=.*", ""));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
        err.reset();
        assertThat(run("--bootstrap-servers", "127.0.0.1:1", "--window", "0s")).isEqualTo(2);
        assertThat(errText())
                .isEqualTo("usage-analytics: --window must be positive (see --help)" + System.lineSeparator());
    }

    @Test
    void spikeByNeedsADimensionOnceAndNotNamedModel() {
        Map<List<String>, String> bad = Map.of(
                List.of("--spike-by", "tenant"), "--spike-by tenant: no --dimension tenant",
                List.of("--dimension", "tenant=json:/x_gateway/tenant", "--spike-by", "tenant", "--spike-by", "tenant"),
                "--spike-by tenant is given twice",
                List.of("--dimension", "model=header:x-model", "--spike-by", "model"),
                "--spike-by model: its alerts could not be told apart from the per-model alerts;"
                        + " give the dimension another name");
        bad.forEach((args, message) -> {
            err.reset();
            List<String> all = new ArrayList<>(List.of("--bootstrap-servers", "127.0.0.1:1"));
            all.addAll(args);
            assertThat(run(all.toArray(new String[0]))).as(message).isEqualTo(2);
            assertThat(errText()).isEqualTo("usage-analytics: " + message + " (see --help)" + System.lineSeparator());
        });
        assertThat(UsageAnalyticsJob.parse("--dimension", "tenant=json:/x_gateway/tenant", "--dimension",
                "user=header:x-user", "--spike-by", "user", "--spike-by", "tenant").settings().spikeBy())
                .containsExactly("user", "tenant");
    }

    @Test
    void badStartingPositionIsOneLine() {
        assertThat(run("--start", "yesterday", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errText().lines()).hasSize(1);
        assertThat(errText()).contains("--start");
    }

    @Test
    void unreachableBrokerIsOneLineNamingTheServersAndExitsNonZero() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String servers = "127.0.0.1:" + port;
        long started = System.nanoTime();
        int code = run("--bootstrap-servers", servers, "--topic", "t", "--connect-timeout", "3s");
        assertThat(code).isEqualTo(1);
        // One line; whichever gives up first, our wait or the client's own, may add its reason.
        assertThat(errText().lines()).hasSize(1);
        // The wait is announced, with what it waits for and how long.
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("waiting up to 3 s for Kafka at " + servers + " ...");
        assertThat(errText()).startsWith("usage-analytics: cannot reach Kafka at " + servers + " within 3 s");
        // bounded by the connect timeout, not a hang
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void helpListsOptionsWithDefaults() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).contains("--bootstrap-servers", "Default: 127.0.0.1:9092", "--window",
                "Default: 60s", "--allowed-lateness", "--idleness", "--kafka.<property>=<value>");
    }
}
