package io.usageanalytics.assembly;

import io.usageanalytics.core.BetweenWatermarks;
import io.usageanalytics.parsing.FoldedRecords;
import io.usageanalytics.parsing.LoggedObject;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the chunks of each stream that one source task reads between two watermarks into one run
 * ({@link StreamAssembly#asRun}), in the source task, so that a long stream crosses the network
 * to the {@link ChunkAssembler} and touches its state a few times instead of once per chunk.
 *
 * <p>Nothing is decided here, so nothing changes but the number of records: a run is emitted
 * <ul>
 *   <li>before every watermark and watermark status the task forwards, so that it reaches the
 *       assembler under the very watermark its chunks would have (and is late, or not, as they
 *       would have been);</li>
 *   <li>before any other record of its id (a completion, a chunk of another model or
 *       {@code created}), so that the assembler sees each id's records in the order they were
 *       read;</li>
 *   <li>before every checkpoint barrier, so that a checkpoint holds no run: this operator has no
 *       state, and a savepoint of a release without it restores;</li>
 *   <li>after a stream's usage chunk (with no choices: the last a stream sends), so that a run
 *       whose stream has ended does not wait for the watermark;</li>
 *   <li>at the end of input, when it has {@value #MAX_RUN_CHUNKS} chunks, when
 *       {@value #MAX_OPEN_RUNS} runs are open, and {@value BetweenWatermarks#MAX_HOLD_MILLIS} ms after
 *       the oldest open run began, so that memory and delay stay bounded whatever the watermarks do.</li>
 * </ul>
 * A run keeps every chunk's original record: the assembler may still reject the run (late, not
 * matching its stream, past the chunk limit), and then each chunk's bytes go to the dead letters.
 * Its token estimate is made only if it ends without usage.
 */
public class ChunkMerger extends BetweenWatermarks<LoggedObject, LoggedObject> {

    private static final long serialVersionUID = 1L;

    static final int MAX_RUN_CHUNKS = 1024;
    static final int MAX_OPEN_RUNS = 10_000;

    /** The open runs by id, oldest first. */
    private transient Map<String, Run> open;
    private transient TokenEstimator estimator;

    private static final class Run {
        final StreamAssembly fold;
        final List<LoggedObject> chunks = new ArrayList<>();

        Run(LoggedObject first) {
            fold = StreamAssembly.of(first.model, first.created);
        }

        boolean takes(LoggedObject o) {
            return o.chunk && fold.model.equals(o.model) && fold.created == o.created;
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new LinkedHashMap<>();
        estimator = new TokenEstimator();
    }

    @Override
    public void processElement(StreamRecord<LoggedObject> element) {
        LoggedObject o = element.getValue();
        Run run = open.get(o.id);
        if (run != null && !run.takes(o)) {
            emit(o.id, open.remove(o.id));
            run = null;
        }
        if (!o.chunk) {
            output.collect(element);
            return;
        }
        if (run == null) {
            if (open.size() >= MAX_OPEN_RUNS) {
                emitAll();
            }
            run = new Run(o);
            open.put(o.id, run);
            holding();
        }
        run.fold.add(o);
        run.chunks.add(o);
        // A chunk with usage and no choices is the last one a stream sends (OpenAI's and vLLM's
        // usage chunk): its run goes at once rather than living on, records and all, until the
        // watermark. Going early never changes what the assembler decides.
        if (run.chunks.size() >= MAX_RUN_CHUNKS || (o.usage != null && o.choices.isEmpty())) {
            emit(o.id, open.remove(o.id));
        }
    }

    @Override
    protected void emitAll() {
        for (Map.Entry<String, Run> run : open.entrySet()) {
            emit(run.getKey(), run.getValue());
        }
        open.clear();
    }

    private void emit(String id, Run run) {
        FoldedRecords originals = new FoldedRecords(run.chunks.size());
        for (LoggedObject chunk : run.chunks) {
            originals.keep(chunk);
            // Tokenized only now, and only without usage: most streams end with their usage, and
            // a run holding it needs no estimate, as the stream it belongs to will have usage.
            if (run.fold.usage == null) {
                run.fold.estimatedTokens += estimator.estimate(chunk);
            }
        }
        LoggedObject folded = run.fold.asRun(id, originals);
        output.collect(new StreamRecord<>(folded, folded.createdMillis()));
    }
}
