package io.usageanalytics.parsing;

import io.usageanalytics.core.Accounting;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Counts every input record, sends rejects to the {@link Reject#OUTPUT} side output and drops
 * (counting) the records skipped by design.
 */
public class ParsedRecordRouter extends ProcessFunction<ParsedRecord, LoggedObject> {

    private static final long serialVersionUID = 1L;

    private transient Counter recordsIn;
    private transient Counter completionsIn;
    private transient Counter chunksIn;
    private transient Accounting.ByReason rejects;
    private transient Accounting.ByReason skipped;

    @Override
    public void open(OpenContext openContext) {
        recordsIn = Accounting.counter(getRuntimeContext(), Accounting.RECORDS_IN);
        completionsIn = Accounting.counter(getRuntimeContext(), Accounting.COMPLETIONS_IN);
        chunksIn = Accounting.counter(getRuntimeContext(), Accounting.CHUNKS_IN);
        rejects = Accounting.ByReason.rejects(getRuntimeContext());
        skipped = Accounting.ByReason.skipped(getRuntimeContext());
    }

    @Override
    public void processElement(ParsedRecord record, Context ctx, Collector<LoggedObject> out) {
        recordsIn.inc();
        if (record.reject != null) {
            rejects.inc(record.reject.reason);
            ctx.output(Reject.OUTPUT, record.reject);
            return;
        }
        if (record.skipped != null) {
            skipped.inc(record.skipped);
            return;
        }
        (record.object.chunk ? chunksIn : completionsIn).inc();
        out.collect(record.object);
    }
}
