package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.parsing.Usage;

import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class PartialSumsTest {

    /** 60 s windows, 5 s out-of-orderness, 120 s allowed lateness. */
    private static final EventTime TIME =
            new EventTime(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(120));
    private static final long T0 = 1_767_225_600_000L; // a window start

    private OneInputStreamOperatorTestHarness<RequestUsage, WindowPartial> sums;

    private void open(int dimensions) throws Exception {
        sums = new OneInputStreamOperatorTestHarness<>(new PartialSums(TIME, dimensions));
        sums.setProcessingTime(0);
        sums.open();
    }

    @AfterEach
    void close() throws Exception {
        sums.close();
    }

    private static RequestUsage request(String model, String tier, long createdMillis, long tokens, String... dimensions) {
        RequestUsage r = new RequestUsage("id-" + createdMillis + "-" + tokens, model, "fp_1", tier, createdMillis);
        r.finishReasons = new String[] {"stop"};
        r.usage = new Usage(tokens, 1, tokens + 1, 0, 0);
        r.dimensions = dimensions;
        return r;
    }

    private void send(RequestUsage r, long timestamp) throws Exception {
        sums.processElement(new StreamRecord<>(r, timestamp));
    }

    /** What was emitted since last asked: partials as "model/backend@window: counts", watermarks as such. */
    private List<String> emitted() {
        List<String> out = new ArrayList<>();
        for (Object e : sums.getOutput()) {
            if (e instanceof StreamRecord<?> r) {
                WindowPartial p = (WindowPartial) r.getValue();
                assertThat(r.getTimestamp()).as("stamped with its window's last millisecond")
                        .isEqualTo(TIME.windowMaxTimestamp(p.createdMillis));
                out.add(p.model + "/" + p.backend.replace('\u0000', '+') + "@"
                        + (TIME.windowStart(p.createdMillis) - T0) / 1000 + ": " + p.counts);
            } else {
                out.add(e.toString());
            }
        }
        sums.getOutput().clear();
        return out;
    }

    @Test
    void sumsEachKeyAndWindowAndSendsTheSumsJustBeforeTheWatermark() throws Exception {
        open(0);
        send(request("m1", "", T0 + 1_000, 10), T0 + 1_000);
        RequestUsage estimated = request("m1", "", T0 + 59_999, 0);
        estimated.usage = null;
        estimated.estimatedTokens = 7;
        estimated.streamed = true;
        estimated.finishReasons = new String[] {"length", null};
        send(estimated, T0 + 59_999);
        RequestUsage duplicate = request("m1", "", T0 + 2_000, 99);
        duplicate.duplicate = true;
        send(duplicate, T0 + 2_000);
        send(request("m1", "flex", T0 + 3_000, 20), T0 + 3_000);
        send(request("m2", "", T0 + 60_000, 30), T0 + 60_000);
        assertThat(emitted()).as("nothing before the watermark").isEmpty();

        sums.processWatermark(new Watermark(T0 + 59_999));

        assertThat(emitted()).containsExactly(
                "m1/fp_1@0: {requests=2, streamed_requests=1, choices=3, prompt_tokens=10,"
                        + " completion_tokens=8, total_tokens=18, finish_stop=1, finish_length=1, finish_none=1,"
                        + " estimated_requests=1, duplicates_dropped=1}",
                "m1/fp_1+flex@0: {requests=1, choices=1, prompt_tokens=20, completion_tokens=1, total_tokens=21,"
                        + " finish_stop=1}",
                "m2/fp_1@60: {requests=1, choices=1, prompt_tokens=30, completion_tokens=1, total_tokens=31,"
                        + " finish_stop=1}",
                "Watermark @ " + (T0 + 59_999));

        // A late request of a window the watermark passed: at once, on its own, so it fires the window again.
        send(request("m1", "", T0 + 5_000, 40), T0 + 64_999);
        assertThat(emitted()).containsExactly(
                "m1/fp_1@0: {requests=1, choices=1, prompt_tokens=40, completion_tokens=1, total_tokens=41,"
                        + " finish_stop=1}");
        send(request("m1", "", T0 + 5_000, 50), T0 + 64_999);
        assertThat(emitted()).hasSize(1);
        // One of the next window is still held, until the watermark status changes.
        send(request("m2", "", T0 + 60_000, 30), T0 + 60_000);
        sums.setProcessingTime(60_000);
        assertThat(emitted()).isEmpty();
        sums.processWatermarkStatus(WatermarkStatus.IDLE);
        assertThat(emitted()).containsExactly(
                "m2/fp_1@60: {requests=1, choices=1, prompt_tokens=30, completion_tokens=1, total_tokens=31,"
                        + " finish_stop=1}",
                "WatermarkStatus(IDLE)");
    }

    @Test
    void sendsWhatItHoldsBeforeABarrierAndAtTheEnd() throws Exception {
        open(0);
        send(request("m1", "", T0, 10), T0);
        sums.prepareSnapshotPreBarrier(1);
        assertThat(emitted()).hasSize(1);

        send(request("m1", "", T0, 10), T0);
        sums.endInput();
        assertThat(emitted()).containsExactly(
                "m1/fp_1@0: {requests=1, choices=1, prompt_tokens=10, completion_tokens=1, total_tokens=11,"
                        + " finish_stop=1}");
    }

    @Test
    void holdsAtMostSoManyPartialsAndCombinations() throws Exception {
        open(0);
        for (int i = 0; i < PartialSums.MAX_OPEN - 1; i++) {
            send(request("m" + i, "", T0, 1), T0);
        }
        assertThat(emitted()).isEmpty();
        send(request("m-last", "", T0, 1), T0);
        assertThat(emitted()).hasSize(PartialSums.MAX_OPEN);
        sums.close();

        open(1);
        for (int i = 0; i < PartialSums.MAX_OPEN - 2; i++) {
            send(request("m", "", T0, 1, "user-" + i), T0);
        }
        assertThat(emitted()).isEmpty();
        send(request("m", "", T0, 1, "user-0"), T0);
        assertThat(emitted()).as("a combination already held").isEmpty();
        send(request("m", "", T0, 1, "user-last"), T0);
        assertThat(emitted()).as("one partial holding " + (PartialSums.MAX_OPEN - 1) + " combinations")
                .containsExactly("m/fp_1@0: {requests=" + PartialSums.MAX_OPEN + ", choices=" + PartialSums.MAX_OPEN
                        + ", prompt_tokens=" + PartialSums.MAX_OPEN + ", completion_tokens=" + PartialSums.MAX_OPEN
                        + ", total_tokens=" + 2 * PartialSums.MAX_OPEN + ", finish_stop=" + PartialSums.MAX_OPEN + "}");
    }

    /**
     * Random requests of a few keys, windows and dimension values, some late, with watermarks in
     * between: at every watermark, each window's totals from the partials sent so far are exactly
     * those of the requests sent before it, counted one by one, per combination of dimension values
     * too; one partial per key and window held between two watermarks, and one per late request.
     */
    @Test
    void atEveryWatermarkTheWindowsHoldWhatTheRequestsOneByOneWouldHave() throws Exception {
        open(2);
        SplittableRandom random = new SplittableRandom(19);
        UsageAggregate window = new UsageAggregate(2, Integer.MAX_VALUE);
        Map<String, UsageCounts> oneByOne = new HashMap<>();
        Map<String, UsageCounts> fromPartials = new HashMap<>();
        int partials = 0;
        int expectedPartials = 0;
        Set<String> slots = new HashSet<>();
        long watermark = T0;
        sums.processWatermark(new Watermark(watermark));
        sums.getOutput().clear();
        for (int i = 0; i < 20_000; i++) {
            // about a quarter late: up to a window behind the watermark, and three ahead
            long created = watermark - 60_000 + random.nextLong(240_000);
            RequestUsage r = request("m" + random.nextInt(3), random.nextBoolean() ? "" : "flex", created,
                    random.nextInt(1000), "t" + random.nextInt(4), "app" + random.nextInt(3));
            r.duplicate = random.nextInt(20) == 0;
            send(r, created);
            WindowPartial one = new WindowPartial(r);
            one.add(r, 2);
            window.add(one, oneByOne.computeIfAbsent(slot(one), s -> new UsageCounts()));
            if (TIME.windowMaxTimestamp(created) <= watermark) {
                expectedPartials++;
            } else {
                slots.add(slot(one));
            }
            if (random.nextInt(100) == 0 || i == 20_000 - 1) {
                expectedPartials += slots.size();
                slots.clear();
                watermark += random.nextLong(30_000);
                sums.processWatermark(new Watermark(watermark));
                for (Object e : sums.getOutput()) {
                    if (e instanceof StreamRecord<?> p) {
                        partials++;
                        WindowPartial partial = (WindowPartial) p.getValue();
                        window.add(partial, fromPartials.computeIfAbsent(slot(partial), s -> new UsageCounts()));
                    }
                }
                sums.getOutput().clear();
                assertThat(fromPartials).isEqualTo(oneByOne);
                fromPartials.forEach((slot, counts) ->
                        assertThat(byCombination(counts)).as(slot).isEqualTo(byCombination(oneByOne.get(slot))));
            }
        }
        assertThat(partials).isEqualTo(expectedPartials).isLessThan(20_000 / 2);
    }

    private static Map<String, List<Long>> byCombination(UsageCounts counts) {
        Map<String, List<Long>> lists = new HashMap<>();
        counts.byDimensions.forEach((c, values) -> lists.put(c, Arrays.stream(values).boxed().toList()));
        return lists;
    }

    private static String slot(WindowPartial p) {
        return p.model + "/" + p.backend + "@" + TIME.windowStart(p.createdMillis);
    }
}
