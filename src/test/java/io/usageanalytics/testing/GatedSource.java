package io.usageanalytics.testing;

import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An unbounded source of raw records that the test hands over one at a time ({@link #send}),
 * parsed like the Kafka source parses them, as one partition (one split, read by subtask 0). It
 * ends only when the test says so ({@link #finish}), or the job is cancelled. The reader never
 * blocks its task: with nothing handed over it reports so and the task keeps emitting periodic
 * watermarks, like a Kafka reader on a quiet partition.
 *
 * <p>The records travel through a static registry, so the job must run in this JVM (a
 * MiniCluster). Records already read are not replayed after a failover; the tests using this run
 * without restarts.
 */
public final class GatedSource implements Source<ParsedRecord, GatedSource.Split, Boolean> {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();

    /** The topic name the records' coordinates carry; the offset is the position handed over. */
    public static final String TOPIC = "gated";

    private final String id = UUID.randomUUID().toString();
    private final Dimensions dimensions;

    /** Parses what it is handed as the job's source would with {@code dimensions}. */
    public GatedSource(Dimensions dimensions) {
        this.dimensions = dimensions;
        GATES.put(id, new Gate());
    }

    /** Hands {@code value} to the reader; it is read after every record handed over before it. */
    public void send(byte[] value) {
        gate().send(value);
    }

    /** The end of input: the reader ends once it has read everything handed over. */
    public void finish() {
        gate().finish();
    }

    /** Forgets the records not read (after the job has ended). */
    public void discard() {
        GATES.remove(id);
    }

    private Gate gate() {
        Gate g = GATES.get(id);
        if (g == null) {
            throw new IllegalStateException("gated source " + id + " was discarded");
        }
        return g;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<ParsedRecord, Split> createReader(SourceReaderContext context) {
        return new Reader(gate(), dimensions);
    }

    @Override
    public SplitEnumerator<Split, Boolean> createEnumerator(SplitEnumeratorContext<Split> context) {
        return new Enumerator(context, new Split(id, 0));
    }

    @Override
    public SplitEnumerator<Split, Boolean> restoreEnumerator(SplitEnumeratorContext<Split> context,
            Boolean assigned) {
        return new Enumerator(context, assigned ? null : new Split(id, 0));
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<Boolean> getEnumeratorCheckpointSerializer() {
        return new SimpleVersionedSerializer<>() {
            @Override
            public int getVersion() {
                return 1;
            }

            @Override
            public byte[] serialize(Boolean assigned) {
                return new byte[] {(byte) (assigned ? 1 : 0)};
            }

            @Override
            public Boolean deserialize(int version, byte[] serialized) {
                return serialized[0] == 1;
            }
        };
    }

    /** The records handed over and not yet read; thread-safe between the test and the reader. */
    private static final class Gate {
        private final ArrayDeque<byte[]> records = new ArrayDeque<>();
        private boolean finished;
        private CompletableFuture<Void> waiting = new CompletableFuture<>();

        synchronized void send(byte[] value) {
            if (finished) {
                throw new IllegalStateException("the gated source has already finished");
            }
            // a Kafka record's value may be null; the deque's may not
            records.add(value == null ? NULL_VALUE : value);
            waiting.complete(null);
        }

        synchronized void finish() {
            finished = true;
            waiting.complete(null);
        }

        /** The next record, {@link #NONE} if there is none yet, or {@code null} at the end. */
        synchronized byte[] poll() {
            byte[] next = records.poll();
            if (next != null) {
                return next;
            }
            return finished ? null : NONE;
        }

        synchronized CompletableFuture<Void> available() {
            if (!records.isEmpty() || finished) {
                return CompletableFuture.completedFuture(null);
            }
            if (waiting.isDone()) {
                waiting = new CompletableFuture<>();
            }
            return waiting;
        }
    }

    private static final byte[] NONE = new byte[0];
    private static final byte[] NULL_VALUE = new byte[0];

    /** The one partition: which gate, and the position of the next record. */
    public static final class Split implements SourceSplit {
        final String gate;
        long next;

        Split(String gate, long next) {
            this.gate = gate;
            this.next = next;
        }

        @Override
        public String splitId() {
            return gate;
        }
    }

    private static final class Reader implements SourceReader<ParsedRecord, Split> {
        private final Gate gate;
        private final LoggedObjectParser parser;
        private final CompletableFuture<Void> assigned = new CompletableFuture<>();
        private Split split;
        private SourceOutput<ParsedRecord> splitOutput;
        private boolean noMoreSplits;

        Reader(Gate gate, Dimensions dimensions) {
            this.gate = gate;
            this.parser = new LoggedObjectParser(dimensions);
        }

        @Override
        public void start() {}

        @Override
        public InputStatus pollNext(ReaderOutput<ParsedRecord> output) {
            if (split == null) {
                return noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
            }
            if (splitOutput == null) {
                // Per split, as Kafka's reader does per partition: the watermark generator sees
                // exactly this split's records.
                splitOutput = output.createOutputForSplit(split.splitId());
            }
            byte[] value = gate.poll();
            if (value == null) {
                output.releaseOutputForSplit(split.splitId());
                return InputStatus.END_OF_INPUT;
            }
            if (value == NONE) {
                return InputStatus.NOTHING_AVAILABLE;
            }
            // identity: a null value was handed over as this marker
            byte[] original = value == NULL_VALUE ? null : value;
            splitOutput.collect(parser.parse(new LoggedRecord(original, null, TOPIC, 0, split.next++)));
            return InputStatus.MORE_AVAILABLE;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            if (split == null) {
                return noMoreSplits ? CompletableFuture.completedFuture(null) : assigned;
            }
            return gate.available();
        }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            return split == null ? List.of() : List.of(new Split(split.gate, split.next));
        }

        @Override
        public void addSplits(List<Split> splits) {
            split = splits.get(0);
            assigned.complete(null);
        }

        @Override
        public void notifyNoMoreSplits() {
            noMoreSplits = true;
            assigned.complete(null);
        }

        @Override
        public void close() {}
    }

    /** Gives the one split to subtask 0; other subtasks, if any, end at once. */
    private static final class Enumerator implements SplitEnumerator<Split, Boolean> {
        private final SplitEnumeratorContext<Split> context;
        private Split unassigned;

        Enumerator(SplitEnumeratorContext<Split> context, Split unassigned) {
            this.context = context;
            this.unassigned = unassigned;
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtask, String host) {}

        @Override
        public void addSplitsBack(List<Split> splits, int subtask) {
            unassigned = splits.get(0);
        }

        @Override
        public void addReader(int subtask) {
            if (subtask == 0 && unassigned != null) {
                context.assignSplit(unassigned, 0);
                unassigned = null;
            }
            context.signalNoMoreSplits(subtask);
        }

        @Override
        public Boolean snapshotState(long checkpointId) {
            return unassigned == null;
        }

        @Override
        public void close() {}
    }

    private static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Split split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(split.gate);
                out.writeLong(split.next);
            }
            return bytes.toByteArray();
        }

        @Override
        public Split deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return new Split(in.readUTF(), in.readLong());
            }
        }
    }

    /** For messages: how many records handed over are not read yet. */
    public int unread() {
        Gate g = GATES.get(id);
        if (g == null) {
            return 0;
        }
        synchronized (g) {
            return g.records.size();
        }
    }
}
