package io.usageanalytics.local;

import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.local.LiveScreen.ModelUsage;
import io.usageanalytics.local.LiveScreen.ValueCost;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class LiveScreenTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:04:02.400Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(30);
    private static final EventTime MINUTES = new EventTime(MINUTE, OUT_OF_ORDERNESS, Duration.ZERO);
    private static final EventTime SECONDS = new EventTime(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ZERO);

    @Test
    void titleSaysWhenTheFirstRowsAreDueAndLaterWhenTheNextAre() {
        assertThat(LiveScreen.title(NOW, Optional.empty(), MINUTES)).isEqualTo(
                "-- 12:04:02 UTC; today's windows of 1min: no rows yet, the first are due about 12:05:30 --");
        assertThat(LiveScreen.title(NOW, Optional.of(Instant.parse("2026-12-01T12:04:00Z")), MINUTES)).isEqualTo(
                "-- 12:04:02 UTC; today's windows of 1min closed up to 12:04:00; next rows due about 12:05:30 --");
        assertThat(LiveScreen.title(NOW, Optional.of(Instant.parse("2026-12-01T11:00:00Z")), SECONDS)).isEqualTo(
                "-- 12:04:02 UTC; today's windows of 5s closed up to 11:00:00; next rows as records arrive --");
        // Slightly past due is still due: the watermark and the sink's flush take a moment.
        assertThat(LiveScreen.title(Instant.parse("2026-12-01T12:04:08.400Z"),
                Optional.of(Instant.parse("2026-12-01T12:04:00Z")), SECONDS))
                .isEqualTo("-- 12:04:08 UTC; today's windows of 5s closed up to 12:04:00; next rows due about 12:04:07 --");
    }

    @Test
    void tableShowsCostPerModelAndATotalWithExactValues() {
        List<String> lines = LiveScreen.table(List.of(
                new ModelUsage("gpt-4o-2024-08-06", 3, 1500, new BigDecimal("0.012345678901"), 0, 4, 3, 1, 0, 0, 0, 1, 2),
                new ModelUsage("my-model", 1, 20, null, 1, 1, 0, 0, 0, 0, 1, 0, 0)));
        assertThat(lines).containsExactly(
                "model                  requests       tokens    cost_usd stop%  len% tool% filt%  cut% estim dupes",
                "gpt-4o-2024-08-06             3         1500      0.0123  75.0  25.0   0.0   0.0   0.0     1     2",
                "my-model                      1           20           ?   0.0   0.0   0.0   0.0 100.0     0     0",
                "total                         4         1520    0.0123+?  60.0  20.0   0.0   0.0  20.0     1     2");
        assertThat(LiveScreen.table(List.of())).containsExactly(
                "model                  requests       tokens    cost_usd stop%  len% tool% filt%  cut% estim dupes",
                "(no rows)");
    }

    @Test
    void costPerValueOfADimensionFollowsTheTableInOneLine() {
        assertThat(LiveScreen.byValue("tenant", List.of(new ValueCost("acme", new BigDecimal("1.23456")),
                new ValueCost("globex", new BigDecimal("0.2")), new ValueCost("", new BigDecimal("0.00004")),
                new ValueCost("hooli", null)))).isEqualTo("cost_usd by tenant: acme 1.2346, globex 0.2000, '' 0.0000, hooli ?");
    }

    /** Values that do not fit are counted; a long one is clipped like a model's name. */
    @Test
    void valuesThatDoNotFitAreCounted() {
        List<ValueCost> values = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            values.add(new ValueCost("user-" + (1000 + i), BigDecimal.valueOf(12 - i)));
        }
        String line = LiveScreen.byValue("user", values);
        assertThat(line).isEqualTo("cost_usd by user: user-1000 12.0000, user-1001 11.0000, user-1002 10.0000,"
                + " user-1003 9.0000, 8 more");
        assertThat(line.length()).isLessThanOrEqualTo(LiveScreen.WIDTH);
        assertThat(LiveScreen.byValue("team", List.of(new ValueCost("x".repeat(256), BigDecimal.ONE))))
                .isEqualTo("cost_usd by team: " + "x".repeat(23) + "~ 1.0000");
        assertThat(LiveScreen.byValue("d".repeat(32), List.of(new ValueCost("x".repeat(256), new BigDecimal("99999999.5")),
                new ValueCost("y".repeat(256), BigDecimal.ONE), new ValueCost("z".repeat(256), BigDecimal.ONE))))
                .isEqualTo("cost_usd by " + "d".repeat(32) + ": " + "x".repeat(23) + "~ 100000000, 2 more");
    }

    @Test
    void everyLineFitsOneHundredColumnsWhateverTheValues() {
        List<String> lines = new ArrayList<>(LiveScreen.table(List.of(new ModelUsage(
                "ft:gpt-4o-mini-2024-07-18:acme-corp:support-bot:9aBcDeFg", 99_999_999, 999_999_999_999L,
                new BigDecimal("99999999.123456789012"), 0, 100_000_000, 33_333_333, 33_333_333, 33_333_334, 0, 0,
                99_999_999, 99_999))));
        lines.add(LiveScreen.title(NOW, Optional.of(Instant.parse("2026-12-01T12:04:00Z")),
                new EventTime(Duration.ofMillis(1500), Duration.ofMinutes(10), Duration.ZERO)));
        lines.addAll(LiveScreen.accounting(Optional.of(Map.of(Accounting.RECORDS_IN, 9_999_999_999L,
                Accounting.RECORDS_AGGREGATED, 9_999_999_000L, Accounting.REJECTED, 999L))));
        lines.addAll(LiveScreen.accounting(Optional.of(Map.of(Accounting.RECORDS_IN, Long.MAX_VALUE,
                Accounting.RECORDS_AGGREGATED, Long.MAX_VALUE - 4, Accounting.REJECTED, 1L,
                Accounting.DUPLICATES_DROPPED, 1L, Accounting.SKIPPED, 1L))));
        assertThat(lines).allSatisfy(line -> assertThat(line.length()).as(line).isLessThanOrEqualTo(LiveScreen.WIDTH));
        assertThat(lines.get(1)).isEqualTo("ft:gpt-4o-mini-2024-0~ 99999999 999999999999    99999999  33.3  33.3"
                + "  33.3   0.0   0.0  100M 99999");
        assertThat(LiveScreen.fit(1_234_567, 5)).isEqualTo("1.2M");
        assertThat(LiveScreen.fit(123_456_789, 5)).isEqualTo("123M");
        assertThat(LiveScreen.fit(12_345, 5)).isEqualTo("12345");
    }

    @Test
    void accountingAddsUpWithWhatIsStillInFlight() {
        assertThat(LiveScreen.accounting(Optional.of(Map.of(Accounting.RECORDS_IN, 6126L,
                Accounting.RECORDS_AGGREGATED, 2603L, Accounting.REJECTED, 9L, Accounting.DUPLICATES_DROPPED, 8L,
                "rejected_malformed_json", 7L, "rejected_late", 2L, Accounting.REQUESTS_AGGREGATED, 900L))))
                .containsExactly(
                        "this run: records_in 6126 = aggregated 2603 + rejected 9 + duplicates 8 + in_flight 3506",
                        "rejected by reason: late 2, malformed_json 7");
        // Azure's preambles, skipped: a term of their own, on the next line where the line is full.
        assertThat(LiveScreen.accounting(Optional.of(Map.of(Accounting.RECORDS_IN, 6126L,
                Accounting.RECORDS_AGGREGATED, 2603L, Accounting.REJECTED, 9L, Accounting.DUPLICATES_DROPPED, 8L,
                Accounting.SKIPPED, 41L, "skipped_prompt_filter_preamble", 41L))))
                .containsExactly(
                        "this run: records_in 6126 = aggregated 2603 + rejected 9 + duplicates 8 + skipped 41",
                        "          + in_flight 3465");
        assertThat(LiveScreen.accounting(Optional.of(Map.of(Accounting.RECORDS_IN, 612L,
                Accounting.RECORDS_AGGREGATED, 500L, Accounting.SKIPPED, 12L))))
                .containsExactly(
                        "this run: records_in 612 = aggregated 500 + rejected 0 + duplicates 0 + skipped 12"
                                + " + in_flight 100");
        assertThat(LiveScreen.accounting(Optional.empty())).containsExactly(
                "accounting: not available yet (the job is starting or restarting)");
    }
}
