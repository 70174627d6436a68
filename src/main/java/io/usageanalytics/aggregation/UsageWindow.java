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
        // per-request costs: one model, one window, one price.
        BigDecimal cost = prices.cost(key.f0, "", w.getStart(), new BilledTokens(counts.promptTokens,
                counts.cachedPromptTokens, 0, 0, counts.completionTokens, 0)).orElse(null);
        if (cost == null) {
            unpriced.inc();
        }
        out.collect(new UsageRow(w.getStart(), w.getEnd(), key.f0, key.f1, counts, cost));
        rowsEmitted.inc();
    }
}
