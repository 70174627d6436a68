package io.usageanalytics.parsing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Parses one logged API object with Jackson's streaming parser, reading only the fields usage
 * accounting needs and skipping everything else. Never throws for bad input: every record becomes
 * either a {@link LoggedObject} or a {@link Reject} with a reason code and a detail naming the field.
 *
 * <p>Validation is done after the whole document has been read, so that a record that is not even
 * valid JSON is always reported as {@code malformed_json}, whatever its fields look like.
 *
 * <p>A stream's next text chunk is read against the last one parsed in full ({@link ChunkShapes}),
 * so a parser keeps a little state and belongs to one thread.
 */
public final class LoggedObjectParser {

    /** Larger records are rejected before parsing ({@code limit_exceeded}). */
    public static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;
    /** Longer {@code id}, {@code model} or {@code system_fingerprint} values are rejected. */
    public static final int MAX_NAME_LENGTH = 256;
    /** Choice indices must be below this (the API caps {@code n} at 128). */
    public static final int MAX_CHOICES = 128;
    /** Nesting deeper than this is malformed; logged objects nest a handful of levels. */
    public static final int MAX_NESTING_DEPTH = 64;
    /** Earliest accepted {@code created}: 2022-01-01, before the chat completions API existed. */
    public static final long MIN_CREATED_SECONDS = 1_640_995_200L;
    /**
     * How far ahead of this machine's clock {@code created} may be (clock skew). Further ahead,
     * one record would drag the watermark along and make everything else late.
     */
    public static final long MAX_FUTURE_SECONDS = 86_400;

    // No STRICT_DUPLICATE_DETECTION: it hashes every name of every object, about a fifth of the
    // parse. A repeat of a field this parser reads is refused below (see once); a repeat of one it
    // skips cannot change what it reads.
    private static final JsonFactory JSON =
            JsonFactory.builder()
                    .streamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxNestingDepth(MAX_NESTING_DEPTH)
                                    .build())
                    .build();

    /** Shared by every object of a job without dimensions: nothing ever writes into it. */
    private static final String[] NO_VALUES = new String[0];

    private final Dimensions dimensions;
    /**
     * How a reject names each dimension, e.g. {@code dimension tenant (header:x-tenant)}: built
     * once, not for every record.
     */
    private final String[] dimensionFields;
    private final LongSupplier clockSeconds;
    /** The text chunks of open streams, for reading the next chunks of each without the JSON parser. */
    private final ChunkShapes shapes = new ChunkShapes();
    private long readByShape;

    public LoggedObjectParser() {
        this(Dimensions.NONE);
    }

    /** A parser that also reads each record's value of {@code dimensions}. */
    public LoggedObjectParser(Dimensions dimensions) {
        this(dimensions, () -> System.currentTimeMillis() / 1000);
    }

    /** With a clock of its own, for tests of the future-{@code created} limit. */
    public LoggedObjectParser(Dimensions dimensions, LongSupplier clockSeconds) {
        this.dimensions = dimensions;
        this.dimensionFields = dimensions.list().stream()
                .map(d -> "dimension " + d.name() + " (" + d.source() + ")").toArray(String[]::new);
        this.clockSeconds = clockSeconds;
    }

    /** How many records were read by the shape of a chunk before them, not parsed in full (for tests). */
    long readByShape() {
        return readByShape;
    }

    public ParsedRecord parse(LoggedRecord record) {
        try {
            long id = record.value == null ? -1 : ChunkShapes.idOf(record.value);
            ChunkShapes.Shape shape = knownShape(record.value, id);
            Usage usage = shape == null || shape.usageStart() < 0 ? null
                    : usageAt(record.value, shapes.usageFrom, shapes.usageTo);
            if (shape != null && (shape.usageStart() < 0 || usage != null)) {
                readByShape++;
                LoggedObject o = shapes.read(record, shape);
                o.usage = usage;
                o.dimensions = dimensionValues(record, shape.pointed());
                return ParsedRecord.valid(o);
            }
            Fields fields = read(record);
            if (fields.isPromptFilterPreamble()) {
                return ParsedRecord.skipped(ParsedRecord.PROMPT_FILTER_PREAMBLE);
            }
            LoggedObject o = fields.validate(record, clockSeconds.getAsLong());
            o.dimensions = dimensionValues(record, fields.pointed);
            shapes.remember(record.value, id, fields.contentStart, fields.contentEnd,
                    fields.usageStart, fields.usageEnd, o, fields.pointed);
            return ParsedRecord.valid(o);
        } catch (Invalid e) {
            return ParsedRecord.rejected(new Reject(record, e.reason, e.getMessage()));
        }
    }

    /**
     * The shape of a chunk of the same stream parsed before, which this record has but for its
     * text, and whose {@code created} the clock still accepts; {@code null} if none.
     */
    private ChunkShapes.Shape knownShape(byte[] value, long id) {
        if (id < 0 || value.length > MAX_RECORD_BYTES) {
            return null;
        }
        ChunkShapes.Shape shape = shapes.match(value, id);
        return shape == null || shape.parsed().created > clockSeconds.getAsLong() + MAX_FUTURE_SECONDS ? null : shape;
    }

    /**
     * The usage object at [from, to) of a record that is a known shape but for it and its text,
     * read exactly as the full parse reads it there (the same reader; every byte around it is the
     * shape's); {@code null} if it is not a valid usage, or deeper than a usage's details, and the
     * record is parsed in full instead.
     */
    private static Usage usageAt(byte[] value, int from, int to) {
        int objects = 0;
        for (int i = from; i < to; i++) {
            if (value[i] == '[' || (value[i] == '{' && ++objects > 3)) {
                return null;
            }
        }
        if (Utf8.firstInvalid(value, from, to) >= 0) {
            return null;
        }
        try (JsonParser p = JSON.createParser(value, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            UsageFields usage = readUsage(p, JsonToken.START_OBJECT, "usage");
            return p.nextToken() == null ? usage.validate() : null;
        } catch (IOException | Invalid notAlone) {
            return null;
        }
    }

    /** The record's value of each dimension, {@code ""} where it has none. */
    private String[] dimensionValues(LoggedRecord record, PointedValues pointed) throws Invalid {
        if (dimensions.isEmpty()) {
            return NO_VALUES;
        }
        String[] values = new String[dimensions.size()];
        for (int i = 0; i < values.length; i++) {
            Dimensions.Dimension d = dimensions.list().get(i);
            String value;
            if (d.header() != null) {
                byte[] bytes = record.headers == null ? null : record.headers.get(d.header());
                if (bytes != null && Utf8.firstInvalid(bytes) >= 0) {
                    throw new Invalid(RejectReason.INVALID_FIELD, dimensionFields[i] + " is not valid UTF-8");
                }
                value = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
            } else {
                value = pointed.values[i];
            }
            values[i] = value == null ? "" : Fields.storable(dimensionFields[i], value);
        }
        return values;
    }

    private Fields read(LoggedRecord record) throws Invalid {
        byte[] value = record.value;
        if (value == null || value.length == 0) {
            throw new Invalid(RejectReason.MALFORMED_JSON, "empty record value");
        }
        if (value.length > MAX_RECORD_BYTES) {
            throw new Invalid(RejectReason.LIMIT_EXCEEDED,
                    "record is " + value.length + " bytes, limit is " + MAX_RECORD_BYTES);
        }
        int invalid = Utf8.firstInvalid(value);
        if (invalid >= 0) {
            throw new Invalid(RejectReason.MALFORMED_JSON, String.format("invalid UTF-8 byte 0x%02x at offset %d",
                    value[invalid] & 0xFF, invalid));
        }
        Fields fields = new Fields();
        if (!dimensions.isEmpty()) {
            fields.pointed = new PointedValues(dimensions);
        }
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new Invalid(RejectReason.MALFORMED_JSON, "no JSON value in record");
            }
            if (first != JsonToken.START_OBJECT) {
                p.skipChildren();
                expectEnd(p);
                throw new Invalid(RejectReason.NOT_AN_OBJECT,
                        "top-level JSON value is " + describe(first) + ", not an object");
            }
            readTopLevel(p, fields);
            expectEnd(p);
        } catch (JsonProcessingException e) {
            throw new Invalid(RejectReason.MALFORMED_JSON, oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new Invalid(RejectReason.MALFORMED_JSON, oneLine(e.getMessage()));
        }
        return fields;
    }

    private static void expectEnd(JsonParser p) throws IOException, Invalid {
        if (p.nextToken() != null) {
            throw new Invalid(RejectReason.MALFORMED_JSON, "trailing content after the JSON value");
        }
    }

    private static void readTopLevel(JsonParser p, Fields f) throws IOException {
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "object":
                    seen = once(p, seen, 1, name);
                    f.object = t;
                    f.objectText = stringOrSkip(p, t);
                    break;
                case "id":
                    seen = once(p, seen, 2, name);
                    f.id = t;
                    f.idText = stringOrSkip(p, t);
                    break;
                case "model":
                    seen = once(p, seen, 4, name);
                    f.model = t;
                    f.modelText = stringOrSkip(p, t);
                    break;
                case "system_fingerprint":
                    seen = once(p, seen, 8, name);
                    f.fingerprint = t;
                    f.fingerprintText = stringOrSkip(p, t);
                    break;
                case "created":
                    seen = once(p, seen, 16, name);
                    f.created = readCount(p, t);
                    break;
                case "choices":
                    seen = once(p, seen, 32, name);
                    readChoices(p, t, f);
                    break;
                case "usage":
                    seen = once(p, seen, 64, name);
                    f.usageStart = (int) p.currentTokenLocation().getByteOffset();
                    f.usage = readUsage(p, t, "usage");
                    f.usageEnd = (int) p.currentLocation().getByteOffset();
                    if (f.usage != null && f.usage.problem != null) {
                        f.fail(f.usage.problem);
                    }
                    break;
                case "service_tier":
                    seen = once(p, seen, 128, name);
                    f.tier = t;
                    f.tierText = stringOrSkip(p, t);
                    break;
                case "x_groq":
                    seen = once(p, seen, 256, name);
                    f.groqUsage = readGroq(p, t);
                    break;
                case "prompt_filter_results":
                    seen = once(p, seen, 512, name);
                    f.promptFilterResults = true;
                    p.skipChildren();
                    break;
                default:
                    int pointers = f.pointed == null ? 0 : f.pointed.startingAt(name);
                    if (pointers == 0) {
                        p.skipChildren();
                    } else {
                        f.pointed.read(p, t, 1, pointers);
                    }
            }
        }
    }

    /** The string value, or {@code null} after skipping a value of any other type. */
    private static String stringOrSkip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static void readChoices(JsonParser p, JsonToken t, Fields f) throws IOException {
        f.choicesSeen = true;
        if (t != JsonToken.START_ARRAY) {
            f.fail(RejectReason.INVALID_FIELD, "choices is " + describe(t) + ", not an array");
            p.skipChildren();
            return;
        }
        f.choices = new ArrayList<>(1);
        int position = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken(), position++) {
            if (e != JsonToken.START_OBJECT) {
                f.fail(RejectReason.INVALID_FIELD, where(position) + " is " + describe(e) + ", not an object");
                p.skipChildren();
                continue;
            }
            f.choices.add(readChoice(p, f, position));
        }
        if (f.choices.size() > MAX_CHOICES) {
            f.fail(RejectReason.LIMIT_EXCEEDED,
                    "choices has " + f.choices.size() + " entries, limit is " + MAX_CHOICES);
        }
    }

    /** A choice's place in messages, built only when there is something to say. */
    private static String where(int position) {
        return "choices[" + position + "]";
    }

    private static ChoicePart readChoice(JsonParser p, Fields f, int position) throws IOException {
        ChoicePart c = new ChoicePart();
        c.index = position;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "index":
                    seen = once(p, seen, 1, name);
                    long index = readCount(p, t);
                    if (index >= MAX_CHOICES) {
                        f.fail(RejectReason.LIMIT_EXCEEDED,
                                where(position) + ".index is " + index + ", limit is " + (MAX_CHOICES - 1));
                    } else if (index == INVALID) {
                        f.fail(RejectReason.INVALID_FIELD,
                                where(position) + ".index is not a non-negative integer");
                    } else if (index != ABSENT) {
                        c.index = (int) index;
                    }
                    break;
                case "finish_reason":
                    seen = once(p, seen, 2, name);
                    if (t == JsonToken.VALUE_STRING) {
                        c.finishReason = p.getText();
                    } else if (t != JsonToken.VALUE_NULL) {
                        f.fail(RejectReason.INVALID_FIELD,
                                where(position) + ".finish_reason is " + describe(t) + ", not a string");
                        p.skipChildren();
                    }
                    break;
                case "delta":
                case "message":
                    seen = once(p, seen, 4, name);
                    readMessage(p, t, c, f);
                    break;
                default:
                    p.skipChildren();
            }
        }
        return c;
    }

    /** Reads the text that an estimate would count; anything unexpected is just not counted. */
    private static void readMessage(JsonParser p, JsonToken t, ChoicePart c, Fields f) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "content":
                    seen = once(p, seen, 1, name);
                    if (v == JsonToken.VALUE_STRING) {
                        f.contentStart = (int) p.currentTokenLocation().getByteOffset();
                        c.content = p.getText();
                        f.contentEnd = (int) p.currentLocation().getByteOffset();
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "tool_calls":
                    seen = once(p, seen, 2, name);
                    if (v == JsonToken.START_ARRAY) {
                        int position = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            readToolCall(p, e, c, position++);
                        }
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "function_call":
                    seen = once(p, seen, 4, name);
                    readFunction(p, v, c, -1);
                    break;
                default:
                    p.skipChildren();
            }
        }
    }

    private static void readToolCall(JsonParser p, JsonToken t, ChoicePart c, int position)
            throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        int index = position;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "index":
                    seen = once(p, seen, 1, name);
                    if (v == JsonToken.VALUE_NUMBER_INT) {
                        index = p.getIntValue();
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "function":
                    seen = once(p, seen, 2, name);
                    readFunction(p, v, c, index);
                    break;
                default:
                    p.skipChildren();
            }
        }
    }

    private static void readFunction(JsonParser p, JsonToken t, ChoicePart c, int toolIndex) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (!"arguments".equals(name)) {
                p.skipChildren();
                continue;
            }
            seen = once(p, seen, 1, name);
            if (v == JsonToken.VALUE_STRING) {
                c.toolArguments.merge(toolIndex, p.getText(), String::concat);
            } else {
                p.skipChildren();
            }
        }
    }

    /**
     * Groq puts a stream's usage in {@code x_groq.usage} of its last chunk; anything else in
     * {@code x_groq}, or an {@code x_groq} that is not an object, is not ours to judge.
     */
    private static UsageFields readGroq(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        UsageFields usage = null;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("usage".equals(name)) {
                seen = once(p, seen, 1, name);
                usage = readUsage(p, v, "x_groq.usage");
            } else {
                p.skipChildren();
            }
        }
        return usage;
    }

    /** The usage object at {@code path}; {@code null} when it is null. */
    private static UsageFields readUsage(JsonParser p, JsonToken t, String path) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        UsageFields u = new UsageFields(path);
        if (t != JsonToken.START_OBJECT) {
            u.problem = new Invalid(RejectReason.INVALID_FIELD, path + " is " + describe(t) + ", not an object");
            p.skipChildren();
            return u;
        }
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt_tokens":
                    seen = once(p, seen, 1, name);
                    u.prompt = readCount(p, v);
                    break;
                case "completion_tokens":
                    seen = once(p, seen, 2, name);
                    u.completion = readCount(p, v);
                    break;
                case "total_tokens":
                    seen = once(p, seen, 4, name);
                    u.total = readCount(p, v);
                    break;
                case "prompt_tokens_details":
                    seen = once(p, seen, 8, name);
                    readDetails(p, v, u.promptDetails, PROMPT_DETAILS);
                    break;
                case "completion_tokens_details":
                    seen = once(p, seen, 16, name);
                    readDetails(p, v, u.completionDetails, COMPLETION_DETAILS);
                    break;
                case "prompt_cache_hit_tokens":
                    seen = once(p, seen, 32, name);
                    u.cacheHit = readCount(p, v);
                    break;
                default:
                    p.skipChildren();
            }
        }
        return u;
    }

    /** The details read from {@code prompt_tokens_details}, in this order. */
    private static final String[] PROMPT_DETAILS = {"cached_tokens", "audio_tokens", "cache_write_tokens"};
    /** The details read from {@code completion_tokens_details}, in this order. */
    private static final String[] COMPLETION_DETAILS = {
        "reasoning_tokens", "audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens"};

    /** Reads the {@code names} of a details object into {@code counts}; a details value that is no object is ignored. */
    private static void readDetails(JsonParser p, JsonToken t, long[] counts, String[] names) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int i = indexOf(names, name);
            if (i >= 0) {
                seen = once(p, seen, 1 << i, name);
                counts[i] = readCount(p, v);
            } else {
                p.skipChildren();
            }
        }
    }

    private static int indexOf(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Records that the field with this {@code bit} was read in the current object, or fails as
     * Jackson's duplicate detection would if it already was: which of two values counts would be
     * a guess.
     */
    private static int once(JsonParser p, int seen, int bit, String name) throws JsonParseException {
        if ((seen & bit) != 0) {
            throw new JsonParseException(p, "Duplicate field '" + name + "'");
        }
        return seen | bit;
    }

    /** Marks a count field that was not present (or null). */
    private static final long ABSENT = -1;
    /** Marks a count field that was present but not a non-negative integer that fits a long. */
    private static final long INVALID = -2;

    private static long readCount(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return ABSENT;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            p.skipChildren();
            return INVALID;
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return INVALID;
        }
        long v = p.getLongValue();
        return v < 0 ? INVALID : v;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "missing";
        }
        switch (t) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return t.asString();
        }
    }

    private static String oneLine(String message) {
        return message == null ? "invalid JSON" : message.replaceAll("\\s+", " ").trim();
    }

    /** The raw fields of one record as read, validated in a fixed order once reading is done. */
    private static final class Fields {
        JsonToken object;
        String objectText;
        JsonToken id;
        String idText;
        JsonToken model;
        String modelText;
        JsonToken fingerprint;
        String fingerprintText;
        long created = ABSENT;
        JsonToken tier;
        String tierText;
        boolean choicesSeen;
        List<ChoicePart> choices;
        /** {@code usage}, {@code null} when absent or null. */
        UsageFields usage;
        /** Groq's {@code x_groq.usage}, which stands for an absent {@code usage}. */
        UsageFields groqUsage;
        boolean promptFilterResults;
        /** What the json: dimensions point at; {@code null} without dimensions. */
        PointedValues pointed;
        /** The first problem found inside choices or usage while reading. */
        Invalid nested;
        /**
         * Where the literal of the last content string read starts in the record (its opening
         * quote) and ends (just past its closing quote); -1 without one.
         */
        int contentStart = -1;
        int contentEnd = -1;
        /** Where the value of {@code usage} starts and ends in the record; -1 without one. */
        int usageStart = -1;
        int usageEnd = -1;

        void fail(String reason, String detail) {
            fail(new Invalid(reason, detail));
        }

        void fail(Invalid problem) {
            if (nested == null) {
                nested = problem;
            }
        }

        /**
         * Azure OpenAI opens every stream with a chunk that only reports its prompt filter: empty
         * id, object and model, created 0, no choices, no usage. Exactly that shape is skipped, not
         * rejected; any other record without an id or object is still a reject.
         */
        boolean isPromptFilterPreamble() {
            return promptFilterResults && "".equals(objectText) && "".equals(idText) && "".equals(modelText)
                    && created == 0 && choices != null && choices.isEmpty() && usage == null && groqUsage == null
                    && nested == null;
        }

        LoggedObject validate(LoggedRecord record, long nowSeconds) throws Invalid {
            if (object == null || object == JsonToken.VALUE_NULL) {
                throw new Invalid(RejectReason.MISSING_FIELD, "object is missing");
            }
            boolean chunk = LoggedObject.CHUNK.equals(objectText);
            if (!chunk && !LoggedObject.COMPLETION.equals(objectText)) {
                throw new Invalid(RejectReason.UNSUPPORTED_OBJECT,
                        "object is " + (objectText != null ? "\"" + clip(objectText) + "\"" : describe(object))
                                + ", expected chat.completion or chat.completion.chunk");
            }
            String idValue = name("id", id, idText);
            String modelValue = storable("model", name("model", model, modelText));
            String fp = "";
            if (fingerprint != null && fingerprint != JsonToken.VALUE_NULL) {
                if (fingerprintText == null) {
                    throw new Invalid(RejectReason.INVALID_FIELD,
                            "system_fingerprint is " + describe(fingerprint) + ", not a string");
                }
                fp = storable("system_fingerprint", fingerprintText);
            }
            String serviceTier = "";
            if (tier != null && tier != JsonToken.VALUE_NULL) {
                if (tierText == null) {
                    throw new Invalid(RejectReason.INVALID_FIELD, "service_tier is " + describe(tier) + ", not a string");
                }
                serviceTier = storable("service_tier", tierText);
            }
            if (created == ABSENT) {
                throw new Invalid(RejectReason.MISSING_FIELD, "created is missing");
            }
            if (created == INVALID) {
                throw new Invalid(RejectReason.INVALID_FIELD,
                        "created is not a non-negative integer");
            }
            if (created < MIN_CREATED_SECONDS) {
                throw new Invalid(RejectReason.INVALID_FIELD,
                        "created is " + created + ", before 2022-01-01");
            }
            if (created > nowSeconds + MAX_FUTURE_SECONDS) {
                throw new Invalid(RejectReason.INVALID_FIELD,
                        "created is " + created + ", more than a day ahead of the clock");
            }
            if (!choicesSeen) {
                throw new Invalid(RejectReason.MISSING_FIELD, "choices is missing");
            }
            if (nested != null) {
                throw nested;
            }
            LoggedObject o = new LoggedObject();
            o.source = record;
            o.chunk = chunk;
            o.id = idValue;
            o.model = modelValue;
            o.systemFingerprint = fp;
            o.serviceTier = serviceTier;
            o.created = created;
            o.choices = choices;
            UsageFields reported = usage != null ? usage : groqUsage;
            if (reported != null) {
                o.usage = reported.validate();
            }
            return o;
        }

        private static String name(String field, JsonToken t, String text) throws Invalid {
            if (t == null || t == JsonToken.VALUE_NULL) {
                throw new Invalid(RejectReason.MISSING_FIELD, field + " is missing");
            }
            if (text == null) {
                throw new Invalid(RejectReason.INVALID_FIELD,
                        field + " is " + describe(t) + ", not a string");
            }
            if (text.isEmpty()) {
                throw new Invalid(RejectReason.INVALID_FIELD, field + " is empty");
            }
            return limitLength(field, text);
        }

        /** A name the warehouse keeps: PostgreSQL text cannot hold U+0000. */
        private static String storable(String field, String text) throws Invalid {
            if (text.indexOf('\u0000') >= 0) {
                throw new Invalid(RejectReason.INVALID_FIELD, field + " contains U+0000, which the warehouse cannot store");
            }
            return limitLength(field, text);
        }

        private static String limitLength(String field, String text) throws Invalid {
            if (text.length() > MAX_NAME_LENGTH) {
                throw new Invalid(RejectReason.LIMIT_EXCEEDED,
                        field + " is " + text.length() + " characters, limit is " + MAX_NAME_LENGTH);
            }
            return text;
        }

        private static String clip(String s) {
            return s.length() <= 64 ? s : s.substring(0, 64) + "...";
        }
    }

    /** The counts of one usage object as read ({@link #ABSENT} or {@link #INVALID} where so). */
    private static final class UsageFields {
        final String path;
        long prompt = ABSENT;
        long completion = ABSENT;
        long total = ABSENT;
        /** DeepSeek's {@code prompt_cache_hit_tokens}: cached tokens when the details lack them. */
        long cacheHit = ABSENT;
        final long[] promptDetails = absent(PROMPT_DETAILS.length);
        final long[] completionDetails = absent(COMPLETION_DETAILS.length);
        /** The usage is not an object. */
        Invalid problem;

        UsageFields(String path) {
            this.path = path;
        }

        private static long[] absent(int n) {
            long[] counts = new long[n];
            Arrays.fill(counts, ABSENT);
            return counts;
        }

        Usage validate() throws Invalid {
            if (problem != null) {
                throw problem;
            }
            long[] prompts = new long[PROMPT_DETAILS.length];
            for (int i = 0; i < prompts.length; i++) {
                prompts[i] = detail("prompt_tokens_details.", PROMPT_DETAILS[i], promptDetails[i]);
            }
            long[] completions = new long[COMPLETION_DETAILS.length];
            for (int i = 0; i < completions.length; i++) {
                completions[i] = detail("completion_tokens_details.", COMPLETION_DETAILS[i], completionDetails[i]);
            }
            long hit = detail("", "prompt_cache_hit_tokens", cacheHit);
            // In the order of Usage.counts().
            return Usage.of(new long[] {token("prompt_tokens", prompt), token("completion_tokens", completion),
                token("total_tokens", total), promptDetails[0] == ABSENT ? hit : prompts[0], completions[0],
                prompts[1], completions[1], completions[2], completions[3], prompts[2]});
        }

        private long token(String field, long v) throws Invalid {
            if (v == ABSENT) {
                throw new Invalid(RejectReason.MISSING_FIELD, path + "." + field + " is missing");
            }
            return detail("", field, v);
        }

        /** The field's name in two parts, joined only for a reject: this runs for every usage read. */
        private long detail(String group, String field, long v) throws Invalid {
            if (v == INVALID) {
                throw new Invalid(RejectReason.INVALID_FIELD,
                        path + "." + group + field + " is not a non-negative integer");
            }
            return v == ABSENT ? 0 : v;
        }
    }

    /** A rejection found while reading; cheap because it carries no stack trace. */
    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Invalid(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }
}
