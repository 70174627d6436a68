package io.usageanalytics.testing;

import io.usageanalytics.local.Loopback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone Flink session cluster for tests: a JobManager and a TaskManager (2 slots) as
 * separate JVMs on 127.0.0.1, started the way Flink's scripts start them but from the project's
 * Maven classpath ({@code flink-dist} is not on Maven Central), driven through the REST API.
 */
public final class FlinkCluster implements AutoCloseable {

    /** What Flink's launch scripts pass to every JVM ({@code env.java.default-opts.all}). */
    public static final List<String> JVM_OPENS = List.of(
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path conf;
    private final String classpath;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Process jobManager;
    private Process taskManager;
    private int taskManagers;

    private FlinkCluster(Path dir, String classpath, int restPort) {
        this.dir = dir;
        this.conf = dir.resolve("conf");
        this.classpath = classpath;
        this.restPort = restPort;
    }

    /** Starts the cluster with its configuration, logs, checkpoints and savepoints in {@code dir}. */
    public static FlinkCluster start(Path dir) throws Exception {
        String classpath = Files.readString(Path.of("target", "cluster-classpath.txt")).trim();
        FlinkCluster c = new FlinkCluster(dir, classpath, Loopback.freePort());
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "flink-cluster-stop"));
        c.writeConfiguration();
        c.jobManager = c.java("jobmanager", List.of("-Xmx600m"),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of());
        c.startTaskManager();
        return c;
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    /** The cluster's REST API, for what it says about a job. */
    public FlinkRest rest() {
        return new FlinkRest(restUrl());
    }

    public Path savepoints() {
        return dir.resolve("savepoints");
    }

    /** Starts a TaskManager (after a kill: a new one) and waits until its slots are registered. */
    public void startTaskManager() throws Exception {
        List<String> resources = taskManagerResources();
        // As taskmanager.sh: the memory options, then env.java.opts.taskmanager, here the deploy files' own.
        List<String> jvm = new ArrayList<>(List.of(resources.get(0).trim().split("\\s+")));
        jvm.addAll(List.of(recommendedTaskManagerOptions().split("\\s+")));
        taskManager = java("taskmanager-" + (++taskManagers), jvm,
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                List.of(resources.get(1).trim().split("\\s+")));
        awaitSlots(2, Duration.ofSeconds(90));
    }

    /** The JVM options {@code deploy/flink/config.yaml} gives TaskManagers, as Flink reads them. */
    public static String recommendedTaskManagerOptions() {
        return GlobalConfiguration.loadConfiguration(Path.of("deploy", "flink").toString())
                .get(CoreOptions.FLINK_TM_JVM_OPTIONS);
    }

    /** The log of the TaskManager started last. */
    public Path taskManagerLog() {
        return dir.resolve("taskmanager-" + taskManagers + ".log");
    }

    /** SIGKILLs the TaskManager, as a crashed machine would. */
    public void killTaskManager() throws InterruptedException {
        taskManager.destroyForcibly();
        taskManager.waitFor(30, TimeUnit.SECONDS);
    }

    /** Uploads a job jar; returns its id for {@link #run}. */
    public String upload(Path jar) throws Exception {
        String boundary = UUID.randomUUID().toString();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode r = send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = r.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** Runs the uploaded jar's main with {@code args}; {@code savepoint} may be null. Returns the job id. */
    public String run(String jarId, List<String> args, int parallelism, String savepoint) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.putPOJO("programArgsList", args);
        request.put("parallelism", parallelism);
        if (savepoint != null) {
            request.put("savepointPath", savepoint);
        }
        return send(post("/jars/" + jarId + "/run", request)).path("jobid").asText();
    }

    public String state(String jobId) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId)).GET()).path("state").asText();
    }

    public void awaitState(String jobId, String state, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!state.equals(state(jobId))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " is " + state(jobId) + ", not " + state);
            }
            Thread.sleep(300);
        }
    }

    /**
     * Stops the job with a savepoint (no drain) and returns the savepoint's path. Waits until all
     * its tasks run first: a savepoint of a job still deploying is refused.
     */
    public String stopWithSavepoint(String jobId) throws Exception {
        awaitAllTasksRunning(jobId, Duration.ofSeconds(60));
        ObjectNode request = JSON.createObjectNode();
        request.put("targetDirectory", savepoints().toUri().toString());
        request.put("drain", false);
        String trigger = send(post("/jobs/" + jobId + "/stop", request)).path("request-id").asText();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            JsonNode r = send(HttpRequest.newBuilder(
                    URI.create(restUrl() + "/jobs/" + jobId + "/savepoints/" + trigger)).GET());
            if ("COMPLETED".equals(r.path("status").path("id").asText())) {
                JsonNode op = r.path("operation");
                if (op.has("failure-cause")) {
                    throw new AssertionError("savepoint failed: "
                            + op.path("failure-cause").path("stack-trace").asText().lines().findFirst().orElse(""));
                }
                return op.path("location").asText();
            }
            Thread.sleep(300);
        }
        throw new AssertionError("no savepoint for " + jobId);
    }

    public void awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId)).GET());
            boolean running = "RUNNING".equals(job.path("state").asText());
            for (JsonNode v : job.path("vertices")) {
                running &= "RUNNING".equals(v.path("status").asText());
            }
            if (running) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("tasks of " + jobId + " not all running within " + timeout);
    }

    public void cancel(String jobId) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        awaitState(jobId, "CANCELED", Duration.ofSeconds(60));
    }

    /**
     * The job's metrics whose name ends with {@code "." + suffix} (e.g. {@code usage.records_in}),
     * summed over every vertex and subtask, as the REST API reports them.
     */
    public Map<String, Long> metrics(String jobId, String group) throws Exception {
        Map<String, Long> totals = new HashMap<>();
        for (JsonNode vertex : send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId)).GET())
                .path("vertices")) {
            String base = restUrl() + "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode m : send(HttpRequest.newBuilder(URI.create(base)).GET())) {
                String id = m.path("id").asText();
                if (id.contains("." + group + ".")) {
                    ids.add(id);
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            for (JsonNode m : send(HttpRequest.newBuilder(
                    URI.create(base + "?agg=sum&get=" + String.join(",", ids))).GET())) {
                String id = m.path("id").asText();
                totals.merge(id.substring(id.indexOf("." + group + ".") + group.length() + 2),
                        m.path("sum").asLong(), Long::sum);
            }
        }
        return totals;
    }

    @Override
    public void close() {
        for (Process p : new Process[] {taskManager, jobManager}) {
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private HttpRequest.Builder post(String path, JsonNode body) throws IOException {
        return HttpRequest.newBuilder(URI.create(restUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError("HTTP " + r.statusCode() + " from " + r.uri() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private void awaitSlots(int slots, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/overview"))
                        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
                // 503 while the JobManager is still electing its leader
                if (r.statusCode() == 200) {
                    JsonNode overview = JSON.readTree(r.body());
                    if (overview.path("slots-total").asInt() >= slots && overview.path("taskmanagers").asInt() >= 1) {
                        return;
                    }
                }
            } catch (IOException notUpYet) {
                // the REST endpoint is not listening yet
            }
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("JobManager died: " + tail(dir.resolve("jobmanager.out"))
                        + tail(dir.resolve("jobmanager.log")));
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("no " + slots + " slots within " + timeout + ": "
                + tail(dir.resolve("taskmanager-" + taskManagers + ".out"))
                + tail(dir.resolve("taskmanager-" + taskManagers + ".log")));
    }

    /** The last 3,000 characters of {@code file}, under its name; empty if there is no such file. */
    public static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        String s = Files.readString(file);
        return "\n--- " + file.getFileName() + "\n" + s.substring(Math.max(0, s.length() - 3000));
    }

    /** The TaskManager JVM options and dynamic properties, computed as taskmanager.sh does. */
    private List<String> taskManagerResources() throws Exception {
        Process p = new ProcessBuilder(javaBinary(), "-cp", classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils", "GET_TM_RESOURCE_PARAMS",
                "--configDir", conf.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("BashJavaUtils failed: " + output);
        }
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                lines.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()));
            }
        }
        if (lines.size() != 2) {
            throw new IllegalStateException("unexpected BashJavaUtils output: " + output);
        }
        return lines;
    }

    private Process java(String name, List<String> jvmOptions, String mainClass, List<String> extraArgs)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        command.addAll(jvmOptions);
        command.addAll(JVM_OPENS);
        command.addAll(List.of("-Dlog.file=" + dir.resolve(name + ".log"),
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri(),
                "-cp", classpath, mainClass, "--configDir", conf.toString()));
        command.addAll(extraArgs);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start();
    }

    private void writeConfiguration() throws IOException {
        Files.createDirectories(conf);
        Path work = dir.resolve("work");
        for (String sub : new String[] {"blob", "web", "upload", "tmp"}) {
            Files.createDirectories(work.resolve(sub));
        }
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + Loopback.freePort(),
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 1024m",
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: 2",
                "taskmanager.memory.process.size: 1536m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "parallelism.default: 2",
                // A killed TaskManager is noticed within seconds, not the default 50.
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 5000",
                "restart-strategy.type: fixed-delay",
                "restart-strategy.fixed-delay.attempts: 100",
                "restart-strategy.fixed-delay.delay: 1 s",
                "execution.checkpointing.dir: " + dir.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + savepoints().toUri(),
                "blob.storage.directory: " + work.resolve("blob"),
                "web.tmpdir: " + work.resolve("web"),
                "web.upload.dir: " + work.resolve("upload"),
                "io.tmp.dirs: " + work.resolve("tmp"),
                ""));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %t %c{1} - %m%n",
                ""));
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
