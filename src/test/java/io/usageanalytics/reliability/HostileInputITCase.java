package io.usageanalytics.reliability;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.RejectReason;
import io.usageanalytics.testing.HostileRecords;
import io.usageanalytics.testing.MiniClusters;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over 100,000 mutated records around valid ones: the job never fails, every record is accounted
 * for, every reject keeps its exact bytes, and the records it rejects change no row.
 */
class HostileInputITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    static final long SEED = 20261126L;
    /**
     * The watermark trails by ten years, so nothing is ever late or completed early: whether a
     * record is late would depend on when watermarks happen to be emitted, and this test is about
     * the records themselves. One reader keeps the order, so "first wins" is the same in both runs.
     */
    static final EventTime NEVER_LATE = new EventTime(Duration.ofSeconds(60), Duration.ofDays(3650), Duration.ZERO);

    /** What a run produced; rejects as "reason|sha-256 of the original value|its length|sha-256 of the key". */
    record Run(List<UsageRow> rows, List<String> rejects, Map<String, Object> accounting) {
        long counter(String name) {
            return (Long) accounting.getOrDefault(name, 0L);
        }
    }

    @Test
    void mutatedRecordsAreRejectedWithTheirBytesAndChangeNothingElse() throws Exception {
        List<byte[]> base = new TrafficGenerator(SEED, 1_767_225_600L, 5.0, 0, 0).next(1000).stream()
                .map(TrafficGenerator.Record::value).collect(Collectors.toList());
        int total = HostileRecords.size(base);
        assertThat(total).isGreaterThanOrEqualTo(100_000);

        // Which records the parser turns away, and the positions of those it accepts.
        LoggedObjectParser parser = new LoggedObjectParser();
        List<String> parseRejects = new ArrayList<>();
        List<Integer> accepted = new ArrayList<>();
        for (int p = 0; p < total; p++) {
            byte[] v = HostileRecords.record(base, SEED, p);
            byte[] key = HostileRecords.key(SEED, p);
            ParsedRecord r = parser.parse(new LoggedRecord(v, key, "hostile", 0, p));
            if (r.reject == null) {
                accepted.add(p);
            } else {
                parseRejects.add(digest(r.reject.reason, v, key));
            }
        }
        assertThat(parseRejects).as("most mutations break the record").hasSizeGreaterThan(total / 2);
        assertThat(accepted.size()).as("some stay valid").isGreaterThan(base.size());

        Run noisy = run(HostileRecords.all(base, SEED));
        Run clean = run(HostileRecords.source(base, SEED, accepted.stream().mapToInt(Integer::intValue).toArray()));

        assertThat(noisy.rows()).isNotEmpty();
        assertThat(noisy.rows()).containsExactlyInAnyOrderElementsOf(clean.rows());
        List<String> expectedRejects = new ArrayList<>(parseRejects);
        expectedRejects.addAll(clean.rejects());
        assertThat(noisy.rejects()).containsExactlyInAnyOrderElementsOf(expectedRejects);
        byte[] huge = HostileRecords.record(base, SEED, HostileRecords.HUGE_POSITION);
        assertThat(huge.length).isGreaterThan(10 * 1024 * 1024);
        assertThat(noisy.rejects())
                .contains(digest(RejectReason.LIMIT_EXCEEDED, huge, HostileRecords.key(SEED, HostileRecords.HUGE_POSITION)));
        Set<String> reasons = Set.of(RejectReason.MALFORMED_JSON, RejectReason.NOT_AN_OBJECT,
                RejectReason.UNSUPPORTED_OBJECT, RejectReason.MISSING_FIELD, RejectReason.INVALID_FIELD,
                RejectReason.LIMIT_EXCEEDED, RejectReason.LATE);
        assertThat(noisy.rejects()).allMatch(r -> reasons.contains(r.substring(0, r.indexOf('|'))));

        assertThat(noisy.counter(Accounting.RECORDS_IN)).isEqualTo(total);
        assertThat(noisy.counter(Accounting.REJECTED)).isEqualTo(noisy.rejects().size());
        assertThat(noisy.counter(Accounting.RECORDS_AGGREGATED) + noisy.counter(Accounting.REJECTED)
                + noisy.counter(Accounting.DUPLICATES_DROPPED)).isEqualTo(total);
    }

    private static Run run(Source<ParsedRecord, ?, ?> source) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        UsagePipeline.Outputs out = UsagePipeline.defineWorkflow(env, source,
                PipelineSettings.defaults().withTime(NEVER_LATE));
        CloseableIterator<UsageRow> rows = out.rows().collectAsync();
        // Digests, not bytes: the 10 MB reject need not travel through the test's collector.
        CloseableIterator<String> rejects = out.rejects()
                .map(r -> digest(r.reason, r.source.value, r.source.key))
                .returns(Types.STRING)
                .collectAsync();
        JobClient job = env.executeAsync("hostile");
        CompletableFuture<List<String>> rejected = CompletableFuture.supplyAsync(() -> drain(rejects));
        List<UsageRow> emitted = drain(rows);
        JobExecutionResult result = job.getJobExecutionResult().get();
        return new Run(emitted, rejected.get(), result.getAllAccumulatorResults());
    }

    private static <T> List<T> drain(CloseableIterator<T> it) {
        List<T> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }

    static String digest(String reason, byte[] value, byte[] key) {
        return reason + "|" + sha256(value) + "|" + (value == null ? 0 : value.length) + "|"
                + (key == null ? "no key" : sha256(key));
    }

    static String sha256(byte[] v) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v == null ? new byte[0] : v));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
