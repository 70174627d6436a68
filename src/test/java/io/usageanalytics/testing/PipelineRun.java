package io.usageanalytics.testing;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Reject;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs the pipeline over a bounded source and collects everything it produced; or live ({@link
 * Live}), fed record by record by the test, with its watermark watched.
 */
public final class PipelineRun {

    /** Every row emission in order (late updates re-emit), the rejects, the cost alerts and the accounting. */
    public record Result(List<UsageRow> emissions, List<Reject> rejects, List<CostAlert> alerts,
            Map<String, Object> accounting) {

        /** The table a sink upserting on the row key ends up with: the last emission per key. */
        public List<UsageRow> finalRows() {
            Map<String, UsageRow> byKey = new LinkedHashMap<>();
            for (UsageRow r : emissions) {
                byKey.put(r.windowStart + "|" + r.windowEnd + "|" + r.model + "|" + r.systemFingerprint + "|" + r.serviceTier
                        + "|" + r.dimensions, r);
            }
            return new ArrayList<>(byKey.values());
        }

        public long counter(String name) {
            Object v = accounting.get(name);
            return v == null ? 0 : (Long) v;
        }

        /** records_in == records_aggregated + rejected + duplicates_dropped + skipped. */
        public boolean accountingHolds() {
            return Accounting.inFlight(accounting) == 0;
        }
    }

    private PipelineRun() {}

    public static Result run(Source<ParsedRecord, ?, ?> source, EventTime time, int parallelism)
            throws Exception {
        return run(source, PipelineSettings.defaults().withTime(time), parallelism);
    }

    public static Result run(Source<ParsedRecord, ?, ?> source, PipelineSettings settings, int parallelism)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        UsagePipeline.Outputs out = UsagePipeline.defineWorkflow(env, source, settings);
        CloseableIterator<UsageRow> rows = out.rows().collectAsync();
        CloseableIterator<Reject> rejects = out.rejects().collectAsync();
        CloseableIterator<CostAlert> alerts = out.alerts().collectAsync();
        JobClient job = env.executeAsync("pipeline-test");
        // Drained side by side so that no collect sink waits on another.
        CompletableFuture<List<Reject>> rejected = CompletableFuture.supplyAsync(() -> drain(rejects));
        CompletableFuture<List<CostAlert>> raised = CompletableFuture.supplyAsync(() -> drain(alerts));
        List<UsageRow> emitted = drain(rows);
        JobExecutionResult result = job.getJobExecutionResult().get();
        return new Result(emitted, rejected.get(), raised.get(), result.getAllAccumulatorResults());
    }

    /**
     * Runs over {@code records} handed over one at a time, one reader: each only once the watermark
     * its predecessors imply has left the pipeline, so every record meets exactly the watermark
     * that the order of the records implies, however slow the machine. Then the end of input.
     */
    public static Result paced(List<byte[]> records, EventTime time) throws Exception {
        return paced(records, PipelineSettings.defaults().withTime(time));
    }

    /** {@link #paced(List, EventTime)} with the settings' dimensions, guard and spike rule too. */
    public static Result paced(List<byte[]> records, PipelineSettings settings) throws Exception {
        try (Live live = Live.start(settings, outputs -> {})) {
            for (byte[] r : records) {
                live.sendAndAwaitWatermark(r);
            }
            return live.finish();
        }
    }

    /**
     * A job at parallelism 1 over a {@link GatedSource}, running until the test ends it ({@link
     * #finish}, or {@link #close} cancels it): the test hands records over one at a time, rows
     * and rejects are collected as they come, and the watermark is watched where the rows leave
     * the pipeline ({@link WatermarkProbe}).
     */
    public static final class Live implements AutoCloseable {

        /** How long a condition may take: generous, these tests are about whether, not how fast. */
        public static final Duration TIMEOUT = Duration.ofSeconds(30);

        private final EventTime time;
        private final GatedSource source;
        private final WatermarkProbe<UsageRow> probe;
        private final JobClient job;
        private final CloseableIterator<UsageRow> rowsIn;
        private final CloseableIterator<Reject> rejectsIn;
        private final CloseableIterator<CostAlert> alertsIn;
        private final List<Thread> drains = new ArrayList<>();
        private final List<UsageRow> emissions = new ArrayList<>();
        private final List<Reject> rejects = new ArrayList<>();
        private final List<CostAlert> alerts = new ArrayList<>();
        private final LoggedObjectParser parser = new LoggedObjectParser();
        /** The watermark the records handed over so far imply (a lower bound), for {@link #sendAndAwaitWatermark}. */
        private long implied = Long.MIN_VALUE;
        private boolean ended;

        private Live(EventTime time, GatedSource source, WatermarkProbe<UsageRow> probe, JobClient job,
                CloseableIterator<UsageRow> rowsIn, CloseableIterator<Reject> rejectsIn,
                CloseableIterator<CostAlert> alertsIn) {
            this.time = time;
            this.source = source;
            this.probe = probe;
            this.job = job;
            this.rowsIn = rowsIn;
            this.rejectsIn = rejectsIn;
            this.alertsIn = alertsIn;
            drains.add(drainInto(rowsIn, emissions, "rows"));
            drains.add(drainInto(rejectsIn, rejects, "rejects"));
            drains.add(drainInto(alertsIn, alerts, "alerts"));
        }

        /** Starts the job; {@code sinks} may attach more sinks to the outputs (a table, say). */
        public static Live start(EventTime time, Consumer<UsagePipeline.Outputs> sinks) throws Exception {
            return start(PipelineSettings.defaults().withTime(time), sinks);
        }

        /** {@link #start(EventTime, Consumer)} with the settings' dimensions, guard and spike rule too. */
        public static Live start(PipelineSettings settings, Consumer<UsagePipeline.Outputs> sinks) throws Exception {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            GatedSource source = new GatedSource(settings.dimensions());
            UsagePipeline.Outputs out = UsagePipeline.defineWorkflow(env, source, settings);
            WatermarkProbe<UsageRow> probe = new WatermarkProbe<>();
            out.rows().sinkTo(probe).name("watermark-probe");
            sinks.accept(out);
            CloseableIterator<UsageRow> rows = out.rows().collectAsync();
            CloseableIterator<Reject> rejects = out.rejects().collectAsync();
            CloseableIterator<CostAlert> alerts = out.alerts().collectAsync();
            return new Live(settings.time(), source, probe, env.executeAsync("pipeline-live"), rows, rejects, alerts);
        }

        private Thread drainInto(CloseableIterator<?> it, List<?> into, String what) {
            @SuppressWarnings("unchecked")
            List<Object> all = (List<Object>) into;
            Thread t = new Thread(() -> {
                try {
                    while (it.hasNext()) {
                        Object next = it.next();
                        synchronized (this) {
                            all.add(next);
                            notifyAll();
                        }
                    }
                } catch (RuntimeException e) {
                    // the job was cancelled: the collect iterator ends with an exception
                }
            }, "live-" + what);
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** Hands one record to the source. */
        public void send(byte[] record) {
            source.send(record);
        }

        /**
         * Hands one record to the source, then waits until the watermark it implies (if it moves it
         * on) has left the pipeline: the bounded out-of-orderness watermark of the latest
         * {@code created} so far, never ahead of the clock.
         */
        public void sendAndAwaitWatermark(byte[] record) throws InterruptedException {
            long clock = System.currentTimeMillis();
            send(record);
            ParsedRecord parsed = parser.parse(LoggedRecord.of(record));
            if (parsed.object != null) {
                long wm = Math.min(parsed.object.createdMillis(), clock) - time.outOfOrderness().toMillis() - 1;
                if (wm > implied) {
                    implied = wm;
                    awaitWatermark(wm);
                }
            }
        }

        /** The watermark that has left the pipeline. */
        public long watermark() {
            return probe.watermark();
        }

        /** See {@link WatermarkProbe#mostAheadOfClock()}. */
        public long mostAheadOfClock() {
            return probe.mostAheadOfClock();
        }

        public void awaitWatermark(long atLeast) throws InterruptedException {
            probe.await(atLeast, TIMEOUT);
        }

        /** Every row emission so far, in order. */
        public synchronized List<UsageRow> emissions() {
            return new ArrayList<>(emissions);
        }

        public synchronized List<Reject> rejects() {
            return new ArrayList<>(rejects);
        }

        public synchronized List<CostAlert> alerts() {
            return new ArrayList<>(alerts);
        }

        /** Waits until a row matching {@code row} has been emitted; fails naming {@code what}. */
        public UsageRow awaitEmission(String what, Predicate<UsageRow> row) throws InterruptedException {
            return awaitIn(emissions, "row for " + what, row);
        }

        /** Waits until a matching reject has come out; fails naming {@code what}. */
        public Reject awaitReject(String what, Predicate<Reject> reject) throws InterruptedException {
            return awaitIn(rejects, "reject " + what, reject);
        }

        private synchronized <T> T awaitIn(List<T> produced, String what, Predicate<T> match)
                throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                for (T t : produced) {
                    if (match.test(t)) {
                        return t;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + TIMEOUT.toSeconds()
                            + " s while the job ran; watermark " + watermark() + ", rows " + emissions
                            + ", rejects " + rejects);
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }

        /** Ends the input and waits for the job to finish: everything it produced. */
        public Result finish() throws Exception {
            source.finish();
            JobExecutionResult result = job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            for (Thread t : drains) {
                t.join();
            }
            ended = true;
            return new Result(emissions(), rejects(), alerts(), result.getAllAccumulatorResults());
        }

        /** Cancels the job if it is still running. */
        @Override
        public void close() throws Exception {
            try {
                if (!ended) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            } finally {
                rowsIn.close();
                rejectsIn.close();
                alertsIn.close();
                for (Thread t : drains) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
                source.discard();
                probe.discard();
            }
        }
    }

    private static <T> List<T> drain(CloseableIterator<T> it) {
        List<T> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }
}
