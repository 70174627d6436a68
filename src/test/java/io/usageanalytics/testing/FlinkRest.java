package io.usageanalytics.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Flink's REST API says about a job (a MiniCluster's or a standalone cluster's): its failures,
 * where its subtasks run, what it was restored from. For tests that must show their fault happened.
 */
public final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public FlinkRest(String url) {
        this.url = url;
    }

    /** The REST endpoint of a MiniCluster, from its client configuration. */
    public static FlinkRest of(Configuration clientConfiguration) {
        return new FlinkRest("http://" + clientConfiguration.get(RestOptions.ADDRESS) + ":"
                + clientConfiguration.get(RestOptions.PORT));
    }

    /** One entry of a job's exception history: a failure that made it fail over. */
    public record Failure(long timestamp, String exception, String stacktrace, String taskName,
            String taskManagerId) {
        @Override
        public String toString() {
            return java.time.Instant.ofEpochMilli(timestamp) + " " + exception + " in " + taskName + " on "
                    + taskManagerId + ": " + stacktrace.lines().findFirst().orElse("");
        }
    }

    /** One subtask attempt: which attempt it is and the TaskManager it runs on. */
    public record Subtask(String vertex, int index, int attempt, String status, String taskManagerId) {}

    public JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError("HTTP " + r.statusCode() + " from " + r.uri() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The job's exception history, the failures that made it restart (root causes, newest first). */
    public List<Failure> failures(String jobId) throws Exception {
        List<Failure> failures = new ArrayList<>();
        for (JsonNode e : get("/jobs/" + jobId + "/exceptions?maxExceptions=100").path("exceptionHistory")
                .path("entries")) {
            failures.add(new Failure(e.path("timestamp").asLong(), e.path("exceptionName").asText(),
                    e.path("stacktrace").asText(), e.path("taskName").asText(null),
                    e.path("taskManagerId").asText(null)));
        }
        return failures;
    }

    /** Every subtask's current attempt, vertex by vertex. */
    public List<Subtask> subtasks(String jobId) throws Exception {
        List<Subtask> subtasks = new ArrayList<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String name = vertex.path("name").asText();
            for (JsonNode s : get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText()).path("subtasks")) {
                subtasks.add(new Subtask(name, s.path("subtask").asInt(), s.path("attempt").asInt(),
                        s.path("status").asText(), s.path("taskmanager-id").asText()));
            }
        }
        return subtasks;
    }

    /** The parallelism of each vertex, by name. */
    public Map<String, Integer> parallelism(String jobId) throws Exception {
        Map<String, Integer> p = new TreeMap<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            p.put(vertex.path("name").asText(), vertex.path("parallelism").asInt());
        }
        return p;
    }

    /** The external path of the checkpoint or savepoint the job was restored from, or null. */
    public String restoredFrom(String jobId) throws Exception {
        JsonNode restored = get("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull() ? null : restored.path("external_path").asText();
    }

    /** The job's user accumulators (final once the job has ended, unlike the sampled metrics). */
    public Map<String, Long> accumulators(String jobId) throws Exception {
        Map<String, Long> a = new TreeMap<>();
        for (JsonNode acc : get("/jobs/" + jobId + "/accumulators").path("user-task-accumulators")) {
            a.put(acc.path("name").asText(), Long.parseLong(acc.path("value").asText()));
        }
        return a;
    }

    /** The TaskManagers registered now, by id. */
    public List<String> taskManagers() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
            ids.add(tm.path("id").asText());
        }
        return ids;
    }
}
