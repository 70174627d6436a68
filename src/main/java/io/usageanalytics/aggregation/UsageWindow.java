package io.usageanalytics.aggregation;

import io.usageanalytics.core.Accounting;
import io.usageanalytics.pricing.BilledTokens;
import io.usageanalytics.pricing.PriceList;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;

/** Adds the key and window bounds to a window's totals; fires again for each late update. */
public class UsageWindow
        extends ProcessWindowFunction<UsageCounts, UsageRow, Tuple2<String, String>, TimeWindow> {

    private static final long serialVersionUID = 1L;

    private final PriceList prices;
    private transient Counter rowsEmitted;
    private transient Counter unpriced;

    public UsageWindow(PriceList prices) {
        this.prices = prices;
    }

    @Override
    public void open(OpenContext openContext) {
        rowsEmitted = Accounting.counter(getRuntimeContext(), Accounting.ROWS_EMITTED);
        unpriced = Accounting.counter(getRuntimeContext(), Accounting.UNPRICED);
    }

    @Override
    public void process(Tuple2<String, String> key, Context context, Iterable<UsageCounts> totals,
            Collector<UsageRow> out) {
        TimeWindow w = context.window();
        // A copy: the accumulator lives on in state and late records keep changing it.
        UsageCounts counts = new UsageCounts();
        counts.add(totals.iterator().next());
        // The cost is linear in the tokens, so pricing the window's totals equals summing
        // per-request costs: one model, one tier, one window, one price.
        BilledTokens tokens = new BilledTokens(counts.promptTokens, counts.cachedPromptTokens,
                counts.cacheWriteTokens, counts.audioPromptTokens, counts.completionTokens,
                counts.audioCompletionTokens);
        String tier = UsageKey.serviceTier(key.f1);
        BigDecimal cost = prices.cost(key.f0, tier, w.getStart(), tokens).orElse(null);
        if (cost == null) {
            unpriced.inc();
        }
        BigDecimal standardCost = prices.cost(key.f0, "", w.getStart(), tokens).orElse(null);
        out.collect(new UsageRow(w.getStart(), w.getEnd(), key.f0, UsageKey.fingerprint(key.f1), tier, counts,
                cost, standardCost));
        rowsEmitted.inc();
    }
}
