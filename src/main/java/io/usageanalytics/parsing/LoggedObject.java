package io.usageanalytics.parsing;

import org.apache.flink.api.common.typeinfo.TypeInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A validated {@code chat.completion} or {@code chat.completion.chunk}, reduced to what usage
 * accounting needs. It keeps its {@link LoggedRecord} so that a later stage can still dead-letter
 * the original bytes (a late chunk, say). Every input record crosses the network as one of these,
 * so it has its own {@link LoggedObjectSerializer}.
 *
 * <p>It is also a <em>run</em>: consecutive chunks of one stream that a source task read between
 * two watermarks, folded into one before they cross the network ({@code ChunkMerger}). A run's
 * fields are the fold of its chunks' (one choice per index with its finish reason, no text), and
 * it keeps every chunk's original record in {@link #folded}, so that whatever a later stage
 * rejects still reaches the dead letters byte for byte.
 */
@TypeInfo(LoggedObjectType.Factory.class)
public class LoggedObject {

    public static final String COMPLETION = "chat.completion";
    public static final String CHUNK = "chat.completion.chunk";

    public LoggedRecord source;
    /** {@code true} for a {@code chat.completion.chunk}. */
    public boolean chunk;
    public String id;
    public String model;
    /** {@code ""} when the field is absent or null. */
    public String systemFingerprint = "";
    /** {@code service_tier}; {@code ""} when the field is absent or null. */
    public String serviceTier = "";
    /** Unix seconds. */
    public long created;
    public List<ChoicePart> choices = new ArrayList<>();
    /** {@code null} when absent or null. */
    public Usage usage;
    /** The value of each configured dimension, {@code ""} where the record has none. */
    public String[] dimensions = new String[0];
    /**
     * A run's chunks' original records, in the order they were read ({@link FoldedRecords} as a
     * run crosses the network); {@code null} for one record.
     */
    public List<LoggedRecord> folded;
    /** A run's chunks that carried choices. */
    public long choiceChunks;
    /** A run's tokens of generated text, estimated in the source task while it had no usage. */
    public long estimatedTokens;

    /**
     * For a chunk read by the shape of one before it, or kept as a shape itself: that shape, where
     * this record's content string ends, and where its usage object lies (a shape with usage).
     * Outside those the record is the shape's bytes, so a run keeps only them
     * ({@link FoldedRecords#keep}). Not sent on.
     */
    transient ChunkShapes.Shape shape;
    transient int contentEnd;
    transient int usageFrom;
    transient int usageTo;

    public LoggedObject() {}

    /** The input records this object stands for: one, or a run's chunks. */
    public int records() {
        return folded == null ? 1 : folded.size();
    }

    /** The original record of each input record this object stands for. */
    public List<LoggedRecord> sources() {
        return folded == null ? Collections.singletonList(source) : folded;
    }

    /** How many of the chunks this object stands for carried choices. */
    public long choiceChunks() {
        return folded != null ? choiceChunks : choices.isEmpty() ? 0 : 1;
    }

    public long createdMillis() {
        return created * 1000L;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LoggedObject)) {
            return false;
        }
        LoggedObject that = (LoggedObject) o;
        return chunk == that.chunk
                && created == that.created
                && Objects.equals(source, that.source)
                && Objects.equals(id, that.id)
                && Objects.equals(model, that.model)
                && Objects.equals(systemFingerprint, that.systemFingerprint)
                && Objects.equals(serviceTier, that.serviceTier)
                && Objects.equals(choices, that.choices)
                && Objects.equals(usage, that.usage)
                && Arrays.equals(dimensions, that.dimensions)
                && Objects.equals(folded, that.folded)
                && choiceChunks == that.choiceChunks
                && estimatedTokens == that.estimatedTokens;
    }

    @Override
    public int hashCode() {
        return Objects.hash(chunk, id, model, systemFingerprint, serviceTier, created, choices, usage);
    }

    @Override
    public String toString() {
        return (chunk ? "Chunk{" : "Completion{") + id + ", " + model + ", fp=" + systemFingerprint
                + ", tier=" + serviceTier + ", created=" + created + ", choices=" + choices + ", usage=" + usage
                + (dimensions.length == 0 ? "" : ", dimensions=" + Arrays.toString(dimensions))
                + (folded == null ? "" : ", run of " + folded.size() + " (" + choiceChunks + " with choices, "
                        + estimatedTokens + " tokens estimated)") + "}";
    }
}
