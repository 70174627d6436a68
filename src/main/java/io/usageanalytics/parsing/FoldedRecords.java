package io.usageanalytics.parsing;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A run's chunks' original records ({@link LoggedObject#folded}), kept small. A chunk read by the
 * shape of one before it ({@link ChunkShapes}) is, byte for byte, that shape's record but for its
 * content string and usage object, so it is kept as those bytes and the index of the shape's
 * record, which the run holds once. Records parsed in full are kept whole. A record is rebuilt
 * when it is asked for, which only a reject or a re-read in the assembler does: most runs cross
 * the network and are counted without it, and the bytes that cross, and are copied and collected
 * on both sides, are a stream's text rather than its every record.
 */
public final class FoldedRecords extends AbstractList<LoggedRecord> {

    /** A shape's record, with where its content string and usage object (-1 without) lie. */
    private record Template(byte[] bytes, int start, int end, int usageStart, int usageEnd) {

        /** The bytes of {@code value} where this template's content and usage lie: content first. */
        byte[] textOf(byte[] value, int contentEnd, int usageFrom, int usageTo) {
            int usage = usageStart < 0 ? 0 : usageTo - usageFrom;
            byte[] text = new byte[contentEnd - start + usage];
            System.arraycopy(value, start, text, 0, contentEnd - start);
            if (usage > 0) {
                System.arraycopy(value, usageFrom, text, contentEnd - start, usage);
            }
            return text;
        }

        /** The record this template is but for {@code text}, whose content is its first {@code split} bytes. */
        byte[] with(byte[] text, int split) {
            int between = usageStart < 0 ? 0 : usageStart - end;
            int after = bytes.length - (usageStart < 0 ? end : usageEnd);
            byte[] value = new byte[start + text.length + between + after];
            System.arraycopy(bytes, 0, value, 0, start);
            System.arraycopy(text, 0, value, start, split);
            int at = start + split;
            if (usageStart >= 0) {
                System.arraycopy(bytes, end, value, at, between);
                at += between;
                System.arraycopy(text, split, value, at, text.length - split);
                at += text.length - split;
            }
            System.arraycopy(bytes, bytes.length - after, value, at, after);
            return value;
        }
    }

    /**
     * One record: whole ({@code template} -1), or its coordinates (its value, if any, not used)
     * and the bytes in which it differs from its template, its content's {@code split} bytes first.
     */
    private record Entry(LoggedRecord record, int template, byte[] text, int split) {}

    private final List<Template> templates = new ArrayList<>(1);
    /** Where each template came from, to share one per shape (the source task's side only). */
    private final List<ChunkShapes.Shape> shapes = new ArrayList<>(1);
    private final List<Entry> entries;

    public FoldedRecords(int expected) {
        entries = new ArrayList<>(expected);
    }

    /**
     * Keeps {@code chunk}'s original record: the bytes that differ from its shape's, if it was read
     * by one or is one.
     */
    public void keep(LoggedObject chunk) {
        ChunkShapes.Shape shape = chunk.shape;
        if (shape == null) {
            entries.add(new Entry(chunk.source, -1, null, 0));
            return;
        }
        int t = indexOf(shape);
        if (t < 0) {
            t = templates.size();
            shapes.add(shape);
            templates.add(new Template(shape.bytes(), shape.start(), shape.end(), shape.usageStart(), shape.usageEnd()));
        }
        byte[] text = templates.get(t).textOf(chunk.source.value, chunk.contentEnd, chunk.usageFrom, chunk.usageTo);
        entries.add(new Entry(chunk.source, t, text, chunk.contentEnd - shape.start()));
    }

    private int indexOf(ChunkShapes.Shape shape) {
        // the newest first: a stream's chunks mostly share the shape kept last
        for (int i = shapes.size() - 1; i >= 0; i--) {
            if (shapes.get(i) == shape) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public LoggedRecord get(int index) {
        Entry e = entries.get(index);
        if (e.template < 0) {
            return e.record;
        }
        LoggedRecord r = e.record;
        LoggedRecord rebuilt = new LoggedRecord(templates.get(e.template).with(e.text, e.split), r.key, r.topic,
                r.partition, r.offset);
        rebuilt.headers = r.headers;
        return rebuilt;
    }

    @Override
    public int size() {
        return entries.size();
    }

    /** What a record shares with the one before it, so that a run's records send their own bytes only. */
    private static final int SAME_TOPIC = 1;
    private static final int SAME_PARTITION = 2;
    private static final int SAME_HEADERS = 4;

    /**
     * Writes {@code records}, any list of them: a {@code FoldedRecords} with its templates, others
     * whole. A record's topic, partition and headers are written only where they differ from the
     * record's before it (a stream's chunks mostly share them).
     */
    static void write(List<LoggedRecord> records, DataOutputView out) throws IOException {
        List<Template> templates = records instanceof FoldedRecords f ? f.templates : List.of();
        out.writeInt(records.size());
        out.writeInt(templates.size());
        for (Template t : templates) {
            LoggedObjectSerializer.writeBytes(t.bytes, out);
            out.writeInt(t.start);
            out.writeInt(t.end);
            out.writeInt(t.usageStart);
            out.writeInt(t.usageEnd);
        }
        LoggedRecord previous = null;
        for (int i = 0; i < records.size(); i++) {
            Entry e = records instanceof FoldedRecords f ? f.entries.get(i) : new Entry(records.get(i), -1, null, 0);
            LoggedRecord r = e.record;
            out.writeInt(e.template);
            if (e.template < 0) {
                LoggedObjectSerializer.writeBytes(r.value, out);
            } else {
                LoggedObjectSerializer.writeBytes(e.text, out);
                out.writeInt(e.split);
            }
            LoggedObjectSerializer.writeBytes(r.key, out);
            int same = previous == null ? 0
                    : (Objects.equals(previous.topic, r.topic) ? SAME_TOPIC : 0)
                            | (previous.partition == r.partition ? SAME_PARTITION : 0)
                            | (LoggedRecord.sameHeaders(previous.headers, r.headers) ? SAME_HEADERS : 0);
            out.writeByte(same);
            if ((same & SAME_TOPIC) == 0) {
                LoggedObjectSerializer.writeString(r.topic, out);
            }
            if ((same & SAME_PARTITION) == 0) {
                out.writeInt(r.partition);
            }
            out.writeLong(r.offset);
            if ((same & SAME_HEADERS) == 0) {
                LoggedObjectSerializer.writeHeaders(r.headers, out);
            }
            previous = r;
        }
    }

    static FoldedRecords read(DataInputView in) throws IOException {
        int size = in.readInt();
        FoldedRecords records = new FoldedRecords(size);
        int templates = in.readInt();
        for (int i = 0; i < templates; i++) {
            records.templates.add(new Template(LoggedObjectSerializer.readBytes(in), in.readInt(), in.readInt(),
                    in.readInt(), in.readInt()));
        }
        LoggedRecord previous = null;
        for (int i = 0; i < size; i++) {
            int template = in.readInt();
            byte[] bytes = LoggedObjectSerializer.readBytes(in);
            int split = template < 0 ? 0 : in.readInt();
            byte[] key = LoggedObjectSerializer.readBytes(in);
            int same = in.readByte();
            String topic = (same & SAME_TOPIC) != 0 ? previous.topic : LoggedObjectSerializer.readString(in);
            int partition = (same & SAME_PARTITION) != 0 ? previous.partition : in.readInt();
            LoggedRecord r = new LoggedRecord(template < 0 ? bytes : null, key, topic, partition, in.readLong());
            // shared with the record before: nothing changes a record's headers once read
            r.headers = (same & SAME_HEADERS) != 0 ? previous.headers : LoggedObjectSerializer.readHeaders(in);
            records.entries.add(new Entry(r, template, template < 0 ? null : bytes, split));
            previous = r;
        }
        return records;
    }
}
