package io.usageanalytics.cost;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.pricing.Price;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class CostSpikeDetectorTest {

    private static final long W = 60_000;
    private static final long T0 = 1_767_225_600_000L;

    private KeyedOneInputStreamOperatorTestHarness<String, UsageRow, CostAlert> harness;

    private static final SpikeScope TENANT = SpikeScope.dimension("tenant");

    @BeforeEach
    void open() throws Exception {
        judge(SpikeScope.MODELS);
    }

    /** A detector of {@code scope} in place of the current one. */
    private void judge(SpikeScope scope) throws Exception {
        if (harness != null) {
            harness.close();
        }
        // factor 3, minimum $1, 3 windows of warm-up, newest window weighs 0.5
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new CostSpikeDetector(scope,
                new SpikeRule(3.0, new BigDecimal("1.00"), 3, 0.5), Duration.ofMillis(W)), scope, Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** Window {@code i}'s row of {@code model}/{@code fp}, as the window operator emits it. */
    private void row(int i, String model, String fp, String cost) throws Exception {
        row(i, model, fp, Map.of(), cost);
    }

    /** The same for one combination of dimension values, e.g. {@code tenant=acme, user=u1}. */
    private void row(int i, String model, String fp, Map<String, String> dimensions, String cost) throws Exception {
        long start = T0 + i * W;
        BigDecimal usd = cost == null ? null : new BigDecimal(cost).setScale(Price.COST_SCALE);
        UsageRow r = new UsageRow(start, start + W, model, fp, "", new UsageCounts(), usd, usd);
        r.dimensions = dimensions;
        harness.processElement(new StreamRecord<>(r, start + W - 1));
    }

    /** Tenant and user, in the configured order. */
    private static Map<String, String> by(String tenant, String user) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("tenant", tenant);
        values.put("user", user);
        return values;
    }

    private void close(int i) throws Exception {
        harness.processWatermark(T0 + (i + 1) * W - 1);
    }

    private List<CostAlert> alerts() {
        return harness.extractOutputValues();
    }

    private static CostAlert alert(int i, String model, String cost, String baseline, Double ratio) {
        return alert(i, CostAlert.MODEL, model, cost, baseline, ratio);
    }

    private static CostAlert alert(int i, String scope, String value, String cost, String baseline, Double ratio) {
        return new CostAlert(scope, value, T0 + i * W, T0 + (i + 1) * W,
                new BigDecimal(cost).setScale(Price.COST_SCALE),
                baseline == null ? null : new BigDecimal(baseline).setScale(Price.COST_SCALE), ratio);
    }

    @Test
    void calmSpendRaisesNothing() throws Exception {
        for (int i = 0; i < 8; i++) {
            row(i, "gpt-4o", "fp_a", i % 2 == 0 ? "0.40" : "0.60");
            close(i);
        }
        assertThat(alerts()).isEmpty();
    }

    @Test
    void aSpikeAcrossFingerprintsRaisesOneAlertForItsWindow() throws Exception {
        for (int i = 0; i < 4; i++) {
            row(i, "gpt-4o", "fp_a", "0.50");
            close(i);
        }
        // Window 4: two backends, $2.10 + $0.40 = $2.50, five times the $0.50 baseline.
        row(4, "gpt-4o", "fp_a", "2.10");
        row(4, "gpt-4o", "fp_b", "0.40");
        assertThat(alerts()).isEmpty();
        close(4);
        assertThat(alerts()).containsExactly(alert(4, "gpt-4o", "2.50", "0.50", 5.0));

        // A late re-emission of the judged window changes nothing.
        row(4, "gpt-4o", "fp_a", "9.00");
        close(5);
        assertThat(alerts()).hasSize(1);
    }

    @Test
    void newSpendWithoutHistoryAlertsOnceItReachesTheMinimum() throws Exception {
        row(0, "o3", "fp", "0.99");
        row(0, "o1-pro", "fp", "1.00");
        row(0, "gpt-5", "fp", null); // unpriced rows are not judged
        close(0);
        assertThat(alerts()).containsExactly(alert(0, "o1-pro", "1.00", null, null));
    }

    @Test
    void noRatioAlertDuringWarmUpOrBelowTheMinimum() throws Exception {
        row(0, "gpt-4o", "fp", "0.10");
        close(0);
        row(1, "gpt-4o", "fp", "0.90"); // 9 × baseline, but under $1 and in warm-up
        close(1);
        row(2, "gpt-4o", "fp", "5.00"); // still warming up: 2 windows of history
        close(2);
        assertThat(alerts()).isEmpty();
        row(3, "gpt-4o", "fp", "20.00"); // baseline (0.1, 0.9, 5.0 → 0.5, 2.75) vs 20: ratio > 3
        close(3);
        assertThat(alerts().stream().map(a -> a.windowStart).collect(Collectors.toList()))
                .containsExactly(T0 + 3 * W);
        assertThat(alerts().get(0).baselineUsd).isEqualTo(new BigDecimal("2.750000000000"));
    }

    @Test
    void aTenantsSpikeAcrossModelsRaisesOneAlertForThatTenantAlone() throws Exception {
        judge(TENANT);
        for (int i = 0; i < 4; i++) {
            // acme $0.50 over two models (one fingerprint) and two users, beta $0.40, the guard's rest $0.90
            row(i, "gpt-4o", "fp_a", by("acme", "u1"), "0.20");
            row(i, "gpt-4o", "fp_a", by("acme", "u2"), "0.10");
            row(i, "gpt-4o-mini", "fp_a", by("acme", "u1"), "0.20");
            row(i, "gpt-4o", "fp_a", by("beta", "u3"), "0.40");
            row(i, "gpt-4o", "fp_a", by("__other__", "__other__"), "0.60");
            row(i, "gpt-4o-mini", "fp_a", by("__other__", "__other__"), "0.30");
            close(i);
        }
        // Window 4: acme $2.00 + $0.50 + $0.50 = $3.00, six times its baseline; the others as before.
        row(4, "gpt-4o", "fp_a", by("acme", "u1"), "1.00");
        row(4, "gpt-4o", "fp_a", by("acme", "u1"), "2.00"); // a re-emission replaces the row's cost
        row(4, "gpt-4o", "fp_a", by("acme", "u2"), "0.50");
        row(4, "gpt-4o-mini", "fp_a", by("acme", "u1"), "0.50");
        row(4, "gpt-4o", "fp_a", by("beta", "u3"), "0.40");
        row(4, "gpt-4o", "fp_a", by("__other__", "__other__"), "0.60");
        row(4, "gpt-4o-mini", "fp_a", by("__other__", "__other__"), "0.30");
        close(4);
        assertThat(alerts()).containsExactly(alert(4, "tenant", "acme", "3.00", "0.50", 6.0));
    }

    @Test
    void spendWithoutAValueIsJudgedAsTheEmptyValue() throws Exception {
        judge(TENANT);
        row(0, "gpt-4o", "fp_a", by("", "u1"), "0.60");
        // a row of a window counted before the dimension was configured: no value either
        row(0, "gpt-4o-mini", "fp_a", "0.50");
        row(0, "gpt-4o", "fp_a", by("beta", "u1"), "0.99");
        close(0);
        assertThat(alerts()).containsExactly(alert(0, "tenant", "", "1.10", null, null));
    }
}
