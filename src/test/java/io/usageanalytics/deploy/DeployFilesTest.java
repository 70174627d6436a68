package io.usageanalytics.deploy;

import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObjectParser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.apache.flink.annotation.docs.Documentation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.RestartStrategyOptions.RestartStrategyType;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.MetricNames;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks everything under {@code deploy/} against the project and against Flink itself, with no
 * network and no Docker: every file parses and is covered here, the jobs' options exist, the jar,
 * image and versions agree with the pom, and every Flink setting is a real Flink 2 option with a
 * valid value, the same in config.yaml, the FlinkDeployment and the compose stack.
 */
class DeployFilesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path COMPOSE_DIR = DEPLOY.resolve("compose");

    private static final String IMAGE = "usage-analytics:0.1.0";
    private static final String USRLIB = "/opt/flink/usrlib/";
    private static final String JOB_CLASS = UsageAnalyticsJob.class.getName();
    private static final String PROMETHEUS_FACTORY =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    private static final Pattern REPORTER_KEY = Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");
    /** Where state lives differs per environment; every other recommended setting must be equal. */
    private static final Set<String> SITE_SPECIFIC = Set.of(
            CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), CheckpointingOptions.SAVEPOINT_DIRECTORY.key());

    // ------------------------------------------------------------------------------------------
    // Every file is parsed and covered
    // ------------------------------------------------------------------------------------------

    private record Rule(String glob, Consumer<Path> parse) {
        boolean matches(Path relative) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            return m.matches(relative);
        }
    }

    /** First matching rule wins; the specific files also have their own tests below. */
    private static final List<Rule> RULES = List.of(
            new Rule("Dockerfile", DeployFilesTest::dockerInstructions),
            new Rule("Dockerfile.dockerignore", DeployFilesTest::ignorePatterns),
            new Rule("flink/config.yaml", DeployFilesTest::yamlMap),
            new Rule("kubernetes/usage-analytics.yaml", DeployFilesTest::yamlMap),
            new Rule("kubernetes/secret.example.yaml", DeployFilesTest::yamlMap),
            new Rule("compose/compose.yaml", DeployFilesTest::yamlMap),
            new Rule("grafana/provisioning/datasources/postgres.yaml", DeployFilesTest::yamlMap),
            new Rule("grafana/provisioning/dashboards/dashboards.yaml", DeployFilesTest::grafanaProvisioning),
            new Rule("grafana/provisioning/alerting/rules.yaml", DeployFilesTest::grafanaProvisioning),
            new Rule("grafana/provisioning/datasources/prometheus.yaml", DeployFilesTest::grafanaProvisioning),
            new Rule("grafana/dashboards/usage-analytics.json", DeployFilesTest::json),
            new Rule("prometheus/prometheus.yml", DeployFilesTest::prometheusConfig),
            new Rule("prometheus/rules/*.yml", DeployFilesTest::prometheusRules),
            // any further provisioning file declares apiVersion 1, any dashboard is JSON
            new Rule("grafana/provisioning/**.{yaml,yml}", DeployFilesTest::grafanaProvisioning),
            new Rule("grafana/**.json", DeployFilesTest::json),
            new Rule("**/.gitkeep", p -> assertThat(read(p)).as("%s", p).isBlank()));

    @Test
    void everyDeployFileParsesAndIsCovered() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(Files::isRegularFile).map(DEPLOY::relativize).sorted().toList();
        }
        List<String> uncovered = new ArrayList<>();
        for (Path file : files) {
            Rule rule = RULES.stream().filter(r -> r.matches(file)).findFirst().orElse(null);
            if (rule == null) {
                uncovered.add(file.toString());
            } else {
                rule.parse().accept(DEPLOY.resolve(file));
            }
        }
        assertThat(uncovered).as("files under deploy/ that DeployFilesTest does not check").isEmpty();
        List<String> missing = RULES.stream().map(Rule::glob).filter(g -> !g.contains("*"))
                .filter(g -> !Files.isRegularFile(DEPLOY.resolve(g))).toList();
        assertThat(missing).as("expected deploy files").isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // Image and jar
    // ------------------------------------------------------------------------------------------

    @Test
    void dockerfileAddsThePomsJarToTheFlinkImageOfThePomsVersion() {
        List<List<String>> instructions = dockerInstructions(DEPLOY.resolve("Dockerfile"));
        assertThat(instructions.get(0)).as("first instruction")
                .containsExactly("FROM", "flink:" + pomFlinkVersion() + "-scala_2.12-java17");

        List<List<String>> copies = instructions.stream().filter(i -> i.get(0).equals("COPY")).toList();
        assertThat(copies).as("COPY instructions").hasSize(1);
        List<String> paths = copies.get(0).stream().skip(1).filter(t -> !t.startsWith("--")).toList();
        assertThat(paths).containsExactly("target/" + jarName(), USRLIB + jarName());

        assertThat(read(DEPLOY.resolve("Dockerfile"))).as("the build command in the Dockerfile's comment")
                .contains("docker build -f deploy/Dockerfile -t " + IMAGE + " .");
        assertThat(ignorePatterns(DEPLOY.resolve("Dockerfile.dockerignore")))
                .as("the build context keeps only the jar").containsExactly("*", "!target/" + jarName());
    }

    // ------------------------------------------------------------------------------------------
    // Flink configuration
    // ------------------------------------------------------------------------------------------

    @Test
    void flinkConfigUsesRealFlinkKeysAndTheRecommendedValues() {
        Map<String, String> flat = recommendedFlinkConfig();
        assertThat(flinkConfigProblems(flat)).as("deploy/flink/config.yaml").isEmpty();

        Configuration conf = Configuration.fromMap(flat);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isNotBlank();
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).isNotBlank();
        assertThat(RestartStrategyType.of(conf.get(RestartStrategyOptions.RESTART_STRATEGY)))
                .isEqualTo(RestartStrategyType.EXPONENTIAL_DELAY);
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
        assertThat(conf.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
        assertThat(flat).containsEntry("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY)
                .containsEntry("metrics.reporter.prom.port", "9249");
    }

    /** A TaskManager runs the job with the options the launcher's job was measured with, but its heap. */
    @Test
    void taskManagersGetTheLaunchersJvmOptionsButTheHeap() throws IOException {
        Matcher defaults = Pattern.compile("java_opts=\"\\$\\{USAGE_ANALYTICS_JAVA_OPTS:-([^}]*)}\"")
                .matcher(Files.readString(ROOT.resolve("usage-analytics")));
        assertThat(defaults.find()).as("the launcher's default JVM options").isTrue();
        String launcher = Arrays.stream(defaults.group(1).split(" "))
                .filter(o -> !o.startsWith("-Xmx")).collect(Collectors.joining(" "));
        assertThat(launcher).contains("-XX:MaxInlineLevel=9");
        assertThat(recommendedFlinkConfig()).containsEntry(CoreOptions.FLINK_TM_JVM_OPTIONS.key(), launcher);
    }

    @Test
    void flinkKeyCheckRejectsUnknownDeprecatedAndMistypedSettings() {
        assertThat(flinkConfigProblems(Map.of("execution.checkpointing.intervall", "10s"))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("state.checkpoints.dir", "file:///x"))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("execution.checkpointing.interval", "often"))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("restart-strategy.type", "sometimes"))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("metrics.reporter.prom.port", "9249"))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("factory.class", PROMETHEUS_FACTORY))).hasSize(1);
        assertThat(flinkConfigProblems(Map.of("rest.port", "8081", "metrics.reporter.x.factory.class", "a.B")))
                .isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // Kubernetes
    // ------------------------------------------------------------------------------------------

    @Test
    void flinkDeploymentRunsTheImageJarAndRealJobOptions() {
        Map<String, Object> doc = yamlMap(DEPLOY.resolve("kubernetes/usage-analytics.yaml"));
        assertThat(doc).containsEntry("apiVersion", "flink.apache.org/v1beta1")
                .containsEntry("kind", "FlinkDeployment");
        Map<String, Object> spec = map(doc, "spec");
        assertThat(spec).containsEntry("image", IMAGE);
        String[] flink = pomFlinkVersion().split("\\.");
        assertThat(spec).containsEntry("flinkVersion", "v" + flink[0] + "_" + flink[1]);

        Map<String, Object> job = map(spec, "job");
        assertThat(job).containsEntry("jarURI", "local://" + USRLIB + jarName())
                .containsEntry("entryClass", JOB_CLASS)
                .containsEntry("upgradeMode", "savepoint")
                .containsEntry("parallelism", 2);
        JobOptions options = checkJobArgs(strings(job.get("args")), "k8s job.args");

        Map<String, String> conf = flatten(map(spec, "flinkConfiguration"));
        assertThat(flinkConfigProblems(conf)).as("k8s flinkConfiguration").isEmpty();
        assertThat(differencesFromRecommended(conf)).as("k8s flinkConfiguration vs deploy/flink/config.yaml")
                .isEmpty();
        assertThat(options.checkpointInterval).as("--checkpoint-interval")
                .isEqualTo(TimeUtils.parseDuration(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL.key())));
    }

    @Test
    void flinkDeploymentTakesTheDatabasePasswordFromTheExampleSecret() {
        Map<String, Object> spec = map(yamlMap(DEPLOY.resolve("kubernetes/usage-analytics.yaml")), "spec");
        List<Map<String, Object>> containers = maps(map(map(spec, "podTemplate"), "spec").get("containers"));
        Map<String, Object> main = containers.stream()
                .filter(c -> "flink-main-container".equals(c.get("name"))).findFirst().orElseThrow();
        Map<String, Object> env = maps(main.get("env")).stream()
                .filter(e -> passwordEnvVar().equals(e.get("name"))).findFirst().orElseThrow(
                        () -> new AssertionError("no env " + passwordEnvVar() + " in flink-main-container"));
        Map<String, Object> ref = map(map(env, "valueFrom"), "secretKeyRef");

        Map<String, Object> secret = yamlMap(DEPLOY.resolve("kubernetes/secret.example.yaml"));
        assertThat(secret).containsEntry("apiVersion", "v1").containsEntry("kind", "Secret")
                .doesNotContainKey("data");
        assertThat(ref.get("name")).isEqualTo(map(secret, "metadata").get("name")).isEqualTo("usage-analytics-db");
        Map<String, Object> values = map(secret, "stringData");
        assertThat(values).containsKey((String) ref.get("key"));
        assertThat(values.values()).as("an example holds placeholders, never a password")
                .allSatisfy(v -> assertThat(String.valueOf(v)).contains("REPLACE-ME"));
    }

    // ------------------------------------------------------------------------------------------
    // Compose
    // ------------------------------------------------------------------------------------------

    @Test
    void composeRunsTheJobFromTheImageAgainstItsOwnKafkaAndPostgres() {
        Map<String, Object> services = composeServices();
        Map<String, Object> jm = map(services, "jobmanager");
        Map<String, Object> tm = map(services, "taskmanager");
        assertThat(jm).containsEntry("image", IMAGE);
        assertThat(tm).containsEntry("image", IMAGE).containsEntry("command", "taskmanager");
        Map<String, Object> build = map(jm, "build");
        Path context = COMPOSE_DIR.resolve((String) build.get("context")).normalize();
        assertThat(context).as("build context").isEqualTo(ROOT);
        assertThat(context.resolve((String) build.get("dockerfile")).normalize()).isEqualTo(DEPLOY.resolve("Dockerfile"));

        List<String> command = strings(jm.get("command"));
        assertThat(command.subList(0, 3)).containsExactly("standalone-job", "--job-classname", JOB_CLASS);
        JobOptions options = checkJobArgs(command.subList(3, command.size()), "compose jobmanager command");

        // Kafka: the job's bootstrap address is the broker's in-network listener, its topic is created.
        Map<String, Object> kafka = map(services, "kafka");
        assertThat(kafka.get("image")).isEqualTo("apache/kafka:" + pomProperty("kafka.version"));
        List<String> advertised = Stream.of(String.valueOf(map(kafka, "environment")
                .get("KAFKA_ADVERTISED_LISTENERS")).split(",")).map(l -> l.substring(l.indexOf("://") + 3)).toList();
        assertThat(advertised).contains(options.bootstrapServers);
        List<String> init = strings(map(services, "kafka-init").get("command"));
        assertThat(init).containsSubsequence("--bootstrap-server", options.bootstrapServers)
                .containsSubsequence("--topic", options.topics.get(0)).containsSubsequence("--partitions", "2");
        assertThat(map(map(jm, "depends_on"), "kafka-init"))
                .containsEntry("condition", "service_completed_successfully");

        // PostgreSQL: host, database, user and password are the compose database's.
        URI jdbc = URI.create(options.jdbcUrl.substring("jdbc:".length()));
        assertThat(jdbc.getScheme()).isEqualTo("postgresql");
        Map<String, Object> postgres = map(services, jdbc.getHost());
        Map<String, Object> pgEnv = map(postgres, "environment");
        assertThat(jdbc.getPort()).isEqualTo(5432);
        assertThat(jdbc.getPath()).isEqualTo("/" + pgEnv.get("POSTGRES_DB"));
        assertThat(options.jdbcUser).isEqualTo(pgEnv.get("POSTGRES_USER"));
        assertThat(map(jm, "environment").get(passwordEnvVar())).isNotNull().isEqualTo(pgEnv.get("POSTGRES_PASSWORD"));

        // Flink settings: real keys, the recommended values, checkpoints on the shared volume.
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, String> props = flinkProperties((String) map(map(services, name), "environment")
                    .get("FLINK_PROPERTIES"));
            assertThat(flinkConfigProblems(props)).as("%s FLINK_PROPERTIES", name).isEmpty();
            assertThat(differencesFromRecommended(props)).as("%s FLINK_PROPERTIES vs config.yaml", name).isEmpty();
            assertThat(props).containsEntry("jobmanager.rpc.address", String.valueOf(jm.get("hostname")));
            assertThat(options.checkpointInterval).as("--checkpoint-interval")
                    .isEqualTo(TimeUtils.parseDuration(props.get(CheckpointingOptions.CHECKPOINTING_INTERVAL.key())));
            String stateMount = volumeTargetOf(map(services, name), "flink-state");
            assertThat(stateMount).as("%s mounts flink-state", name).isEqualTo("/opt/flink/state");
            for (String dir : SITE_SPECIFIC) {
                assertThat(props.get(dir)).startsWith("file://" + stateMount + "/");
            }
        }
        assertThat(dockerInstructions(DEPLOY.resolve("Dockerfile")))
                .as("the image creates the flink-owned mount point of the state volume")
                .anySatisfy(i -> assertThat(i).startsWith("RUN").contains("/opt/flink/state"));
        assertThat(volumeTargets(jm)).as("nothing hides the image's jar")
                .noneMatch(t -> t.startsWith(USRLIB.substring(0, USRLIB.length() - 1)));
    }

    /**
     * Both deployments attribute cost to the same dimensions and judge the same ones for spikes;
     * the compose stack's are where the local runner's traffic logs its callers, as its comment says.
     */
    @Test
    void bothDeploymentsAttributeCostToTheSameDimensions() {
        List<String> command = strings(map(composeServices(), "jobmanager").get("command"));
        JobOptions compose = UsageAnalyticsJob.parse(command.subList(3, command.size()).toArray(new String[0]));
        Map<String, Object> job = map(map(yamlMap(DEPLOY.resolve("kubernetes/usage-analytics.yaml")), "spec"), "job");
        JobOptions k8s = UsageAnalyticsJob.parse(strings(job.get("args")).toArray(new String[0]));

        assertThat(compose.dimensionSpecs).isEqualTo(TrafficGenerator.DIMENSIONS);
        assertThat(compose.spikeBy).containsExactly("tenant");
        assertThat(k8s.dimensionSpecs).isEqualTo(compose.dimensionSpecs);
        assertThat(k8s.spikeBy).isEqualTo(compose.spikeBy);
    }

    @Test
    void kafkaAdvertisesEachPublishedListenerAtTheAddressItIsPublishedOn() {
        Map<String, Object> kafka = map(composeServices(), "kafka");
        Map<String, Object> env = map(kafka, "environment");
        Map<String, Integer> listenerPorts = new TreeMap<>();
        for (String listener : String.valueOf(env.get("KAFKA_LISTENERS")).split(",")) {
            listenerPorts.put(listener.substring(0, listener.indexOf("://")),
                    Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1)));
        }
        Map<String, String> advertised = new TreeMap<>();
        for (String listener : String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS")).split(",")) {
            advertised.put(listener.substring(0, listener.indexOf("://")), listener.substring(listener.indexOf("://") + 3));
        }
        List<String> published = strings(kafka.get("ports"));
        assertThat(published).isNotEmpty();
        for (String port : published) {
            String[] parts = port.split(":"); // host_ip:published:container
            assertThat(parts).as("kafka port %s", port).hasSize(3);
            String listener = listenerPorts.entrySet().stream()
                    .filter(e -> e.getValue() == Integer.parseInt(parts[2])).map(Map.Entry::getKey)
                    .findFirst().orElseThrow(() -> new AssertionError("no Kafka listener on published port " + port));
            assertThat(advertised.get(listener)).as("advertised %s listener", listener)
                    .isEqualTo(parts[0] + ":" + parts[1]);
        }
    }

    @Test
    void postgresIsHealthyOnlyOverTcpAndTheWarehouseInitWaitsForIt() {
        Map<String, Object> services = composeServices();
        Map<String, Object> postgres = map(services, "postgres");
        Map<String, Object> pgEnv = map(postgres, "environment");
        List<String> test = strings(map(postgres, "healthcheck").get("test"));
        assertThat(test.get(0)).isIn("CMD", "CMD-SHELL");
        List<String> check = List.of(String.join(" ", test.subList(1, test.size())).strip().split("\\s+"));
        assertThat(check.get(0)).isEqualTo("pg_isready");
        // Without -h pg_isready asks the Unix socket, where the image's init-time server is ready
        // before the real one listens on TCP.
        assertThat(optionValue(check, "-h", "--host")).as("pg_isready host")
                .isIn("127.0.0.1", "localhost", "::1");
        assertThat(optionValue(check, "-U", "--username")).isEqualTo(pgEnv.get("POSTGRES_USER"));
        assertThat(optionValue(check, "-d", "--dbname")).isEqualTo(pgEnv.get("POSTGRES_DB"));

        // The init service retries on its own: Compose can fail its dependents on its first failed exit.
        Map<String, Object> init = map(services, "warehouse-init");
        assertThat(map(map(init, "depends_on"), "postgres")).containsEntry("condition", "service_healthy");
        String script = String.join(" ", strings(init.get("command")));
        Matcher wait = Pattern.compile("until (pg_isready[^;]*);\\s*do ([^\\n]*?)done").matcher(script);
        assertThat(wait.find()).as("warehouse-init waits in a loop for PostgreSQL: %s", script).isTrue();
        assertThat(wait.start()).as("before the first psql").isLessThan(script.indexOf("psql"));
        List<String> ready = List.of(wait.group(1).split("\\s+"));
        assertThat(optionValue(ready, "-h", "--host")).as("over TCP, at the postgres service").isEqualTo("postgres");
        assertThat(wait.group(2)).as("the loop gives up at some point").contains("exit 1").contains("sleep");
    }

    /** The value of a command-line option given as {@code -x value}, {@code --long value} or {@code --long=value}. */
    private static String optionValue(List<String> words, String shortName, String longName) {
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if ((word.equals(shortName) || word.equals(longName)) && i + 1 < words.size()) {
                return words.get(i + 1);
            }
            if (word.startsWith(longName + "=")) {
                return word.substring(longName.length() + 1);
            }
        }
        return null;
    }

    @Test
    void composePublishesPortsOnLoopbackOnlyAndMountsExistingFolders() {
        Map<String, Object> services = composeServices();
        List<String> problems = new ArrayList<>();
        services.forEach((name, s) -> {
            Map<String, Object> service = cast(s);
            for (Object port : list(service.getOrDefault("ports", List.of()))) {
                boolean loopback = port instanceof Map<?, ?> m
                        ? "127.0.0.1".equals(m.get("host_ip")) : String.valueOf(port).startsWith("127.0.0.1:");
                if (!loopback) {
                    problems.add(name + " publishes " + port + " beyond 127.0.0.1");
                }
            }
            for (Object volume : list(service.getOrDefault("volumes", List.of()))) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".") && !Files.exists(COMPOSE_DIR.resolve(source))) {
                    problems.add(name + " mounts missing " + source);
                }
            }
        });
        assertThat(problems).isEmpty();
        assertThat(strings(map(services, "grafana").get("volumes")))
                .anySatisfy(v -> {
                    String[] parts = v.split(":");
                    assertThat(COMPOSE_DIR.resolve(parts[0]).normalize())
                            .isEqualTo(DEPLOY.resolve("grafana/provisioning"));
                    assertThat(parts[1]).isEqualTo("/etc/grafana/provisioning");
                });
        assertThat(String.valueOf(map(services, "grafana").get("image"))).startsWith("grafana/grafana:11.");
        assertThat(map(services, "postgres").get("image")).isEqualTo("postgres:16");
    }

    @Test
    void grafanaDatasourceReadsTheComposeWarehouse() {
        Map<String, Object> doc = yamlMap(DEPLOY.resolve("grafana/provisioning/datasources/postgres.yaml"));
        assertThat(doc).containsEntry("apiVersion", 1);
        Map<String, Object> ds = maps(doc.get("datasources")).stream()
                .filter(d -> "grafana-postgresql-datasource".equals(d.get("type"))).findFirst().orElseThrow();

        Map<String, Object> services = composeServices();
        List<String> command = strings(map(services, "jobmanager").get("command"));
        JobOptions options = UsageAnalyticsJob.parse(command.subList(3, command.size()).toArray(new String[0]));
        URI jdbc = URI.create(options.jdbcUrl.substring("jdbc:".length()));
        Map<String, Object> pgEnv = map(map(services, jdbc.getHost()), "environment");
        assertThat(ds).containsEntry("url", jdbc.getHost() + ":" + jdbc.getPort())
                .containsEntry("user", pgEnv.get("POSTGRES_USER"));
        assertThat(map(ds, "jsonData")).containsEntry("database", pgEnv.get("POSTGRES_DB"));

        Matcher var = Pattern.compile("\\$\\{(\\w+)}").matcher(String.valueOf(map(ds, "secureJsonData").get("password")));
        assertThat(var.matches()).as("password comes from Grafana's environment").isTrue();
        assertThat(map(map(services, "grafana"), "environment").get(var.group(1)))
                .isNotNull().isEqualTo(pgEnv.get("POSTGRES_PASSWORD"));
    }

    @Test
    void grafanaLoadsDashboardsFromTheFolderComposeMounts() {
        Map<String, Object> doc = yamlMap(DEPLOY.resolve("grafana/provisioning/dashboards/dashboards.yaml"));
        List<Map<String, Object>> providers = maps(doc.get("providers"));
        assertThat(providers).isNotEmpty();
        List<String> volumes = strings(map(composeServices(), "grafana").get("volumes"));
        for (Map<String, Object> provider : providers) {
            assertThat(provider).containsEntry("type", "file").containsKey("folder");
            String path = String.valueOf(map(provider, "options").get("path"));
            Path folder = hostPathOf(volumes, path);
            assertThat(folder).as("provider %s: compose mounts a folder at %s", provider.get("name"), path)
                    .isNotNull().isEqualTo(DEPLOY.resolve("grafana/dashboards"));
            try (Stream<Path> files = Files.list(folder)) {
                assertThat(files.filter(f -> f.toString().endsWith(".json")).toList())
                        .as("dashboards in %s", folder).isNotEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The host folder behind a path in the container, through the service's bind mounts. */
    private static Path hostPathOf(List<String> volumes, String containerPath) {
        for (String volume : volumes) {
            String[] parts = volume.split(":");
            if (parts.length > 1 && parts[0].startsWith(".")
                    && (containerPath.equals(parts[1]) || containerPath.startsWith(parts[1] + "/"))) {
                return COMPOSE_DIR.resolve(parts[0]).resolve(containerPath.substring(parts[1].length())
                        .replaceFirst("^/", "")).normalize();
            }
        }
        return null;
    }

    @Test
    void grafanaDashboardsAndAlertRulesUseTheProvisionedDatasource() throws IOException {
        Set<String> datasources = new HashSet<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("grafana/provisioning/datasources"))) {
            files.forEach(f -> maps(yamlMap(f).get("datasources")).forEach(d -> datasources.add((String) d.get("uid"))));
        }
        assertThat(datasources).contains("usage-warehouse");

        Set<String> dashboardUids = new HashSet<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("grafana/dashboards"))) {
            for (Path file : files.sorted().toList()) {
                JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
                assertThat(dashboardUids.add(dashboard.path("uid").asText())).as("%s: uid unique", file).isTrue();
                assertThat(dashboard.path("uid").asText()).as("%s: uid", file).isNotBlank();
                assertThat(dashboard.path("schemaVersion").asInt()).as("%s: schemaVersion", file).isGreaterThanOrEqualTo(39);
                for (JsonNode ds : dashboard.findValues("datasource")) {
                    String uid = ds.isTextual() ? ds.asText() : ds.path("uid").asText();
                    assertThat(uid).as("%s: datasource %s", file, ds).isIn(union(datasources, "-- Grafana --"));
                }
                for (JsonNode panel : dashboard.path("panels")) {
                    if (!"row".equals(panel.path("type").asText())) {
                        assertThat(panel.path("targets").findValuesAsText("rawSql"))
                                .as("%s: panel %s queries with raw SQL", file, panel.path("title")).isNotEmpty()
                                .allSatisfy(sql -> assertThat(sql).isNotBlank());
                    }
                }
            }
        }

        Map<String, Object> doc = yamlMap(DEPLOY.resolve("grafana/provisioning/alerting/rules.yaml"));
        Set<String> ruleUids = new HashSet<>();
        for (Map<String, Object> group : maps(doc.get("groups"))) {
            assertThat(group).containsKeys("orgId", "name", "folder", "interval");
            for (Map<String, Object> rule : maps(group.get("rules"))) {
                String uid = String.valueOf(rule.get("uid"));
                assertThat(ruleUids.add(uid)).as("rule uid %s unique", uid).isTrue();
                assertThat(uid.length()).as("rule uid %s length", uid).isBetween(1, 40);
                assertThat(rule).containsKeys("title", "condition", "noDataState", "execErrState", "for");
                List<Map<String, Object>> data = maps(rule.get("data"));
                assertThat(data).extracting(d -> d.get("refId")).as("rule %s: condition", uid).contains(rule.get("condition"));
                assertThat(data).extracting(d -> (String) d.get("datasourceUid")).as("rule %s: data sources", uid)
                        .allSatisfy(ds -> assertThat(ds).isIn(union(datasources, "__expr__")))
                        .anySatisfy(ds -> assertThat(ds).isIn(datasources));
                // Provisioning reads $NAME in labels as an environment variable.
                assertThat(String.valueOf(rule.get("labels"))).as("rule %s: labels", uid).doesNotContain("$");
                String dashboard = String.valueOf(map(rule, "annotations").getOrDefault("__dashboardUid__", ""));
                if (!dashboard.isEmpty()) {
                    assertThat(dashboardUids).as("rule %s links a provisioned dashboard", uid).contains(dashboard);
                }
            }
        }
        assertThat(ruleUids).isNotEmpty();
    }

    @Test
    void composeAppliesTheViewsGrafanaReadsBeforeGrafanaAndTheJobStart() {
        Map<String, Object> services = composeServices();
        String init = services.entrySet().stream()
                .filter(e -> strings(DeployFilesTest.<Map<String, Object>>cast(e.getValue()).getOrDefault("volumes", List.of()))
                        .stream().anyMatch(v -> COMPOSE_DIR.resolve(v.split(":")[0]).normalize().equals(ROOT.resolve("sql"))))
                .map(Map.Entry::getKey).findFirst().orElse(null);
        assertThat(init).as("a compose service mounts sql/").isNotNull();
        String command = String.join(" ", strings(map(services, init).get("command")));
        assertThat(command).contains("schema/*.sql", "views/*.sql", "alerts/*.sql", "ON_ERROR_STOP=1");
        assertThat(command.indexOf("schema/")).isLessThan(command.indexOf("views/"));
        assertThat(command.indexOf("views/")).isLessThan(command.indexOf("alerts/"));
        for (String dependent : List.of("grafana", "jobmanager")) {
            assertThat(map(map(map(services, dependent), "depends_on"), init))
                    .as("%s waits for %s", dependent, init)
                    .containsEntry("condition", "service_completed_successfully");
        }
    }

    @Test
    void grafanaAlertRulesLinkARealDashboardPanel() {
        Map<String, JsonNode> dashboards = provisionedDashboards();
        List<String> problems = new ArrayList<>();
        List<String> linked = new ArrayList<>();
        for (Map<String, Object> rule : alertRules()) {
            problems.addAll(panelLinkProblems(rule, dashboards));
            if (map(rule, "annotations").containsKey(DASHBOARD_UID)) {
                linked.add(String.valueOf(rule.get("uid")));
            }
        }
        assertThat(problems).as("alert rules' dashboard links").isEmpty();
        assertThat(linked).as("rules linking a dashboard").isNotEmpty();
    }

    @Test
    void everyGrafanaDatasourceReferenceResolvesToAProvisionedDatasource() {
        Map<String, String> datasources = provisionedDatasources();
        List<String> problems = new ArrayList<>();
        provisionedDashboards().forEach((uid, dashboard) ->
                problems.addAll(datasourceProblems("dashboard " + uid, dashboard, datasources,
                        dashboard.path("templating").path("list"))));
        for (Map<String, Object> rule : alertRules()) {
            problems.addAll(datasourceProblems("rule " + rule.get("uid"), new ObjectMapper().valueToTree(rule),
                    datasources, MissingNode.getInstance()));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void grafanaReferenceChecksRejectWhatGrafanaRejects() {
        ObjectMapper json = new ObjectMapper();
        JsonNode dashboard = json.valueToTree(Map.of("uid", "d", "panels", List.of(
                Map.of("id", 1, "type", "stat"),
                Map.of("id", 2, "type", "row", "collapsed", true,
                        "panels", List.of(Map.of("id", 3, "type", "timeseries"))))));
        Map<String, JsonNode> dashboards = Map.of("d", dashboard);
        Function<Map<String, Object>, List<String>> link = annotations ->
                panelLinkProblems(Map.of("uid", "r", "annotations", annotations), dashboards);
        assertThat(link.apply(Map.of())).isEmpty();
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d", PANEL_ID, "1"))).isEmpty();
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d", PANEL_ID, "3"))).as("inside a collapsed row").isEmpty();
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d"))).as("uid without panel").hasSize(1);
        assertThat(link.apply(Map.of(PANEL_ID, "1"))).as("panel without uid").hasSize(1);
        assertThat(link.apply(Map.of(DASHBOARD_UID, "x", PANEL_ID, "1"))).as("unknown dashboard").hasSize(1);
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d", PANEL_ID, "9"))).as("unknown panel").hasSize(1);
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d", PANEL_ID, "2"))).as("a row").hasSize(1);
        assertThat(link.apply(Map.of(DASHBOARD_UID, "d", PANEL_ID, 1))).as("not a string").hasSize(1);

        Map<String, String> datasources = Map.of("pg", "grafana-postgresql-datasource");
        JsonNode variables = json.valueToTree(List.of(
                Map.of("name", "ds", "type", "datasource", "query", "grafana-postgresql-datasource"),
                Map.of("name", "other", "type", "datasource", "query", "prometheus"),
                Map.of("name", "model", "type", "query")));
        BiFunction<Object, JsonNode, List<String>> ds = (node, vars) ->
                datasourceProblems("x", json.valueToTree(node), datasources, vars);
        JsonNode none = MissingNode.getInstance();
        assertThat(ds.apply(Map.of("datasource", Map.of("type", "grafana-postgresql-datasource", "uid", "pg")), none))
                .isEmpty();
        assertThat(ds.apply(Map.of("datasourceUid", "__expr__", "model",
                Map.of("datasource", Map.of("type", "__expr__", "uid", "__expr__"))), none)).isEmpty();
        assertThat(ds.apply(Map.of("datasource", Map.of("type", "grafana", "uid", "-- Grafana --")), none)).isEmpty();
        assertThat(ds.apply(Map.of("targets", List.of(Map.of("datasource", Map.of("uid", "${ds}")))), variables))
                .isEmpty();
        assertThat(ds.apply(Map.of("datasource", "$ds"), variables)).isEmpty();
        assertThat(ds.apply(Map.of("datasourceUid", "nope"), none)).as("unknown uid").hasSize(1);
        assertThat(ds.apply(Map.of("model", Map.of("datasource", Map.of("uid", "nope"))), none))
                .as("unknown uid in a rule's model").hasSize(1);
        assertThat(ds.apply(Map.of("datasource", Map.of("type", "prometheus", "uid", "pg")), none))
                .as("type differs from the provisioned one").hasSize(1);
        assertThat(ds.apply(Map.of("datasource", Map.of("type", "grafana-postgresql-datasource")), none))
                .as("no uid").hasSize(1);
        assertThat(ds.apply(Map.of("datasource", Map.of("uid", "${ds}")), none)).as("no such variable").hasSize(1);
        assertThat(ds.apply(Map.of("datasource", Map.of("uid", "${model}")), variables))
                .as("not a datasource variable").hasSize(1);
        assertThat(ds.apply(Map.of("datasource", Map.of("uid", "${other}")), variables))
                .as("no provisioned datasource of the variable's type").hasSize(1);
    }

    private static final String DASHBOARD_UID = "__dashboardUid__";
    private static final String PANEL_ID = "__panelId__";
    /** Data sources Grafana has without provisioning: uid to type. */
    private static final Map<String, String> BUILT_IN_DATASOURCES = Map.of(
            "-- Grafana --", "grafana", "__expr__", "__expr__");
    /** A data source named in a dashboard or rule; the type when the reference states one. */
    private record DatasourceRef(String uid, String type) {}

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");

    /** The dashboards Grafana loads (the folder the dashboard provider reads), by uid. */
    private static Map<String, JsonNode> provisionedDashboards() {
        Map<String, JsonNode> dashboards = new TreeMap<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("grafana/dashboards"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
                assertThat(dashboards.put(dashboard.path("uid").asText(), dashboard)).as("%s: uid unique", file).isNull();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dashboards;
    }

    /** Every provisioned data source: uid to plugin type. */
    private static Map<String, String> provisionedDatasources() {
        Map<String, String> datasources = new TreeMap<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("grafana/provisioning/datasources"))) {
            files.sorted().forEach(f -> maps(yamlMap(f).get("datasources")).forEach(d -> assertThat(
                    datasources.put(String.valueOf(d.get("uid")), String.valueOf(d.get("type"))))
                    .as("%s: datasource uid %s unique", f, d.get("uid")).isNull()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return datasources;
    }

    private static List<Map<String, Object>> alertRules() {
        Map<String, Object> doc = yamlMap(DEPLOY.resolve("grafana/provisioning/alerting/rules.yaml"));
        return maps(doc.get("groups")).stream().flatMap(g -> maps(g.get("rules")).stream()).toList();
    }

    /**
     * What Grafana's alert-rule provisioning refuses (and then stops at start-up) or links nowhere:
     * {@code __dashboardUid__} and {@code __panelId__} come together or not at all, the panel id is
     * a string holding a number, the dashboard is provisioned and has that panel (rows' panels
     * included), and the panel is not a row.
     */
    private static List<String> panelLinkProblems(Map<String, Object> rule, Map<String, JsonNode> dashboards) {
        String where = "rule " + rule.get("uid");
        Map<String, Object> annotations = cast(rule.getOrDefault("annotations", Map.of()));
        Object dashboard = annotations.get(DASHBOARD_UID);
        Object panel = annotations.get(PANEL_ID);
        if (dashboard == null && panel == null) {
            return List.of();
        }
        if (dashboard == null || panel == null) {
            return List.of(where + ": " + (dashboard == null ? PANEL_ID + " without " + DASHBOARD_UID
                    : DASHBOARD_UID + " without " + PANEL_ID) + " (Grafana requires both or neither)");
        }
        if (!(panel instanceof String id) || !id.matches("\\d+")) {
            return List.of(where + ": " + PANEL_ID + " " + panel + " is not a quoted number");
        }
        JsonNode board = dashboards.get(String.valueOf(dashboard));
        if (board == null) {
            return List.of(where + ": no provisioned dashboard " + dashboard);
        }
        JsonNode target = panelsById(board).get(Integer.parseInt(id));
        if (target == null) {
            return List.of(where + ": dashboard " + dashboard + " has no panel " + id);
        }
        if ("row".equals(target.path("type").asText())) {
            return List.of(where + ": panel " + id + " of " + dashboard + " is a row");
        }
        return List.of();
    }

    /** A dashboard's panels by id, those inside rows (collapsed or not) included. */
    private static Map<Integer, JsonNode> panelsById(JsonNode dashboard) {
        Map<Integer, JsonNode> panels = new TreeMap<>();
        List<JsonNode> todo = new ArrayList<>();
        dashboard.path("panels").forEach(todo::add);
        while (!todo.isEmpty()) {
            JsonNode panel = todo.remove(0);
            if (panel.path("id").isInt()) {
                assertThat(panels.put(panel.path("id").asInt(), panel)).as("panel id %s unique", panel.path("id"))
                        .isNull();
            }
            panel.path("panels").forEach(todo::add);
        }
        return panels;
    }

    /**
     * Every data source named in {@code node} ({@code datasource} as a uid or {uid, type},
     * {@code datasourceUid}): a provisioned one of the same type, a built-in one, or a data source
     * variable of {@code variables} whose plugin type some provisioned data source has.
     */
    private static List<String> datasourceProblems(String where, JsonNode node, Map<String, String> datasources,
            JsonNode variables) {
        List<String> problems = new ArrayList<>();
        Map<String, String> known = new HashMap<>(datasources);
        known.putAll(BUILT_IN_DATASOURCES);
        List<JsonNode> todo = new ArrayList<>(List.of(node));
        while (!todo.isEmpty()) {
            JsonNode current = todo.remove(0);
            current.forEach(todo::add);
            if (!current.isObject()) {
                continue;
            }
            List<DatasourceRef> references = new ArrayList<>();
            JsonNode ds = current.path("datasource");
            if (ds.isTextual()) {
                references.add(new DatasourceRef(ds.asText(), null));
            } else if (ds.isObject()) {
                if (!ds.path("uid").isTextual() || ds.path("uid").asText().isBlank()) {
                    problems.add(where + ": datasource " + ds + " names no uid");
                } else {
                    references.add(new DatasourceRef(ds.path("uid").asText(),
                            ds.path("type").isTextual() ? ds.path("type").asText() : null));
                }
            }
            if (current.path("datasourceUid").isTextual()) {
                references.add(new DatasourceRef(current.path("datasourceUid").asText(), null));
            }
            for (DatasourceRef ref : references) {
                String uid = ref.uid();
                String type;
                Matcher var = VARIABLE.matcher(uid);
                if (var.matches()) {
                    String name = var.group(1) != null ? var.group(1) : var.group(2);
                    JsonNode variable = null;
                    for (JsonNode v : variables) {
                        if (name.equals(v.path("name").asText())) {
                            variable = v;
                        }
                    }
                    if (variable == null || !"datasource".equals(variable.path("type").asText())) {
                        problems.add(where + ": " + uid + " is no data source variable");
                        continue;
                    }
                    type = variable.path("query").asText();
                    if (!datasources.containsValue(type)) {
                        problems.add(where + ": variable " + uid + " picks among " + type
                                + " data sources, and none is provisioned");
                        continue;
                    }
                } else {
                    type = known.get(uid);
                    if (type == null) {
                        problems.add(where + ": datasource uid " + uid + " is not provisioned");
                        continue;
                    }
                }
                if (ref.type() != null && !ref.type().equals(type)) {
                    problems.add(where + ": datasource " + uid + " has type " + type + ", not " + ref.type());
                }
            }
        }
        return problems;
    }

    private static Set<String> union(Set<String> set, String extra) {
        Set<String> all = new HashSet<>(set);
        all.add(extra);
        return all;
    }

    // ------------------------------------------------------------------------------------------
    // Prometheus
    // ------------------------------------------------------------------------------------------

    @Test
    void prometheusScrapesEveryFlinkProcessOnTheReporterPort() {
        Map<String, Object> config = prometheusConfig(DEPLOY.resolve("prometheus/prometheus.yml"));
        Set<String> targets = new TreeSet<>();
        for (Map<String, Object> job : maps(config.get("scrape_configs"))) {
            for (Map<String, Object> group : maps(job.getOrDefault("static_configs", List.of()))) {
                targets.addAll(strings(group.get("targets")));
            }
        }
        Set<String> flinkProcesses = new TreeSet<>();
        composeServices().forEach((name, s) -> {
            Object env = DeployFilesTest.<Map<String, Object>>cast(s).get("environment");
            if (env instanceof Map<?, ?> e && e.get("FLINK_PROPERTIES") != null) {
                String port = flinkProperties((String) e.get("FLINK_PROPERTIES")).get("metrics.reporter.prom.port");
                assertThat(port).as("%s: metrics.reporter.prom.port", name).matches("\\d+");
                flinkProcesses.add(name + ":" + port);
            }
        });
        assertThat(flinkProcesses).contains("jobmanager:9249", "taskmanager:9249");
        assertThat(targets).as("Prometheus targets: every Flink service, on its reporter port")
                .containsExactlyElementsOf(flinkProcesses);
    }

    @Test
    void prometheusAlertsOnTheJobsRejectCounterAndRestarts() {
        // As Flink's reporter names them, from Flink's own metric groups and the job's constants.
        String rejected = prometheusName(
                UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup().addGroup(Accounting.GROUP),
                Accounting.REJECTED);
        assertThat(rejected).isEqualTo("flink_taskmanager_job_task_operator_usage_rejected");
        String restarts = prometheusName(UnregisteredMetricGroups.createUnregisteredJobManagerJobMetricGroup(),
                MetricNames.NUM_RESTARTS);
        assertThat(restarts).isEqualTo("flink_jobmanager_job_numRestarts");

        List<Map<String, Object>> alerts = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("prometheus/rules"))) {
            files.sorted().forEach(f -> maps(prometheusRules(f).get("groups"))
                    .forEach(g -> alerts.addAll(maps(g.get("rules")))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Pattern flinkMetric = Pattern.compile("\\bflink_[a-zA-Z0-9_:]+");
        List<String> unknown = new ArrayList<>();
        for (Map<String, Object> alert : alerts) {
            assertThat(alert).as("rule %s", alert).containsKeys("alert", "expr", "labels", "annotations");
            assertThat(map(alert, "labels")).as("%s", alert.get("alert")).containsKey("severity");
            assertThat(map(alert, "annotations")).as("%s", alert.get("alert")).containsKey("summary");
            Matcher m = flinkMetric.matcher(String.valueOf(alert.get("expr")));
            while (m.find()) {
                String name = m.group();
                if (!name.equals(rejected) && !name.startsWith(rejected + "_") && !name.equals(restarts)) {
                    unknown.add(alert.get("alert") + ": " + name);
                }
            }
        }
        assertThat(unknown).as("Flink metrics in alert expressions that the job and Flink export").isEmpty();
        assertThat(alerts).extracting(a -> String.valueOf(a.get("expr")))
                .anySatisfy(expr -> assertThat(expr).containsPattern(Pattern.quote(rejected) + "\\b(?!_)"))
                .anySatisfy(expr -> assertThat(expr).contains(restarts));
    }

    @Test
    void composeMountsThePrometheusConfigAndRulesWherePrometheusReadsThem() throws IOException {
        Map<String, Object> prometheus = map(composeServices(), "prometheus");
        assertThat(String.valueOf(prometheus.get("image"))).startsWith("prom/prometheus:v3.");
        List<String> command = strings(prometheus.get("command"));
        List<String> volumes = strings(prometheus.get("volumes"));
        String configFile = optionValue(command, "--config.file", "--config.file");
        assertThat(configFile).as("--config.file").isNotNull();
        assertThat(hostPathOf(volumes, configFile)).as("compose mounts %s", configFile)
                .isEqualTo(DEPLOY.resolve("prometheus/prometheus.yml"));
        assertThat(volumeTargets(prometheus)).as("the TSDB is on a volume")
                .contains(optionValue(command, "--storage.tsdb.path", "--storage.tsdb.path"));

        Set<Path> loaded = new TreeSet<>();
        String configDir = configFile.substring(0, configFile.lastIndexOf('/'));
        for (String pattern : strings(prometheusConfig(DEPLOY.resolve("prometheus/prometheus.yml")).get("rule_files"))) {
            String absolute = pattern.startsWith("/") ? pattern : configDir + "/" + pattern;
            int slash = absolute.lastIndexOf('/');
            Path dir = hostPathOf(volumes, absolute.substring(0, slash));
            assertThat(dir).as("compose mounts the folder of rule_files %s", pattern).isNotNull().isDirectory();
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + absolute.substring(slash + 1));
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> matched = files.filter(f -> glob.matches(f.getFileName())).toList();
                assertThat(matched).as("rule_files %s", pattern).isNotEmpty();
                loaded.addAll(matched);
            }
        }
        try (Stream<Path> files = Files.walk(DEPLOY.resolve("prometheus/rules"))) {
            assertThat(loaded).as("every rules file is loaded")
                    .containsAll(files.filter(Files::isRegularFile).toList());
        }
    }

    @Test
    void grafanaReadsTheComposePrometheus() {
        Map<String, Object> ds = maps(grafanaProvisioning(DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yaml"))
                .get("datasources")).stream().filter(d -> "prometheus".equals(d.get("type"))).findFirst().orElseThrow();
        URI url = URI.create(String.valueOf(ds.get("url")));
        Map<String, Object> prometheus = map(composeServices(), url.getHost());
        assertThat(String.valueOf(prometheus.get("image"))).startsWith("prom/prometheus:");
        assertThat(strings(prometheus.get("ports"))).as("Prometheus listens on the port Grafana uses")
                .anySatisfy(p -> assertThat(p).endsWith(":" + url.getPort()));
        assertThat(map(ds, "jsonData").get("timeInterval")).as("the scrape interval")
                .isEqualTo(map(prometheusConfig(DEPLOY.resolve("prometheus/prometheus.yml")), "global").get("scrape_interval"));
    }

    /**
     * The series name Flink's Prometheus reporter gives metric {@code name} of {@code group}, as
     * AbstractPrometheusReporter#getScopedName builds it: "flink_", the group's logical scope
     * joined with '_' (the reporter reads it through a FrontMetricGroup, which asks the group), '_',
     * the name; characters outside [a-zA-Z0-9:_] become '_'.
     */
    private static String prometheusName(MetricGroup group, String name) {
        CharacterFilter filter = s -> s.replaceAll("[^a-zA-Z0-9:_]", "_");
        return "flink_" + ((AbstractMetricGroup<?>) group).getLogicalScope(filter, '_') + "_"
                + filter.filterCharacters(name);
    }

    // ------------------------------------------------------------------------------------------
    // README
    // ------------------------------------------------------------------------------------------

    @Test
    void readmeDeployingSectionStatesTheBuildsVersionsAndLimits() {
        String readme = read(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Deploying on a Flink cluster\n");
        assertThat(start).as("README section Deploying on a Flink cluster").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);

        String flink = pomFlinkVersion();
        String minor = flink.substring(0, flink.lastIndexOf('.'));
        List<String> versions = new ArrayList<>();
        Matcher m = Pattern.compile("\\bFlink (\\d+\\.\\d+(?:\\.\\d+)?)\\b").matcher(section);
        while (m.find()) {
            versions.add(m.group(1));
        }
        assertThat(versions).as("Flink versions named").contains(flink)
                .allSatisfy(v -> assertThat(v).isIn(flink, minor));
        String image = dockerInstructions(DEPLOY.resolve("Dockerfile")).get(0).get(1);
        List<String> images = new ArrayList<>();
        m = Pattern.compile("`(flink:[^`]+)`").matcher(section);
        while (m.find()) {
            images.add(m.group(1));
        }
        assertThat(images).as("images named").containsOnly(image);
        m = Pattern.compile("Kafka `([^`]+)`, JDBC `([^`]+)`").matcher(section);
        assertThat(m.find()).as("connector versions named").isTrue();
        assertThat(m.group(1)).isEqualTo(pomProperty("kafka.connector.version"));
        assertThat(m.group(2)).isEqualTo(pomProperty("jdbc.connector.version"));

        m = Pattern.compile("\\((\\d{1,3}(?:,\\d{3})+) bytes\\)").matcher(section);
        assertThat(m.find()).as("the record limit in bytes").isTrue();
        assertThat(Integer.parseInt(m.group(1).replace(",", ""))).isEqualTo(LoggedObjectParser.MAX_RECORD_BYTES);

        String rejected = prometheusName(
                UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup().addGroup(Accounting.GROUP),
                Accounting.REJECTED);
        String restarts = prometheusName(UnregisteredMetricGroups.createUnregisteredJobManagerJobMetricGroup(),
                MetricNames.NUM_RESTARTS);
        m = Pattern.compile("\\bflink_[a-zA-Z0-9_]+").matcher(section);
        List<String> series = new ArrayList<>();
        while (m.find()) {
            series.add(m.group());
        }
        assertThat(series).as("Prometheus series named").contains(rejected, restarts)
                .allSatisfy(s -> assertThat(s).isIn(rejected, restarts));
    }

    // ------------------------------------------------------------------------------------------
    // Job options
    // ------------------------------------------------------------------------------------------

    /** Every option named is one of the job's (or --kafka.*), and the whole list parses as the job would. */
    private static JobOptions checkJobArgs(List<String> args, String where) {
        Set<String> names = new CommandLine(new UsageAnalyticsJob()).getCommandSpec().optionsMap().keySet();
        List<String> problems = new ArrayList<>();
        for (String arg : args) {
            if (!arg.startsWith("-")) {
                continue; // the value of the option before it
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.startsWith(UsageAnalyticsJob.KAFKA_PREFIX)) {
                if (name.length() == UsageAnalyticsJob.KAFKA_PREFIX.length()) {
                    problems.add(arg + " names no Kafka property");
                }
            } else if (!names.contains(name)) {
                problems.add(name + " is not an option of " + JOB_CLASS);
            } else if (Set.of("--jdbc-password", "--help", "-h", "--version", "-V").contains(name)) {
                problems.add(name + " does not belong in a deployment (passwords come from "
                        + passwordEnvVar() + ")");
            }
        }
        assertThat(problems).as(where).isEmpty();
        return UsageAnalyticsJob.parse(args.toArray(new String[0]));
    }

    /** The variable the job's --jdbc-password defaults to, from the option's own declaration. */
    private static String passwordEnvVar() {
        try {
            String def = JobOptions.class.getField("jdbcPassword").getAnnotation(Option.class).defaultValue();
            Matcher m = Pattern.compile("\\$\\{env:(\\w+)}").matcher(def);
            assertThat(m.matches()).as("--jdbc-password default %s", def).isTrue();
            return m.group(1);
        } catch (NoSuchFieldException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Flink options, by reflection on flink-core's org.apache.flink.configuration.*Options
    // ------------------------------------------------------------------------------------------

    private record Fallback(ConfigOption<?> option, boolean deprecated) {}

    private static final Map<String, ConfigOption<?>> FLINK_KEYS = new HashMap<>();
    private static final Map<String, Fallback> FLINK_FALLBACK_KEYS = new HashMap<>();

    static {
        for (Class<?> options : flinkOptionClasses()) {
            for (Field field : options.getFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || !ConfigOption.class.isAssignableFrom(field.getType())
                        // suffixes such as factory.class of metrics.reporter.<name>.factory.class
                        || field.isAnnotationPresent(Documentation.SuffixOption.class)) {
                    continue;
                }
                ConfigOption<?> option;
                try {
                    option = (ConfigOption<?>) field.get(null);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
                if (option.key().contains("<")) {
                    continue; // templates such as external-resource.<resource_name>.amount
                }
                FLINK_KEYS.putIfAbsent(option.key(), option);
                for (FallbackKey fallback : option.fallbackKeys()) {
                    FLINK_FALLBACK_KEYS.putIfAbsent(fallback.getKey(), new Fallback(option, fallback.isDeprecated()));
                }
            }
        }
    }

    private static List<Class<?>> flinkOptionClasses() {
        Pattern entry = Pattern.compile("org/apache/flink/configuration/(\\w+Options)\\.class");
        List<String> names = new ArrayList<>();
        try {
            Path source = Path.of(CheckpointingOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(source)) {
                try (Stream<Path> walk = Files.walk(source)) {
                    walk.map(p -> source.relativize(p).toString().replace('\\', '/')).forEach(names::add);
                }
            } else {
                try (JarFile jar = new JarFile(source.toFile())) {
                    jar.stream().map(e -> e.getName()).forEach(names::add);
                }
            }
        } catch (Exception e) {
            throw new AssertionError("cannot list flink-core's classes", e);
        }
        List<Class<?>> classes = new ArrayList<>();
        for (String name : names) {
            Matcher m = entry.matcher(name);
            if (m.matches()) {
                try {
                    classes.add(Class.forName("org.apache.flink.configuration." + m.group(1)));
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertThat(classes).extracting(Class::getSimpleName).contains("CheckpointingOptions",
                "RestartStrategyOptions", "StateBackendOptions", "MetricOptions", "PipelineOptions",
                "HeartbeatManagerOptions", "JobManagerOptions", "TaskManagerOptions", "StateRecoveryOptions",
                "ExecutionOptions", "CoreOptions", "HighAvailabilityOptions");
        return classes;
    }

    /** One line per key that is not a current Flink option, or whose value Flink cannot read. */
    private static List<String> flinkConfigProblems(Map<String, String> flat) {
        List<String> problems = new ArrayList<>();
        Configuration conf = Configuration.fromMap(flat);
        Map<String, Map<String, String>> reporters = new TreeMap<>();
        flat.forEach((key, value) -> {
            Matcher reporter = REPORTER_KEY.matcher(key);
            if (reporter.matches()) {
                reporters.computeIfAbsent(reporter.group(1), n -> new TreeMap<>()).put(reporter.group(2), value);
                return;
            }
            ConfigOption<?> option = FLINK_KEYS.get(key);
            if (option == null) {
                Fallback fallback = FLINK_FALLBACK_KEYS.get(key);
                if (fallback == null) {
                    problems.add(key + ": not a Flink option");
                    return;
                }
                if (fallback.deprecated()) {
                    problems.add(key + ": deprecated, use " + fallback.option().key());
                    return;
                }
                option = fallback.option();
            }
            try {
                conf.get(option);
                if (option.equals(RestartStrategyOptions.RESTART_STRATEGY)) {
                    RestartStrategyType.of(value);
                }
            } catch (RuntimeException e) {
                problems.add(key + ": value " + value + " is invalid: " + e.getMessage());
            }
        });
        reporters.forEach((name, settings) -> {
            if (!settings.containsKey("factory.class")) {
                problems.add("metrics.reporter." + name + ": no factory.class");
            }
        });
        return problems;
    }

    /** Keys of config.yaml missing from {@code actual} or set differently (directories may differ). */
    private static List<String> differencesFromRecommended(Map<String, String> actual) {
        List<String> differences = new ArrayList<>();
        recommendedFlinkConfig().forEach((key, value) -> {
            String other = actual.get(key);
            if (other == null || other.isBlank()) {
                differences.add(key + " missing");
            } else if (!SITE_SPECIFIC.contains(key) && !other.equals(value)) {
                differences.add(key + ": " + other + " but config.yaml has " + value);
            }
        });
        return differences;
    }

    private static Map<String, String> recommendedFlinkConfig() {
        return flatten(yamlMap(DEPLOY.resolve("flink/config.yaml")));
    }

    /** Nested YAML to Flink's dotted keys, as Flink's own config.yaml parser does. */
    private static Map<String, String> flatten(Map<String, Object> yaml) {
        Map<String, String> flat = new TreeMap<>();
        flatten("", yaml, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<String, Object> yaml, Map<String, String> flat) {
        yaml.forEach((key, value) -> {
            String dotted = prefix + key;
            if (value instanceof Map<?, ?>) {
                flatten(dotted + ".", cast(value), flat);
            } else if (value instanceof List<?> values) {
                flat.put(dotted, values.stream().map(String::valueOf).collect(Collectors.joining(";")));
            } else {
                assertThat(flat.put(dotted, String.valueOf(value))).as("duplicate key %s", dotted).isNull();
            }
        });
    }

    /**
     * FLINK_PROPERTIES as the Flink 2.2 image's docker-entrypoint.sh reads it: each line trimmed,
     * the key up to its first colon as it is, the value the rest (a JVM option's own colons and
     * the spaces between options included), which Flink's configuration trims.
     */
    private static Map<String, String> flinkProperties(String text) {
        assertThat(text).as("FLINK_PROPERTIES").isNotBlank();
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String prop = line.strip();
            if (prop.isEmpty()) {
                continue;
            }
            int colon = prop.indexOf(':');
            assertThat(colon).as("FLINK_PROPERTIES line %s", line).isPositive();
            String key = prop.substring(0, colon);
            assertThat(key).as("FLINK_PROPERTIES key of line %s", line).doesNotContainPattern("\\s");
            assertThat(props.put(key, prop.substring(colon + 1).strip()))
                    .as("FLINK_PROPERTIES sets %s twice", key).isNull();
        }
        return props;
    }

    // ------------------------------------------------------------------------------------------
    // Files
    // ------------------------------------------------------------------------------------------

    private static Map<String, Object> composeServices() {
        return map(yamlMap(COMPOSE_DIR.resolve("compose.yaml")), "services");
    }

    private static String volumeTargetOf(Map<String, Object> service, String volume) {
        return strings(service.get("volumes")).stream().filter(v -> v.startsWith(volume + ":"))
                .map(v -> v.split(":")[1]).findFirst().orElse(null);
    }

    private static List<String> volumeTargets(Map<String, Object> service) {
        return strings(service.getOrDefault("volumes", List.of())).stream().map(v -> v.split(":")[1]).toList();
    }

    private static String pomXml() {
        return read(ROOT.resolve("pom.xml"));
    }

    private static String pomProperty(String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">\\s*([^<\\s]+)\\s*</").matcher(pomXml());
        assertThat(m.find()).as("pom.xml <%s>", name).isTrue();
        return m.group(1);
    }

    private static String pomFlinkVersion() {
        return pomProperty("flink.version");
    }

    /** target/&lt;finalName&gt;.jar is what Maven builds and what the image must contain. */
    private static String jarName() {
        return pomProperty("finalName") + ".jar";
    }

    /** Dockerfile instructions, continuation lines joined, comments dropped, split into words. */
    private static List<List<String>> dockerInstructions(Path dockerfile) {
        Set<String> known = Set.of("FROM", "COPY", "ADD", "RUN", "ENV", "ARG", "USER", "WORKDIR", "LABEL",
                "ENTRYPOINT", "CMD", "EXPOSE", "VOLUME", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD");
        List<List<String>> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(dockerfile).split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            List<String> words = List.of(current.toString().strip().split("\\s+"));
            current.setLength(0);
            assertThat(known).as("%s: instruction %s", dockerfile, words.get(0)).contains(words.get(0));
            instructions.add(words);
        }
        assertThat(current.toString()).as("%s ends inside a continued line", dockerfile).isEmpty();
        assertThat(instructions).as(dockerfile.toString()).isNotEmpty();
        assertThat(instructions.get(0).get(0)).as("%s starts with FROM", dockerfile).isEqualTo("FROM");
        return instructions;
    }

    private static List<String> ignorePatterns(Path file) {
        return read(file).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static Map<String, Object> yamlMap(Path file) {
        Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(read(file));
        assertThat(doc).as("%s holds a YAML mapping", file).isInstanceOf(Map.class);
        return cast(doc);
    }

    /** A Prometheus configuration: only keys Prometheus knows (it refuses others), named scrape jobs. */
    private static Map<String, Object> prometheusConfig(Path file) {
        Map<String, Object> doc = yamlMap(file);
        assertThat(doc.keySet()).as("%s: top-level keys", file).isSubsetOf("global", "runtime", "rule_files",
                "scrape_config_files", "scrape_configs", "alerting", "remote_write", "remote_read", "storage",
                "tracing", "otlp");
        List<Map<String, Object>> jobs = maps(doc.get("scrape_configs"));
        assertThat(jobs).as("%s: scrape_configs", file).isNotEmpty()
                .extracting(j -> j.get("job_name")).doesNotContainNull().doesNotHaveDuplicates();
        return doc;
    }

    /** A Prometheus rules file: named groups of alerting or recording rules with balanced expressions. */
    private static Map<String, Object> prometheusRules(Path file) {
        Map<String, Object> doc = yamlMap(file);
        assertThat(doc.keySet()).as("%s", file).containsExactly("groups");
        List<Map<String, Object>> groups = maps(doc.get("groups"));
        assertThat(groups).as("%s: groups", file).isNotEmpty()
                .extracting(g -> g.get("name")).doesNotContainNull().doesNotHaveDuplicates();
        for (Map<String, Object> group : groups) {
            assertThat(group.keySet()).as("%s: group %s", file, group.get("name"))
                    .isSubsetOf("name", "interval", "query_offset", "limit", "labels", "rules");
            for (Map<String, Object> rule : maps(group.get("rules"))) {
                assertThat(rule.keySet()).as("%s: rule %s", file, rule)
                        .isSubsetOf("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations");
                assertThat(rule.containsKey("alert") ^ rule.containsKey("record")).as("%s: alert or record", file)
                        .isTrue();
                String expr = String.valueOf(rule.get("expr"));
                StringBuilder open = new StringBuilder();
                for (char c : expr.toCharArray()) {
                    int kind = "([{".indexOf(c);
                    if (kind >= 0) {
                        open.append(")]}".charAt(kind));
                    } else if (")]}".indexOf(c) >= 0) {
                        assertThat(open.length() > 0 && open.charAt(open.length() - 1) == c)
                                .as("%s: brackets of %s", file, expr).isTrue();
                        open.setLength(open.length() - 1);
                    }
                }
                assertThat(open.toString()).as("%s: brackets of %s", file, expr).isEmpty();
            }
        }
        return doc;
    }

    /** A Grafana provisioning file: a YAML mapping declaring apiVersion 1. */
    private static Map<String, Object> grafanaProvisioning(Path file) {
        Map<String, Object> doc = yamlMap(file);
        assertThat(doc.get("apiVersion")).as("%s: apiVersion", file).isEqualTo(1);
        return doc;
    }

    private static void json(Path file) {
        try {
            new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new AssertionError(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as("mapping %s", key).isInstanceOf(Map.class);
        return cast(value);
    }

    private static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return cast(value);
    }

    private static List<Map<String, Object>> maps(Object value) {
        return list(value).stream().map(v -> DeployFilesTest.<Map<String, Object>>cast(v)).toList();
    }

    private static List<String> strings(Object value) {
        return list(value).stream().map(String::valueOf).toList();
    }
}
