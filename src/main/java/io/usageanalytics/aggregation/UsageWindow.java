package io.usageanalytics.aggregation;

import io.usageanalytics.Accounting;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Adds the key and window bounds to a window's totals; fires again for each late update. */
public class UsageWindow
        extends ProcessWindowFunction<UsageCounts, UsageRow, Tuple2<String, String>, TimeWindow> {

    private static final long serialVersionUID = 1L;

    private transient Counter rowsEmitted;

    @Override
    public void open(OpenContext openContext) {
        rowsEmitted = Accounting.counter(getRuntimeContext(), Accounting.ROWS_EMITTED);
    }

    @Override
    public void process(Tuple2<String, String> key, Context context, Iterable<UsageCounts> totals,
            Collector<UsageRow> out) {
        TimeWindow w = context.window();
        // A copy: the accumulator lives on in state and late records keep changing it.
        UsageCounts counts = new UsageCounts();
        counts.add(totals.iterator().next());
        out.collect(new UsageRow(w.getStart(), w.getEnd(), key.f0, key.f1, counts));
        rowsEmitted.inc();
    }
}
