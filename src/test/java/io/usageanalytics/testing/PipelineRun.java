package io.usageanalytics.testing;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Reject;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs the pipeline over a bounded source and collects everything it produced. */
public final class PipelineRun {

    /** Every row emission in order (late updates re-emit), the rejects and the accounting. */
    public record Result(List<UsageRow> emissions, List<Reject> rejects, Map<String, Object> accounting) {

        /** The table a sink upserting on the row key ends up with: the last emission per key. */
        public List<UsageRow> finalRows() {
            Map<String, UsageRow> byKey = new LinkedHashMap<>();
            for (UsageRow r : emissions) {
                byKey.put(r.windowStart + "|" + r.windowEnd + "|" + r.model + "|" + r.systemFingerprint, r);
            }
            return new ArrayList<>(byKey.values());
        }

        public long counter(String name) {
            Object v = accounting.get(name);
            return v == null ? 0 : (Long) v;
        }

        /** records_in == records_aggregated + rejected + duplicates_dropped. */
        public boolean accountingHolds() {
            return counter(Accounting.RECORDS_IN)
                    == counter(Accounting.RECORDS_AGGREGATED) + counter(Accounting.REJECTED)
                            + counter(Accounting.DUPLICATES_DROPPED);
        }
    }

    private PipelineRun() {}

    public static Result run(Source<ParsedRecord, ?, ?> source, EventTime time, int parallelism)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        UsagePipeline.Outputs out =
                UsagePipeline.defineWorkflow(env, source, PipelineSettings.defaults().withTime(time));
        CloseableIterator<UsageRow> rows = out.rows().collectAsync();
        CloseableIterator<Reject> rejects = out.rejects().collectAsync();
        JobClient job = env.executeAsync("pipeline-test");
        // Drained side by side so that neither collect sink waits on the other.
        CompletableFuture<List<Reject>> rejected = CompletableFuture.supplyAsync(() -> drain(rejects));
        List<UsageRow> emitted = drain(rows);
        JobExecutionResult result = job.getJobExecutionResult().get();
        return new Result(emitted, rejected.get(), result.getAllAccumulatorResults());
    }

    private static <T> List<T> drain(CloseableIterator<T> it) {
        List<T> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }
}
