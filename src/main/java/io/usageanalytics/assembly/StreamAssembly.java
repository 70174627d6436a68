package io.usageanalytics.assembly;

import io.usageanalytics.core.CodePoints;
import io.usageanalytics.parsing.ChoicePart;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.Usage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What is known so far about one in-flight stream (all chunks of one {@code id}). */
public class StreamAssembly {

    public String model;
    /** The first non-empty fingerprint any chunk carried. */
    public String systemFingerprint = "";
    /**
     * The first non-empty service tier any chunk carried. Added later: a savepoint taken before
     * restores it as {@code null}, which means none yet.
     */
    public String serviceTier = "";
    public long created;
    /** Event time at which the stream is complete and emitted. */
    public long completeAt;
    /** Chunks folded in, for accounting. */
    public long records;
    /** Chunks with choices, for the per-stream limit. */
    public long choiceChunks;
    /** Finish reason per choice index; {@code ""} while the choice has not finished. */
    public Map<Integer, String> finishReasons = new HashMap<>();
    /** The usage with the largest total of any chunk ({@link Usage#latest}), {@code null} if none arrived (yet). */
    public Usage usage;
    /** Tokens of the generated text so far, used only if no usage chunk arrives. */
    public long estimatedTokens;
    /**
     * Per dimension, the smallest non-empty value (by code point) any chunk carried, so that
     * chunks that disagree give the same value in any order. Added later: a savepoint taken
     * before restores it as {@code null}, which means none yet.
     */
    public String[] dimensions;

    /** A new stream, or a new run of chunks, of this model created at this time. */
    public static StreamAssembly of(String model, long created) {
        StreamAssembly s = new StreamAssembly();
        s.model = model;
        s.created = created;
        return s;
    }

    /**
     * Folds in one more chunk, or a run of them (whose fields are already its chunks' fold): the
     * same rules either way, so a stream folded from runs equals the stream folded chunk by chunk.
     * The token estimate is the caller's: only a stream that ends without usage needs one.
     */
    public void add(LoggedObject piece) {
        records += piece.records();
        choiceChunks += piece.choiceChunks();
        if (systemFingerprint.isEmpty()) {
            systemFingerprint = piece.systemFingerprint;
        }
        if (serviceTier == null || serviceTier.isEmpty()) {
            serviceTier = piece.serviceTier;
        }
        usage = Usage.latest(usage, piece.usage);
        addDimensions(piece.dimensions);
        for (ChoicePart c : piece.choices) {
            if (c.finishReason != null) {
                finishReasons.put(c.index, c.finishReason);
            } else {
                finishReasons.putIfAbsent(c.index, "");
            }
        }
    }

    /** This fold as one run of the stream {@code id}, with its chunks' original records. */
    public LoggedObject asRun(String id, List<LoggedRecord> originals) {
        LoggedObject run = new LoggedObject();
        run.chunk = true;
        run.id = id;
        run.model = model;
        run.systemFingerprint = systemFingerprint;
        run.serviceTier = serviceTier;
        run.created = created;
        run.choices = new ArrayList<>(finishReasons.size());
        for (Map.Entry<Integer, String> reason : finishReasons.entrySet()) {
            run.choices.add(new ChoicePart(reason.getKey(), reason.getValue().isEmpty() ? null : reason.getValue(), null));
        }
        run.usage = usage;
        run.dimensions = dimensions == null ? new String[0] : dimensions;
        run.folded = originals;
        run.choiceChunks = choiceChunks;
        run.estimatedTokens = estimatedTokens;
        return run;
    }

    /** Takes in the dimension values of one more chunk. */
    public void addDimensions(String[] values) {
        if (dimensions == null || dimensions.length != values.length) {
            // new, or restored from a job with other dimensions: what is not known is empty
            dimensions = Arrays.copyOf(dimensions == null ? values : dimensions, values.length);
            Arrays.setAll(dimensions, i -> dimensions[i] == null ? "" : dimensions[i]);
        }
        for (int i = 0; i < values.length; i++) {
            String v = values[i];
            if (!v.isEmpty() && (dimensions[i].isEmpty() || CodePoints.compare(v, dimensions[i]) < 0)) {
                dimensions[i] = v;
            }
        }
    }

    public StreamAssembly() {}

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StreamAssembly)) {
            return false;
        }
        StreamAssembly that = (StreamAssembly) o;
        return created == that.created
                && completeAt == that.completeAt
                && records == that.records
                && choiceChunks == that.choiceChunks
                && estimatedTokens == that.estimatedTokens
                && Objects.equals(model, that.model)
                && Objects.equals(systemFingerprint, that.systemFingerprint)
                && Objects.equals(serviceTier, that.serviceTier)
                && Objects.equals(finishReasons, that.finishReasons)
                && Objects.equals(usage, that.usage)
                && Arrays.equals(dimensions, that.dimensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, systemFingerprint, serviceTier, created, completeAt, records, choiceChunks,
                finishReasons, usage, estimatedTokens, Arrays.hashCode(dimensions));
    }

    @Override
    public String toString() {
        return "StreamAssembly{" + model + ", fp=" + systemFingerprint + ", tier=" + serviceTier + ", created=" + created
                + ", completeAt=" + completeAt + ", records=" + records + ", finish=" + finishReasons
                + ", usage=" + usage + ", estimated=" + estimatedTokens + "}";
    }
}
