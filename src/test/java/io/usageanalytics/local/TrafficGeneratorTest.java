package io.usageanalytics.local;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generator's output is fixed by its seed (the benchmark and the fault tests depend on it), and
 * its tally's detail, the expectations of the fault tests, adds up to what it generated.
 */
class TrafficGeneratorTest {

    private static final long T0 = 1_767_225_600L;

    @Test
    void outputIsTheSameWithAndWithoutTheDetailAndAsBefore() throws Exception {
        List<TrafficGenerator.Record> plain = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(700);
        List<TrafficGenerator.Record> detailed =
                new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).recordingDetail().next(700);
        // SHA-256 of the records the generator made before its tally had any detail.
        assertThat(digest(plain)).isEqualTo("94dfbb39bd6f8481640eb837a1d1bb5e902382ddd4bda4fc01e6ff8df861ca55");
        assertThat(digest(detailed)).isEqualTo(digest(plain));
    }

    @Test
    void detailAddsUpToTheCounts() {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 3.0, 0.05, 0.05).recordingDetail();
        List<TrafficGenerator.Record> records = generator.next(2000);
        TrafficGenerator.Tally tally = generator.tally();
        assertThat(tally.records).isEqualTo(records.size());
        assertThat(tally.malformedRecords).hasSize((int) tally.malformed).isNotEmpty();
        // The very records emitted, not copies with the same bytes.
        assertThat(tally.malformedRecords).allSatisfy(m -> assertThat(records).anyMatch(r -> r == m));
        long requests = 0;
        long streamed = 0;
        long duplicates = 0;
        for (var e : tally.requestsByMinute.entrySet()) {
            assertThat(e.getKey().minute() % 60).isZero();
            requests += e.getValue().requests;
            streamed += e.getValue().streamedRequests;
            duplicates += e.getValue().duplicates;
        }
        assertThat(List.of(requests, streamed, duplicates))
                .containsExactly(tally.requests, tally.streamedRequests, tally.duplicates);
        assertThat(tally.duplicates).isPositive();
    }

    @Test
    void withoutDetailTheTallyKeepsOnlyCounts() {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 3.0, 0.05, 0.05);
        generator.next(500);
        assertThat(generator.tally().malformed).isPositive();
        assertThat(generator.tally().malformedRecords).isEmpty();
        assertThat(generator.tally().requestsByMinute).isEmpty();
    }

    private static String digest(List<TrafficGenerator.Record> records) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (TrafficGenerator.Record r : records) {
            d.update(r.key());
            d.update((byte) 0);
            d.update(r.value());
            d.update((byte) '\n');
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
