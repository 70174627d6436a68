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
import java.util.Arrays;
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
import static org.assertj.core.api.Assertions.tuple;

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
    void aRecordFromTheFutureNeitherHoldsBackNorJumpsTheWatermarkOfARunningJob() throws Exception {
        // Live traffic on a source that never ends: 1 s windows, no out-of-orderness and no allowed
        // lateness, so a record is late as soon as the watermark has passed its second; each is
        // stamped with the second it is sent in. Between the on-time records come one stamped two
        // hours ahead (a skewed gateway clock, inside the one-day limit) and one ten years ahead
        // (rejected). End of input would fire every window anyway, so the job never gets there:
        // windows must close while it runs.
        EventTime strict = new EventTime(Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO);
        try (PipelineRun.Live live = PipelineRun.Live.start(strict, out -> {})) {
            long a = nextSecond();
            live.send(live("a", a));
            live.awaitWatermark(a * 1000 - 1);

            long skewed = a + 7200;
            live.send(live("skewed", skewed));
            byte[] farOff = live("far-off", a + 10L * 365 * 86_400);
            live.send(farOff);
            // read after the skewed one: once its reject is out, the skewed record has met the
            // watermark generator, so the seconds below come after it
            live.awaitReject("of the record ten years ahead", r -> Arrays.equals(r.source.value, farOff));

            long b = nextSecond();
            live.send(live("b", b));
            live.awaitEmission("a's window", r -> r.windowStart == a * 1000);
            long c = nextSecond();
            live.send(live("c", c));
            // not held back by the skewed record: b's window closes while the job runs
            live.awaitEmission("b's window", r -> r.windowStart == b * 1000);
            live.awaitWatermark(c * 1000 - 1);

            // nor made to jump: never ahead of the clock, so b was on time and the skewed
            // record's own window is still open
            assertThat(live.mostAheadOfClock()).isNegative();
            assertThat(live.watermark()).isLessThan(System.currentTimeMillis());
            assertThat(live.emissions()).extracting(r -> r.windowStart, r -> r.counts.requests)
                    .containsExactly(tuple(a * 1000, 1L), tuple(b * 1000, 1L));
            assertThat(live.rejects()).extracting(r -> r.reason).containsExactly(RejectReason.INVALID_FIELD);
        }
    }

    /** A completion stamped {@code created}. */
    private static byte[] live(String id, long created) {
        return bytes(completion(id, "gpt-4o", "fp", created, message(0, "x", "stop"), usage(1, 1, 2)));
    }

    /** Sleeps into the next second of the clock and returns it (epoch seconds). */
    private static long nextSecond() throws InterruptedException {
        long now = System.currentTimeMillis();
        long next = now / 1000 + 1;
        // a little into it, so that the clock the watermark generator reads has reached it too
        Thread.sleep(next * 1000 - now + 20);
        return next;
    }
}
