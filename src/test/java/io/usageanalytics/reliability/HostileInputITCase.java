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

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over 100,000 mutated records around valid ones: the job never fails, every record is accounted
 * for, every record the mutator made to be rejected is a dead letter with its exact bytes, its
 * reason and (where the mutation decides it) its detail, every record it made to be skipped is
 * counted as skipped, and the records it rejects or skips change no row.
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

    /**
     * What a run produced; rejects as "offset|reason|detail|sha-256 of the original value|its
     * length|sha-256 of the key" (digests, not bytes: the 10 MB reject need not travel through the
     * collector).
     */
    record Run(List<UsageRow> rows, List<String> rejects, Map<String, Object> accounting) {
        long counter(String name) {
            return (Long) accounting.getOrDefault(name, 0L);
        }
    }

    /**
     * A record the mutator made to be rejected: how, for what reason and with what detail (null:
     * any), its bytes' digest.
     */
    record MustReject(String kind, String reason, String detail, String bytes) {}

    @Test
    void mutatedRecordsAreRejectedWithTheirBytesAndChangeNothingElse() throws Exception {
        // The mutator's verdicts hold for records whose first field is id: not Azure's, whose keys
        // are in alphabetical order (and whose preamble is skipped, not valid).
        List<byte[]> base = new TrafficGenerator(SEED, 1_767_225_600L, 5.0, 0, 0).next(1000).stream()
                .map(TrafficGenerator.Record::value)
                .filter(v -> new String(v, StandardCharsets.UTF_8).startsWith("{\"id\":\""))
                .collect(Collectors.toList());
        int total = HostileRecords.size(base);
        assertThat(total).isGreaterThanOrEqualTo(100_000);

        // What each record must come to is known from how the mutator made it, not from the
        // parser. The parser decides only what the mutator leaves open (byte flips; the reason for
        // a record quoted as a string with escapes in it), must reject, skip or accept each other
        // record as the mutator made it, and read what the mutator says it must from a valid one.
        Map<Integer, MustReject> mustReject = new TreeMap<>();
        Map<HostileRecords.Outcome, Integer> outcomes = new EnumMap<>(HostileRecords.Outcome.class);
        LoggedObjectParser parser = new LoggedObjectParser();
        List<String> parseRejects = new ArrayList<>();
        List<Integer> accepted = new ArrayList<>();
        List<String> contradictions = new ArrayList<>();
        Set<String> tiers = new TreeSet<>();
        for (int p = 0; p < total; p++) {
            HostileRecords.Mutation m = HostileRecords.mutation(base, SEED, p);
            byte[] key = HostileRecords.key(SEED, p);
            outcomes.merge(m.outcome(), 1, Integer::sum);
            if (m.outcome() == HostileRecords.Outcome.MUST_REJECT) {
                mustReject.put(p, new MustReject(m.kind(), m.reason(), m.detail(), bytes(m.value(), key)));
            }
            ParsedRecord r = parser.parse(new LoggedRecord(m.value(), key, "hostile", 0, p));
            // the skipped records too: the run without rejects must see them to count them
            if (r.reject == null) {
                accepted.add(p);
            } else {
                parseRejects.add(digest(p, r.reject.reason, r.reject.detail, m.value(), key));
            }
            if (m.outcome() == HostileRecords.Outcome.VALID && m.reads() != null) {
                tiers.add(m.reads().serviceTier());
            }
            String contradiction = m.contradiction(r);
            if (contradiction != null) {
                contradictions.add(p + " (" + m.kind() + "): " + contradiction);
            }
        }
        assertThat(mustReject).as("the mutator is sure most of its records must be rejected: %s", outcomes)
                .hasSizeGreaterThan(total / 2);
        assertThat(contradictions.size()).as("records the parser takes otherwise than they were made; the first: %s",
                contradictions.subList(0, Math.min(5, contradictions.size()))).isZero();
        assertThat(accepted.size()).as("some stay valid").isGreaterThan(base.size());

        Run noisy = run(HostileRecords.all(base, SEED));
        Run clean = run(HostileRecords.source(base, SEED, accepted.stream().mapToInt(Integer::intValue).toArray()));

        // Every record the mutator made to be rejected is a dead letter: its own value and key,
        // from its own offset, for the reason its mutation decides.
        Map<Long, List<String>> deadByOffset = noisy.rejects().stream()
                .collect(Collectors.groupingBy(d -> Long.parseLong(d.substring(0, d.indexOf('|')))));
        List<String> missing = new ArrayList<>();
        mustReject.forEach((p, expected) -> {
            List<String> there = deadByOffset.getOrDefault((long) p, List.of());
            boolean found = there.stream().anyMatch(d -> d.endsWith("|" + expected.bytes())
                    && (expected.reason() == null || d.startsWith(p + "|" + expected.reason() + "|"))
                    && (expected.detail() == null || d.startsWith(p + "|" + expected.reason() + "|" + expected.detail() + "|")));
            if (!found) {
                missing.add("offset " + p + " (" + expected.kind() + ", expected "
                        + (expected.reason() == null ? "any reason" : expected.reason())
                        + (expected.detail() == null ? "" : ": " + expected.detail()) + "): dead letters there " + there);
            }
        });
        assertThat(missing.size()).as("must-reject records not in the dead letters as expected, %s of %s; the first: %s",
                missing.size(), mustReject.size(), missing.subList(0, Math.min(5, missing.size()))).isZero();

        assertThat(noisy.rows()).isNotEmpty();
        // A chunk's tier becomes its stream's (TrafficGenerator's chunks carry none, and no stream
        // completes before the end), so each tier the mutator gave a valid record keys a row.
        assertThat(noisy.rows().stream().map(row -> row.serviceTier).collect(Collectors.toSet())).containsAll(tiers);
        assertThat(noisy.rows()).containsExactlyInAnyOrderElementsOf(clean.rows());
        // All rejects: what the parser turns away (for the records left open, its call), and what
        // the stages after it reject among the rest, as in the run without the parser's rejects.
        List<String> expectedRejects = new ArrayList<>(parseRejects);
        expectedRejects.addAll(clean.rejects());
        assertThat(noisy.rejects()).containsExactlyInAnyOrderElementsOf(expectedRejects);
        byte[] huge = HostileRecords.record(base, SEED, HostileRecords.HUGE_POSITION);
        assertThat(huge.length).isGreaterThan(10 * 1024 * 1024);
        assertThat(noisy.rejects()).contains(digest(HostileRecords.HUGE_POSITION, RejectReason.LIMIT_EXCEEDED,
                "record is " + huge.length + " bytes, limit is " + LoggedObjectParser.MAX_RECORD_BYTES,
                huge, HostileRecords.key(SEED, HostileRecords.HUGE_POSITION)));
        Set<String> reasons = Set.of(RejectReason.MALFORMED_JSON, RejectReason.NOT_AN_OBJECT,
                RejectReason.UNSUPPORTED_OBJECT, RejectReason.MISSING_FIELD, RejectReason.INVALID_FIELD,
                RejectReason.LIMIT_EXCEEDED, RejectReason.LATE);
        assertThat(noisy.rejects()).allMatch(r -> reasons.contains(r.split("\\|")[1]));

        long skipped = outcomes.getOrDefault(HostileRecords.Outcome.SKIPPED, 0);
        assertThat(skipped).as("preambles among the records").isPositive();
        assertThat(noisy.counter(Accounting.RECORDS_IN)).isEqualTo(total);
        assertThat(noisy.counter(Accounting.REJECTED)).isEqualTo(noisy.rejects().size());
        assertThat(noisy.counter(Accounting.SKIPPED)).isEqualTo(skipped);
        assertThat(noisy.counter(Accounting.SKIPPED_PREFIX + ParsedRecord.PROMPT_FILTER_PREAMBLE)).isEqualTo(skipped);
        assertThat(noisy.counter(Accounting.RECORDS_AGGREGATED) + noisy.counter(Accounting.REJECTED)
                + noisy.counter(Accounting.DUPLICATES_DROPPED) + noisy.counter(Accounting.SKIPPED)).isEqualTo(total);
    }

    private static Run run(Source<ParsedRecord, ?, ?> source) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        UsagePipeline.Outputs out = UsagePipeline.defineWorkflow(env, source,
                PipelineSettings.defaults().withTime(NEVER_LATE));
        CloseableIterator<UsageRow> rows = out.rows().collectAsync();
        CloseableIterator<String> rejects = out.rejects()
                .map(r -> digest(r.source.offset, r.reason, r.detail, r.source.value, r.source.key))
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

    static String digest(long offset, String reason, String detail, byte[] value, byte[] key) {
        return offset + "|" + reason + "|" + detail + "|" + bytes(value, key);
    }

    /** The value and key: SHA-256 and length of the value, SHA-256 of the key. */
    static String bytes(byte[] value, byte[] key) {
        return sha256(value) + "|" + (value == null ? "no value" : value.length) + "|"
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
