package io.usageanalytics.cost;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.pricing.Price;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

/**
 * Per key of its {@link SpikeScope} (a model, or a dimension's value), compares each closed
 * window's cost with the key's baseline and raises a {@link CostAlert} on a spike (see {@link
 * SpikeRule}). Rows of one window (per model, fingerprint, service tier and combination of
 * dimension values: the key's cost over all of them is judged) arrive when it fires, each window
 * operator's before the watermark that fired it; the window is evaluated once, on that watermark,
 * so an alert comes within one window of the spike. Late re-emissions of evaluated windows are
 * ignored: the alert is about spend as it happened.
 */
public class CostSpikeDetector extends KeyedProcessFunction<String, UsageRow, CostAlert> {

    private static final long serialVersionUID = 1L;

    private final SpikeScope scope;
    private final SpikeRule rule;
    private final long windowMillis;
    private transient ValueState<CostBaseline> state;

    public CostSpikeDetector(SpikeScope scope, SpikeRule rule, Duration window) {
        this.scope = scope;
        this.rule = rule;
        this.windowMillis = window.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("cost-baseline", CostBaseline.class));
    }

    @Override
    public void processElement(UsageRow row, Context ctx, Collector<CostAlert> out) throws Exception {
        CostBaseline b = state.value();
        if (b == null) {
            b = new CostBaseline();
        }
        if (row.costUsd == null || row.windowEnd <= b.evaluatedUntil) {
            return; // unpriced, or a late update of a window already judged
        }
        b.open.put(row.windowEnd + "|" + scope.rowOf(row), row.costUsd.toPlainString());
        state.update(b);
        ctx.timerService().registerEventTimeTimer(row.windowEnd - 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CostAlert> out) throws Exception {
        CostBaseline b = state.value();
        long end = timestamp + 1;
        String prefix = end + "|";
        BigDecimal total = BigDecimal.ZERO.setScale(Price.COST_SCALE);
        boolean any = false;
        for (Iterator<Map.Entry<String, String>> it = b.open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                total = total.add(new BigDecimal(e.getValue()));
                it.remove();
                any = true;
            }
        }
        if (!any) {
            return;
        }
        long start = end - windowMillis;
        boolean reachesMinimum = total.compareTo(rule.minimumUsd()) >= 0;
        if (b.windows == 0) {
            if (reachesMinimum) {
                out.collect(new CostAlert(scope.name(), ctx.getCurrentKey(), start, end, total, null, null));
            }
            b.baselineUsd = total.doubleValue();
        } else {
            BigDecimal baseline = new BigDecimal(b.baselineUsd, MathContext.DECIMAL64)
                    .setScale(Price.COST_SCALE, RoundingMode.HALF_EVEN);
            double ratio = b.baselineUsd > 0 ? total.doubleValue() / b.baselineUsd : Double.POSITIVE_INFINITY;
            if (b.windows >= rule.warmup() && reachesMinimum && ratio > rule.factor()) {
                out.collect(new CostAlert(scope.name(), ctx.getCurrentKey(), start, end, total, baseline,
                        Double.isInfinite(ratio) ? null : ratio));
            }
            b.baselineUsd = rule.smoothing() * total.doubleValue() + (1 - rule.smoothing()) * b.baselineUsd;
        }
        b.windows++;
        b.evaluatedUntil = end;
        state.update(b);
    }
}
