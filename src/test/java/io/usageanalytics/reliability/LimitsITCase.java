package io.usageanalytics.reliability;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.RejectReason;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.PipelineRun;
import io.usageanalytics.testing.RecordsSource;

import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.usageanalytics.testing.Logged.chunk;
import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.delta;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

/** Hostile but well-formed input meets explicit limits, not an out-of-memory error or a stuck watermark. */
class LimitsITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void hugeStreamsManyChoicesLongNamesAndImpossibleTimesAreRejectedByReason() throws Exception {
        long t0 = W0 / 1000;
        List<byte[]> records = new ArrayList<>();
        // 70,000 chunks for one id: the first 65,536 count, the rest are refused; the usage chunk
        // counts. First, and read by one reader: later windows' records must not close its window
        // while it is still being read (that would make its last chunks late, not over the limit).
        for (int i = 0; i < 70_000; i++) {
            records.add(bytes(chunk("big-stream", "gpt-4o", "fp_z", t0 + 30, delta(0, "a", null), "null")));
        }
        records.add(bytes(chunk("big-stream", "gpt-4o", "fp_z", t0 + 30, "", usage(5, 70_000, 70_005))));
        String tenThousandChoices = IntStream.range(0, 10_000).mapToObj(i -> message(i, "x", "stop"))
                .collect(Collectors.joining(","));
        records.add(bytes(completion("wide", "gpt-4o", "fp", t0, tenThousandChoices, usage(1, 1, 2))));
        records.add(bytes(chunk("high-index", "gpt-4o", "fp", t0, delta(9_999, "x", null), null)));
        records.add(bytes(completion("long-model", "m".repeat(10_000), "fp", t0, message(0, "x", "stop"), usage(1, 1, 2))));
        long now = System.currentTimeMillis() / 1000;
        records.add(bytes(completion("future", "gpt-4o", "fp", now + 10L * 365 * 86_400, message(0, "x", "stop"), usage(1, 1, 2))));
        records.add(bytes(completion("epoch", "gpt-4o", "fp", 0, message(0, "x", "stop"), usage(1, 1, 2))));
        records.addAll(MixedCorpus.records());

        PipelineRun.Result result = PipelineRun.run(RecordsSource.of(records), EventTime.defaults(), 1);

        List<UsageRow> expected = new ArrayList<>(MixedCorpus.ROWS);
        // (5 × 2.50 + 70,000 × 10) / 1e6; its one choice never finished within the limit
        expected.add(row(W0, "gpt-4o", "fp_z", "0.7000125",
                "requests=1 streamed_requests=1 choices=1 prompt_tokens=5 completion_tokens=70000 "
                + "total_tokens=70005 finish_none=1"));
        assertThat(result.finalRows()).containsExactlyInAnyOrderElementsOf(expected);
        Map<String, Long> byReason = result.rejects().stream()
                .collect(Collectors.groupingBy(r -> r.reason, Collectors.counting()));
        assertThat(byReason).containsExactlyInAnyOrderEntriesOf(Map.of(
                RejectReason.LIMIT_EXCEEDED, 4_464L + 3,
                RejectReason.INVALID_FIELD, 2L + 1,
                RejectReason.MALFORMED_JSON, 1L,
                RejectReason.NOT_AN_OBJECT, 1L,
                RejectReason.UNSUPPORTED_OBJECT, 1L,
                RejectReason.MISSING_FIELD, 1L));
        assertThat(result.rejects().stream().map(r -> r.detail).collect(Collectors.toSet())).contains(
                "stream big-stream has more than 65536 chunks with choices",
                "choices[128].index is 128, limit is 127",
                "choices[0].index is 9999, limit is 127",
                "model is 10000 characters, limit is 256",
                "created is 0, before 2022-01-01");
        assertThat(result.counter(Accounting.RECORDS_IN)).isEqualTo(records.size());
        assertThat(result.accountingHolds()).isTrue();
    }

    @Test
    void aRecordFromTheFutureDoesNotMakeTheOthersLate() throws Exception {
        // Live traffic with no allowed lateness: one record stamped two hours ahead (a skewed
        // gateway clock, inside the one-day limit) arrives between two on-time ones.
        EventTime strict = new EventTime(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ZERO);
        long now = System.currentTimeMillis() / 1000;
        List<byte[]> records = List.of(
                bytes(completion("a", "gpt-4o", "fp", now - 2, message(0, "x", "stop"), usage(1, 1, 2))),
                bytes(completion("skewed", "gpt-4o", "fp", now + 7200, message(0, "x", "stop"), usage(1, 1, 2))),
                bytes(completion("b", "gpt-4o", "fp", now - 1, message(0, "x", "stop"), usage(1, 1, 2))));

        PipelineRun.Result result = PipelineRun.run(RecordsSource.paced(records, Duration.ofMillis(300)), strict, 1);

        assertThat(result.rejects()).isEmpty();
        Map<Long, Long> requestsByWindow = result.finalRows().stream()
                .collect(Collectors.toMap(r -> r.windowStart, r -> r.counts.requests, Long::sum));
        assertThat(requestsByWindow.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
        assertThat(requestsByWindow).containsEntry(strict.windowStart((now + 7200) * 1000), 1L);
        assertThat(result.accountingHolds()).isTrue();
    }
}
