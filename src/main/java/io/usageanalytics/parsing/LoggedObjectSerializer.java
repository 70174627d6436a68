package io.usageanalytics.parsing;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link LoggedObject} between the parsing and assembly stages, where every input record
 * crosses the {@code keyBy} on its id. Flink's POJO serializer spent most of that crossing on
 * reflection per field and on writing strings a character at a time; this one writes fields in a
 * fixed order and strings as UTF-8 in bulk. A {@code LoggedObject} is never kept in state and
 * savepoints hold no records in flight, so upgrades from a savepoint never read an old format. An
 * unaligned checkpoint (if a cluster enables them) does hold some: a change to this format must
 * come with a snapshot that reports the old format incompatible, so such a restore fails clearly.
 */
public final class LoggedObjectSerializer extends TypeSerializerSingleton<LoggedObject> {

    private static final long serialVersionUID = 1L;

    public static final LoggedObjectSerializer INSTANCE = new LoggedObjectSerializer();

    /** String markers: absent, UTF-8 bytes follow, UTF-16 units follow (text with surrogates). */
    private static final byte NULL = 0;
    private static final byte UTF8 = 1;
    private static final byte UTF16 = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public LoggedObject createInstance() {
        return new LoggedObject();
    }

    @Override
    public LoggedObject copy(LoggedObject from) {
        LoggedObject to = new LoggedObject();
        to.source = from.source == null ? null : copy(from.source);
        to.chunk = from.chunk;
        to.id = from.id;
        to.model = from.model;
        to.systemFingerprint = from.systemFingerprint;
        to.serviceTier = from.serviceTier;
        to.created = from.created;
        to.choices = new ArrayList<>(from.choices.size());
        for (ChoicePart c : from.choices) {
            ChoicePart d = new ChoicePart(c.index, c.finishReason, c.content);
            d.toolArguments = new HashMap<>(c.toolArguments);
            to.choices.add(d);
        }
        to.usage = from.usage == null ? null : Usage.of(from.usage.counts());
        to.dimensions = from.dimensions.clone();
        if (from.folded != null) {
            to.folded = new ArrayList<>(from.folded.size());
            for (LoggedRecord record : from.folded) {
                to.folded.add(copy(record));
            }
            to.choiceChunks = from.choiceChunks;
            to.estimatedTokens = from.estimatedTokens;
        }
        return to;
    }

    private static LoggedRecord copy(LoggedRecord from) {
        LoggedRecord to = new LoggedRecord(copyOf(from.value), copyOf(from.key), from.topic, from.partition, from.offset);
        if (from.headers != null) {
            to.headers = new LinkedHashMap<>();
            from.headers.forEach((name, value) -> to.headers.put(name, copyOf(value)));
        }
        return to;
    }

    @Override
    public LoggedObject copy(LoggedObject from, LoggedObject reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(LoggedObject o, DataOutputView out) throws IOException {
        out.writeBoolean(o.source != null);
        if (o.source != null) {
            writeRecord(o.source, out);
        }
        out.writeBoolean(o.chunk);
        writeString(o.id, out);
        writeString(o.model, out);
        writeString(o.systemFingerprint, out);
        writeString(o.serviceTier, out);
        out.writeLong(o.created);
        out.writeInt(o.choices.size());
        for (ChoicePart c : o.choices) {
            out.writeInt(c.index);
            writeString(c.finishReason, out);
            writeString(c.content, out);
            out.writeInt(c.toolArguments.size());
            for (Map.Entry<Integer, String> tool : c.toolArguments.entrySet()) {
                out.writeInt(tool.getKey());
                writeString(tool.getValue(), out);
            }
        }
        Usage u = o.usage;
        out.writeBoolean(u != null);
        if (u != null) {
            for (long count : u.counts()) {
                out.writeLong(count);
            }
        }
        out.writeInt(o.dimensions.length);
        for (String value : o.dimensions) {
            writeString(value, out);
        }
        out.writeBoolean(o.folded != null);
        if (o.folded != null) {
            FoldedRecords.write(o.folded, out);
            out.writeLong(o.choiceChunks);
            out.writeLong(o.estimatedTokens);
        }
    }

    private static void writeRecord(LoggedRecord record, DataOutputView out) throws IOException {
        writeBytes(record.value, out);
        writeBytes(record.key, out);
        writeString(record.topic, out);
        out.writeInt(record.partition);
        out.writeLong(record.offset);
        writeHeaders(record.headers, out);
    }

    private static LoggedRecord readRecord(DataInputView in) throws IOException {
        LoggedRecord record = new LoggedRecord(readBytes(in), readBytes(in), readString(in), in.readInt(), in.readLong());
        record.headers = readHeaders(in);
        return record;
    }

    static void writeHeaders(Map<String, byte[]> headers, DataOutputView out) throws IOException {
        out.writeInt(headers == null ? -1 : headers.size());
        if (headers != null) {
            for (Map.Entry<String, byte[]> header : headers.entrySet()) {
                writeString(header.getKey(), out);
                writeBytes(header.getValue(), out);
            }
        }
    }

    static Map<String, byte[]> readHeaders(DataInputView in) throws IOException {
        int size = in.readInt();
        if (size < 0) {
            return null;
        }
        Map<String, byte[]> headers = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            headers.put(readString(in), readBytes(in));
        }
        return headers;
    }

    @Override
    public LoggedObject deserialize(DataInputView in) throws IOException {
        LoggedObject o = new LoggedObject();
        if (in.readBoolean()) {
            o.source = readRecord(in);
        }
        o.chunk = in.readBoolean();
        o.id = readString(in);
        o.model = readString(in);
        o.systemFingerprint = readString(in);
        o.serviceTier = readString(in);
        o.created = in.readLong();
        int choices = in.readInt();
        List<ChoicePart> parts = new ArrayList<>(choices);
        for (int i = 0; i < choices; i++) {
            ChoicePart c = new ChoicePart(in.readInt(), readString(in), readString(in));
            int tools = in.readInt();
            for (int t = 0; t < tools; t++) {
                c.toolArguments.put(in.readInt(), readString(in));
            }
            parts.add(c);
        }
        o.choices = parts;
        if (in.readBoolean()) {
            long[] counts = new long[Usage.COUNTS];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = in.readLong();
            }
            o.usage = Usage.of(counts);
        }
        o.dimensions = new String[in.readInt()];
        for (int i = 0; i < o.dimensions.length; i++) {
            o.dimensions[i] = readString(in);
        }
        if (in.readBoolean()) {
            o.folded = FoldedRecords.read(in);
            o.choiceChunks = in.readLong();
            o.estimatedTokens = in.readLong();
        }
        return o;
    }

    @Override
    public LoggedObject deserialize(LoggedObject reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<LoggedObject> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Names the serializer and its format. Format 3 (written by the base class of earlier
     * releases) lacked the service tier and the usage details, format 4 the runs of folded
     * chunks, format 5 wrote each of a run's records whole; data in any of them cannot be read,
     * so a restore of an unaligned checkpoint holding some fails clearly instead of misreading it.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<LoggedObject> {
        /**
         * Version 6: a run's records by their shapes (version 5: runs of folded chunks; version
         * 4: service tier, usage details, dimensions, headers).
         */
        private static final int FORMAT = 6;
        private int format = FORMAT;

        @Override
        public int getCurrentVersion() {
            return FORMAT;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {}

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) {
            format = readVersion;
        }

        @Override
        public TypeSerializer<LoggedObject> restoreSerializer() {
            return INSTANCE;
        }

        @Override
        public TypeSerializerSchemaCompatibility<LoggedObject> resolveSchemaCompatibility(
                TypeSerializerSnapshot<LoggedObject> old) {
            return old instanceof Snapshot && ((Snapshot) old).format == FORMAT
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    private static byte[] copyOf(byte[] bytes) {
        return bytes == null ? null : bytes.clone();
    }

    static void writeBytes(byte[] bytes, DataOutputView out) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    static byte[] readBytes(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /**
     * UTF-8 round-trips every string but one holding a lone surrogate (JSON's {@code "\ud800"}
     * escape), which it would turn into {@code ?}; such text goes as UTF-16 units, exactly.
     */
    static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(NULL);
        } else if (hasSurrogate(s)) {
            out.writeByte(UTF16);
            out.writeInt(s.length());
            out.writeChars(s);
        } else {
            out.writeByte(UTF8);
            writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
        }
    }

    static String readString(DataInputView in) throws IOException {
        byte kind = in.readByte();
        if (kind == NULL) {
            return null;
        }
        if (kind == UTF8) {
            return new String(readBytes(in), StandardCharsets.UTF_8);
        }
        char[] units = new char[in.readInt()];
        for (int i = 0; i < units.length; i++) {
            units[i] = in.readChar();
        }
        return new String(units);
    }

    private static boolean hasSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
