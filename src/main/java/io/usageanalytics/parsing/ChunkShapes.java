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
 * A chunk that carries usage (vLLM reports the usage so far on every chunk) is kept with where
 * its usage object lies too: a record equal to it but for its text and that object is read the
 * same way, its usage read alone by the full parse's own usage reader (see the parser). Anything
 * else (another shape, an escape, a different length of anything but the text and usage) is
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
     * literal at [start, end), its usage object at [usageStart, usageEnd) after it (-1 without
     * usage), what was read.
     */
    record Shape(byte[] bytes, int idStart, int idEnd, int start, int end, int usageStart, int usageEnd,
            LoggedObject parsed, PointedValues pointed) {}

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
     * Where the last {@link #match} found, in the record it matched: just past its content string's
     * closing quote, and its usage object's bytes (a shape with usage only). Fields, not a result
     * object: a lookup allocates nothing.
     */
    int contentEnd;
    int usageFrom;
    int usageTo;

    /**
     * Where the value of the first {@code "id":"} in the record lies, as {@code start << 32 | end};
     * -1 if none. Only a key to look shapes up by (a match is decided by all the bytes), so one
     * inside a nested object is harmless. OpenAI and vLLM log the id first, Azure after the choices.
     */
    static long idOf(byte[] value) {
        int from = isIdField(value, 1) ? 1 : idField(value);
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

    /**
     * Whether {@code value} is {@code shape}'s bytes but for its content string (one literal of
     * plain text) and, in a shape with usage, its usage object (which the caller reads).
     */
    private boolean fits(byte[] value, Shape shape) {
        byte[] known = shape.bytes;
        int end = literalEnd(value, shape.start);
        if (end < 0 || !Arrays.equals(value, 0, shape.start, known, 0, shape.start)) {
            return false;
        }
        if (shape.usageStart < 0) {
            if (value.length - end != known.length - shape.end
                    || !Arrays.equals(value, end, value.length, known, shape.end, known.length)) {
                return false;
            }
        } else {
            int from = end + shape.usageStart - shape.end;
            int to = value.length - (known.length - shape.usageEnd);
            if (to - from < 2
                    || !Arrays.equals(value, end, from, known, shape.end, shape.usageStart)
                    || !Arrays.equals(value, to, value.length, known, shape.usageEnd, known.length)) {
                return false;
            }
            usageFrom = from;
            usageTo = to;
        }
        contentEnd = end;
        return Utf8.firstInvalid(value, shape.start + 1, end - 1) < 0;
    }

    /**
     * Just past the closing quote of the string literal at {@code start}, if it holds plain text
     * (no quote, backslash or control character inside); -1 otherwise.
     */
    private static int literalEnd(byte[] value, int start) {
        if (start >= value.length || value[start] != '"') {
            return -1;
        }
        for (int i = start + 1; i < value.length; i++) {
            byte b = value[i];
            if (b == '"') {
                return i + 1;
            }
            if (b == '\\' || (b >= 0 && b < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The chunk {@code value} that {@code shape} was the last {@link #match} for, read with the
     * shape's parse, its content being its own (its usage is the caller's).
     */
    LoggedObject read(LoggedRecord record, Shape shape) {
        byte[] value = record.value;
        int end = contentEnd;
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
        o.shape = shape;
        o.contentEnd = end;
        o.usageFrom = usageFrom;
        o.usageTo = usageTo;
        return o;
    }

    /**
     * Remembers a chunk parsed in full if it is a text chunk: one choice with a content string
     * (the only string literal recorded at [start, end)), no tool calls, and no usage or a usage
     * object at [usageStart, usageEnd) after the content (vLLM reports the usage so far on every
     * chunk).
     */
    void remember(byte[] value, long id, int start, int end, int usageStart, int usageEnd, LoggedObject o,
            PointedValues pointed) {
        if (id < 0 || !o.chunk || o.choices.size() != 1 || start < 0 || end - start < 2
                || value[start] != '"' || value[end - 1] != '"') {
            return;
        }
        boolean withUsage = o.usage != null;
        if (withUsage && !(usageStart >= end && usageEnd - usageStart >= 2 && value[usageStart] == '{'
                && value[usageEnd - 1] == '}')) {
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
        Shape shape = new Shape(value, (int) (id >>> 32), (int) id, start, end, withUsage ? usageStart : -1,
                withUsage ? usageEnd : -1, o, pointed);
        if (slots[slot] == null || !sameId(slots[slot], shape)) {
            slots[slot] = new Shape[MAX_CHOICES];
        }
        slots[slot][choice.index] = shape;
        // its own shape: a run that keeps it sends its bytes once, for it and the chunks read by it
        o.shape = shape;
        o.contentEnd = end;
        o.usageFrom = usageStart;
        o.usageTo = usageEnd;
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

    /** Where the first {@code "id":"} is, or -1. */
    private static int idField(byte[] value) {
        // By its 'd' first: an Azure chunk logs its id after the choices, and comparing the
        // whole field at every quote before it took a third longer.
        for (int d = 2; d < value.length; d++) {
            if (value[d] == 'd' && isIdField(value, d - 2)) {
                return d - 2;
            }
        }
        return -1;
    }

    private static boolean isIdField(byte[] value, int at) {
        return at + ID_FIELD.length <= value.length && value[at + 1] == 'i' && value[at + 2] == 'd'
                && value[at] == '"' && value[at + 3] == '"' && value[at + 4] == ':' && value[at + 5] == '"';
    }
}
