package io.usageanalytics.local;

import io.usageanalytics.assembly.TokenEstimator;
import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.cli.UserError;
import io.usageanalytics.core.Accounting;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The job on a local Flink cluster with its web UI, watched so that it is never silent: every
 * failure is one line on the screen with its root cause (from the cluster's exception history),
 * and a bounded run always ends, with an error when it cannot succeed.
 */
final class LocalJob implements AutoCloseable {

    /** Restarts a bounded run gets before it fails for good (a live run restarts as a cluster would). */
    static final int BOUNDED_RESTARTS = 3;
    /** A bounded run that reads nothing for this long, while its topics hold records, has stalled. */
    static final Duration STALL = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobClient client;
    private final int uiPort;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private long lastFailureSeen;
    private int failures;
    /** Set once a stop with a savepoint succeeded: the job has ended, and there is nothing to cancel. */
    private boolean stopped;

    private LocalJob(JobClient client, int uiPort, PrintStream out) {
        this.client = client;
        this.uiPort = uiPort;
        this.out = out;
    }

    /**
     * Builds the job (checking its services) and starts it on a new local cluster whose web UI is on
     * {@code uiPort}; restored from {@code resumeFrom} if given, and keeping its last checkpoint
     * when cancelled if {@code resumable}.
     */
    static LocalJob start(JobOptions options, int uiPort, Optional<Path> resumeFrom, boolean resumable,
            PrintStream out) throws Exception {
        Configuration c = Loopback.flinkConfiguration();
        c.set(RestOptions.PORT, uiPort);
        // Accumulators reach the JobManager with each heartbeat: every second instead of every 10 s,
        // so the counters on the screen are as fresh as its refresh.
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        if (options.bounded) {
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, BOUNDED_RESTARTS);
            c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        }
        if (resumable) {
            c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                    ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        resumeFrom.ifPresent(p -> c.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString()));
        // Loaded on a core the cluster's start leaves idle, not when the first stream without usage comes.
        CompletableFuture.runAsync(TokenEstimator::loadVocabularies);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(c);
        UsageAnalyticsJob.prepare(env, options, out);
        return new LocalJob(env.executeAsync("usage-analytics (local)"), uiPort, out);
    }

    /** The launcher's {@code job} command: the job's own options, run and watched locally. */
    static int runCommand(JobOptions options, PrintStream out) throws Exception {
        int port = Loopback.freePort();
        try (LocalJob job = start(options, port, Optional.empty(), false, out)) {
            out.println("usage-analytics job running, flink ui http://127.0.0.1:" + port);
            Map<String, Object> result = job.await(toRead(options), acc -> { });
            if (options.bounded) {
                out.println(Accounting.summary(result));
            }
            return 0;
        }
    }

    /** What a bounded run over the options' topics has to read (unknown for a topic pattern). */
    static OptionalLong toRead(JobOptions options) throws Exception {
        return options.bounded && options.topicPattern == null
                ? OptionalLong.of(Topics.records(options.bootstrapServers, options.topics, options.kafkaProperties))
                : OptionalLong.empty();
    }

    boolean isDone() {
        return client.getJobExecutionResult().isDone();
    }

    /** The job's accumulators now; empty when the cluster cannot say (starting, ending). */
    Optional<Map<String, Object>> accumulators() {
        try {
            return Optional.of(client.getAccumulators().get(10, TimeUnit.SECONDS));
        } catch (Exception notNow) {
            return Optional.empty();
        }
    }

    /**
     * Waits for the job to end, printing each failure, and calling {@code progress} with the
     * accumulators every second. A bounded run whose topics hold {@code available} records, that
     * reads nothing for {@link #STALL} before it has read them all, is cancelled.
     *
     * @return the final accumulators
     * @throws UserError if the job failed for good or stalled
     */
    Map<String, Object> await(OptionalLong available, Consumer<Map<String, Object>> progress) throws Exception {
        long lastRead = -1;
        long lastReadChange = System.nanoTime();
        while (!isDone()) {
            Thread.sleep(POLL.toMillis());
            reportFailures();
            Optional<Map<String, Object>> acc = accumulators();
            if (acc.isEmpty()) {
                continue;
            }
            progress.accept(acc.get());
            long read = Accounting.count(acc.get(), Accounting.RECORDS_IN);
            if (read != lastRead) {
                lastRead = read;
                lastReadChange = System.nanoTime();
            } else if (available.isPresent() && System.nanoTime() - lastReadChange > STALL.toNanos()
                    && available.getAsLong() > read) {
                cancel();
                throw new UserError("the job read " + read + " records and then nothing for "
                        + STALL.toSeconds() + " s, although its topics hold " + available.getAsLong()
                        + "; see " + LocalState.fromEnvironment().logFile());
            }
        }
        try {
            return client.getJobExecutionResult().get().getAllAccumulatorResults();
        } catch (Exception e) {
            reportFailures();
            // The restart strategy gave up: that is why a bounded run ends with its last failure.
            boolean gaveUp = ExceptionUtils.findThrowableWithMessage(e, "Recovery is suppressed").isPresent();
            throw new UserError("job failed" + (gaveUp ? " after " + BOUNDED_RESTARTS + " restarts" : "") + ": "
                    + UsageAnalyticsJob.oneLine(e));
        }
    }

    /** Prints the failures the cluster recorded since the last call, one line each. */
    void reportFailures() {
        for (String failure : newFailures()) {
            failures++;
            out.println("  job failure " + failures + ": " + failure);
        }
    }

    private List<String> newFailures() {
        List<String> lines = new ArrayList<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort
                    + "/jobs/" + client.getJobID() + "/exceptions?maxExceptions=20"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return lines;
            }
            JsonNode entries = JSON.readTree(r.body()).path("exceptionHistory").path("entries");
            long newest = lastFailureSeen;
            // Newest first: print in the order they happened.
            for (int i = entries.size() - 1; i >= 0; i--) {
                JsonNode e = entries.get(i);
                long at = e.path("timestamp").asLong();
                if (at > lastFailureSeen) {
                    lines.add(rootCause(e.path("stacktrace").asText(e.path("exceptionName").asText())));
                    newest = Math.max(newest, at);
                }
            }
            lastFailureSeen = newest;
        } catch (Exception unavailable) {
            // The cluster is starting or shutting down: the next poll, or the job's result, says more.
        }
        return lines;
    }

    /** The innermost cause of a Java stack trace's text, on one line. */
    static String rootCause(String stackTrace) {
        String cause = stackTrace.lines().findFirst().orElse("unknown failure");
        for (String line : (Iterable<String>) stackTrace.lines()::iterator) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        cause = cause.replaceAll("\\s+", " ").trim();
        return cause.length() > 300 ? cause.substring(0, 297) + "..." : cause;
    }

    /**
     * Stops the job with a savepoint in {@code dir} and returns its path. Flink completes the stop
     * only once the job has finished, so the job is over when this returns.
     */
    String stopWithSavepoint(Path dir) throws Exception {
        String path = client.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
        stopped = true;
        return path;
    }

    void cancel() {
        // After a stop the local cluster shuts itself down, and its job's result may not say so yet:
        // cancelling then fails ("MiniCluster is not yet running or has already been shut down").
        if (stopped || isDone()) {
            return;
        }
        try {
            client.cancel().get(20, TimeUnit.SECONDS);
            client.getJobExecutionResult().handle((r, e) -> null).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            out.println("usage-analytics: could not cancel the job cleanly: " + UsageAnalyticsJob.oneLine(e));
        }
    }

    @Override
    public void close() {
        cancel();
    }
}
