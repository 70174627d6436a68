package io.usageanalytics.aggregation;

import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.CodePoints;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.pricing.BilledTokens;
import io.usageanalytics.pricing.PriceList;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adds the key and window bounds to a window's totals and prices them; fires again for each late
 * update. With dimensions, a window gives one row per combination of their values: at the
 * window's first firing, the {@code maxValues} combinations with the most tokens (ties by their
 * text) are chosen, and a combination first seen in a late update is added while fewer are; every
 * other combination is summed into one {@code __other__} row, then and on late updates, so rows
 * only ever grow and their sum is always the window's total.
 */
public class UsageWindow
        extends ProcessWindowFunction<UsageCounts, UsageRow, Tuple2<String, String>, TimeWindow> {

    private static final long serialVersionUID = 1L;

    /** The combinations a window chose at its first firing. */
    private static final ValueStateDescriptor<String[]> CHOSEN =
            new ValueStateDescriptor<>("chosen-combinations", Types.OBJECT_ARRAY(Types.STRING));

    private final PriceList prices;
    private final Dimensions dimensions;
    private final int maxValues;
    private transient Counter rowsEmitted;
    private transient Counter unpriced;
    private transient Counter overflowed;

    public UsageWindow(PriceList prices, Dimensions dimensions, int maxValues) {
        this.prices = prices;
        this.dimensions = dimensions;
        this.maxValues = maxValues;
    }

    @Override
    public void open(OpenContext openContext) {
        rowsEmitted = Accounting.counter(getRuntimeContext(), Accounting.ROWS_EMITTED);
        unpriced = Accounting.counter(getRuntimeContext(), Accounting.UNPRICED);
        overflowed = Accounting.counter(getRuntimeContext(), Accounting.DIMENSION_OVERFLOW_WINDOWS);
    }

    @Override
    public void process(Tuple2<String, String> key, Context context, Iterable<UsageCounts> totals,
            Collector<UsageRow> out) throws Exception {
        UsageCounts total = totals.iterator().next();
        if (dimensions.isEmpty()) {
            // A copy: the accumulator lives on in state and late records keep changing it.
            UsageCounts counts = new UsageCounts();
            counts.add(total);
            emit(key, context.window(), counts, Map.of(), out);
            return;
        }
        if (total.byDimensions == null) {
            // A window restored from a job without dimensions, nothing added since: no values.
            total.add(DimensionCombination.of(new String[0], dimensions.size()), total.columns());
        }
        Map<String, long[]> byCombination = total.byDimensions;
        String other = DimensionCombination.other(dimensions.size());
        ValueState<String[]> chosenState = context.windowState().getState(CHOSEN);
        String[] stored = chosenState.value();
        boolean first = stored == null;
        Set<String> chosen = new LinkedHashSet<>(first ? List.of() : Arrays.asList(stored));
        if (chosen.size() < maxValues) {
            // The first firing chooses; a later one adds a combination first seen late while
            // there is room, as it would have been chosen had it come in time.
            List<String> more = byCombination.entrySet().stream()
                    .filter(c -> !c.getKey().equals(other) && !chosen.contains(c.getKey()))
                    .sorted(UsageWindow::compareByTokens)
                    .limit(maxValues - chosen.size()).map(Map.Entry::getKey).toList();
            if (!more.isEmpty()) {
                chosen.addAll(more);
                chosenState.update(chosen.toArray(String[]::new));
            }
        }
        if (first && byCombination.containsKey(other)) {
            overflowed.inc();
        }
        // Every combination not chosen can only ever count in __other__, so it is folded in there
        // and the window keeps about maxValues combinations for its allowed lateness instead of
        // all it has seen. On the heap backend the window's contents are its state object (which
        // Flink copies on write while a checkpoint holds it), so the fold stays; on RocksDB they
        // are a copy and the fold is redone at each firing. The rows are the same either way.
        long[] rest = total.foldInto(other, chosen);
        for (String combination : chosen) {
            emit(key, context.window(), UsageCounts.ofColumns(byCombination.get(combination)),
                    DimensionCombination.named(combination, dimensions), out);
        }
        if (rest != null) {
            emit(key, context.window(), UsageCounts.ofColumns(rest), DimensionCombination.named(other, dimensions), out);
        }
    }

    /** Most total tokens first; ties by the values' text. */
    private static int compareByTokens(Map.Entry<String, long[]> a, Map.Entry<String, long[]> b) {
        int total = UsageColumn.TOTAL_TOKENS.ordinal();
        int tokens = Long.compare(b.getValue()[total], a.getValue()[total]);
        return tokens != 0 ? tokens : CodePoints.compare(a.getKey(), b.getKey());
    }

    private void emit(Tuple2<String, String> key, TimeWindow w, UsageCounts counts, Map<String, String> named,
            Collector<UsageRow> out) {
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
        // A row of the standard tier costs its standard cost: no second lookup of its price.
        BigDecimal standardCost = PriceList.STANDARD_TIERS.contains(tier) ? cost
                : prices.cost(key.f0, "", w.getStart(), tokens).orElse(null);
        UsageRow row = new UsageRow(w.getStart(), w.getEnd(), key.f0, UsageKey.fingerprint(key.f1), tier, counts,
                cost, standardCost);
        row.dimensions = named;
        out.collect(row);
        rowsEmitted.inc();
    }

    @Override
    public void clear(Context context) {
        context.windowState().getState(CHOSEN).clear();
    }
}
