package io.usageanalytics.parsing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The chunks of one stream are, byte for byte, the same JSON but for the text of their delta:
 * {@code {"id":"chatcmpl-1",...,"delta":{"content":" world"},...}}. This remembers, per id, the
 * last text chunk that was parsed in full (its bytes, where its content string lies, and what was
 * read from it), and reads a record that equals it outside that string without the JSON parser.
 *
 * <p>Exact, not a guess: the record's bytes before and after the content string are compared with
 * the remembered chunk's, and the string itself must be one JSON string literal of plain text (no
 * quote, backslash or control character inside; valid UTF-8), so the record's tokens are the
 * remembered chunk's with only that string changed, and the full parse would read exactly this.
 * Anything else (another shape, an escape, a different length of anything but the text) is
 * parsed in full. Shapes are kept in a table of {@value #SLOTS} slots by a hash of the id (a
 * new id takes its slot over), each with a shape per choice index: a lookup allocates nothing,
 * so a record that matches no shape costs little more than its full parse.
 */
final class ChunkShapes {

    static final int SLOTS = 4096;
    /** A stream's choices (n > 1) alternate: one shape each for the first few. */
    static final int MAX_CHOICES = 4;

    private static final byte[] ID_FIELD = "\"id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ID_BYTES = LoggedObjectParser.MAX_NAME_LENGTH;

    /**
     * A text chunk as parsed: its bytes, its id's bytes at [idStart, idEnd), its content string's
     * literal at [start, end), what was read.
     */
    record Shape(byte[] bytes, int idStart, int idEnd, int start, int end, LoggedObject parsed,
            PointedValues pointed) {}

    /** By a hash of the id, the last text chunk of each choice index below {@link #MAX_CHOICES}. */
    private final Shape[][] slots = new Shape[SLOTS][];
    /**
     * By the same hash, the hash of the last id a text chunk was parsed in full for. A shape is
     * kept from an id's second such chunk on: a stream's first chunk (the one with the role)
     * differs from the rest anyway, and keeping the parse of every record that will never be
     * followed by one like it would keep it alive for nothing (the garbage collector's work).
     */
    private final int[] seen = new int[SLOTS];

    /**
     * Where the value of the first {@code "id":"} in the record lies, as {@code start << 32 | end};
     * -1 if none. Only a key to look shapes up by (a match is decided by all the bytes), so one
     * inside a nested object is harmless. OpenAI and vLLM log the id first, Azure after the choices.
     */
    static long idOf(byte[] value) {
        int from = ID_FIELD.length < value.length && Arrays.equals(value, 1, ID_FIELD.length + 1, ID_FIELD, 0,
                ID_FIELD.length) ? 1 : indexOf(value, ID_FIELD);
        if (from < 0) {
            return -1;
        }
        from += ID_FIELD.length;
        int limit = Math.min(value.length, from + MAX_ID_BYTES);
        for (int i = from; i < limit; i++) {
            byte b = value[i];
            if (b == '"') {
                return (long) from << 32 | i;
            }
            if (b == '\\' || b < 0x20) {
                return -1;
            }
        }
        return -1;
    }

    private static int hash(byte[] value, long id) {
        int hash = 1;
        for (int i = (int) (id >>> 32); i < (int) id; i++) {
            hash = 31 * hash + value[i];
        }
        return hash ^ hash >>> 16;
    }

    /** The remembered shape {@code value} (whose id lies at {@code id}) has, but for its content string; {@code null} if none. */
    Shape match(byte[] value, long id) {
        Shape[] shapes = id < 0 ? null : slots[hash(value, id) & (SLOTS - 1)];
        if (shapes == null) {
            return null;
        }
        for (Shape shape : shapes) {
            if (shape != null && fits(value, shape)) {
                return shape;
            }
        }
        return null;
    }

    private static boolean fits(byte[] value, Shape shape) {
        byte[] known = shape.bytes;
        int end = value.length - (known.length - shape.end);
        if (end - shape.start < 2
                || !Arrays.equals(value, 0, shape.start, known, 0, shape.start)
                || !Arrays.equals(value, end, value.length, known, shape.end, known.length)
                || value[shape.start] != '"' || value[end - 1] != '"') {
            return false;
        }
        for (int i = shape.start + 1; i < end - 1; i++) {
            byte b = value[i];
            if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
                return false;
            }
        }
        return Utf8.firstInvalid(value, shape.start + 1, end - 1) < 0;
    }

    /** The chunk {@code value} read with {@code shape}'s parse, its content being its own. */
    static LoggedObject read(LoggedRecord record, Shape shape) {
        byte[] value = record.value;
        int end = value.length - (shape.bytes.length - shape.end);
        LoggedObject known = shape.parsed;
        LoggedObject o = new LoggedObject();
        o.source = record;
        o.chunk = true;
        o.id = known.id;
        o.model = known.model;
        o.systemFingerprint = known.systemFingerprint;
        o.serviceTier = known.serviceTier;
        o.created = known.created;
        ChoicePart choice = known.choices.get(0);
        List<ChoicePart> choices = new ArrayList<>(1);
        choices.add(new ChoicePart(choice.index, choice.finishReason,
                new String(value, shape.start + 1, end - shape.start - 2, StandardCharsets.UTF_8)));
        o.choices = choices;
        return o;
    }

    /**
     * Remembers a chunk parsed in full if it is a text chunk: one choice with a content string
     * (the only string literal recorded at [start, end)), no tool calls, no usage.
     */
    void remember(byte[] value, long id, int start, int end, LoggedObject o, PointedValues pointed) {
        if (id < 0 || !o.chunk || o.usage != null || o.choices.size() != 1 || start < 0 || end - start < 2
                || value[start] != '"' || value[end - 1] != '"') {
            return;
        }
        ChoicePart choice = o.choices.get(0);
        if (choice.content == null || !choice.toolArguments.isEmpty() || choice.index >= MAX_CHOICES) {
            return;
        }
        int hash = hash(value, id);
        int slot = hash & (SLOTS - 1);
        if (seen[slot] != hash) {
            seen[slot] = hash;
            return;
        }
        Shape shape = new Shape(value, (int) (id >>> 32), (int) id, start, end, o, pointed);
        if (slots[slot] == null || !sameId(slots[slot], shape)) {
            slots[slot] = new Shape[MAX_CHOICES];
        }
        slots[slot][choice.index] = shape;
    }

    /** Whether the shapes in a slot are of {@code shape}'s id (else the id takes the slot over). */
    private static boolean sameId(Shape[] shapes, Shape shape) {
        for (Shape known : shapes) {
            if (known != null) {
                return Arrays.equals(known.bytes, known.idStart, known.idEnd, shape.bytes, shape.idStart, shape.idEnd);
            }
        }
        return false;
    }

    private static int indexOf(byte[] value, byte[] part) {
        int last = value.length - part.length;
        for (int i = 0; i <= last; i++) {
            if (value[i] == part[0] && Arrays.equals(value, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }
}
