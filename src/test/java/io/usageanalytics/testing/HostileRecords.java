package io.usageanalytics.testing;

import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.RejectReason;
import io.usageanalytics.parsing.Usage;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Valid records with seeded mutations in between: truncation, byte flips, invalid UTF-8, type
 * swaps, missing and duplicated keys, huge and negative numbers, deep nesting, very long strings,
 * empty and null values, one 10 MB record; and attacks on the fields read since: service tiers,
 * usage details, DeepSeek's cache hits, Groq's {@code x_groq.usage}, Azure's prompt-filter preamble
 * and shapes one field away from it. Record {@code p} is a pure function of the seed and
 * {@code p}, so a run can be repeated with some positions left out, without holding 100,000
 * records in memory or in the job graph. Each comes with what it must come to ({@link #mutation}):
 * an oracle for which records the job must reject, and why, that is not the parser itself.
 */
public final class HostileRecords implements GeneratorFunction<Long, ParsedRecord> {

    private static final long serialVersionUID = 1L;

    /** Mutated records after each valid one. */
    public static final int NOISE_PER_RECORD = 20;
    /** The position of the 10 MB record. */
    public static final int HUGE_POSITION = 7;

    private final ArrayList<byte[]> base;
    private final long seed;
    /** The positions this source emits, in order. */
    private final int[] positions;
    private transient LoggedObjectParser parser;

    private HostileRecords(List<byte[]> base, long seed, int[] positions) {
        this.base = new ArrayList<>(base);
        this.seed = seed;
        this.positions = positions;
    }

    public static int size(List<byte[]> base) {
        return base.size() * (NOISE_PER_RECORD + 1);
    }

    /** All positions. */
    public static DataGeneratorSource<ParsedRecord> all(List<byte[]> base, long seed) {
        int[] all = new int[size(base)];
        Arrays.setAll(all, i -> i);
        return source(base, seed, all);
    }

    public static DataGeneratorSource<ParsedRecord> source(List<byte[]> base, long seed, int[] positions) {
        return new DataGeneratorSource<>(new HostileRecords(base, seed, positions), positions.length,
                TypeInformation.of(ParsedRecord.class));
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        parser = new LoggedObjectParser();
    }

    @Override
    public ParsedRecord map(Long index) {
        int p = positions[index.intValue()];
        return parser.parse(new LoggedRecord(record(base, seed, p), key(seed, p), "hostile", 0, p));
    }

    /**
     * The Kafka key at position {@code p}: the job never reads keys, only carries them to the
     * dead letters, so they are whatever a producer sent: none, empty, or arbitrary bytes that are
     * neither JSON nor UTF-8.
     */
    public static byte[] key(long seed, int p) {
        SplittableRandom r = new SplittableRandom(seed * 7_919L + p);
        switch (r.nextInt(4)) {
            case 0:
                return null;
            case 1:
                return new byte[0];
            default:
                byte[] key = new byte[1 + r.nextInt(64)];
                for (int i = 0; i < key.length; i++) {
                    key[i] = (byte) r.nextInt(256);
                }
                return key;
        }
    }

    /** The value at position {@code p}: every 21st a valid record, the rest mutations of one. */
    public static byte[] record(List<byte[]> base, long seed, int p) {
        return mutation(base, seed, p).value();
    }

    /**
     * The kind of an invalid UTF-8 mutation with a 0xFF byte where Jackson's symbol table pads a
     * field name's last group of four bytes with 0xFF: {@code "inde\u00ffx"} for {@code "index"}.
     * Such a name matches the valid one once that has been seen, so the parser never decodes it.
     */
    public static final String FF_IN_A_NAME = "invalid UTF-8: 0xFF opening the last 4-byte group of a field name";

    /** Whether a byte inserted at {@code at} lands in a field name of {@code v}, opening its last group of four. */
    private static boolean opensLastGroupOfAName(byte[] v, int at) {
        int open = at - 1;
        while (open >= 0 && v[open] != '"') {
            open--;
        }
        int close = at;
        while (close < v.length && v[close] != '"') {
            close++;
        }
        if (open < 1 || close + 1 >= v.length || v[close + 1] != ':' || (v[open - 1] != '{' && v[open - 1] != ',')) {
            return false;
        }
        int i = at - open - 1;
        int length = close - open - 1;
        return i < length && i % 4 == 0 && i >= 4 * ((length - 1) / 4);
    }

    /** What a record must come to, known from how it was made rather than from the parser. */
    public enum Outcome {
        /** Rejected, by the README's table of reject reasons, whatever the parser thinks. */
        MUST_REJECT,
        /** A valid record (a base record, or a change that keeps it valid): the parser must accept it. */
        VALID,
        /** Legitimately either: a flipped bit may land where it changes nothing that is read. */
        EITHER,
        /** Skipped by design, neither aggregated nor rejected: Azure's prompt-filter preamble. */
        SKIPPED
    }

    /**
     * What the parser must read from a valid record whose mutation touches these fields: its
     * service tier ({@code ""} when none) and usage ({@code null} when none).
     */
    public record Reads(String serviceTier, Usage usage) {}

    /**
     * Record {@code p}: its value, the mutation that made it, what it must come to; for a reject
     * the reason and detail where the mutation alone decides them ({@code null} where it does not),
     * for a valid record what the parser must read where the mutation decides it ({@code null}
     * where it does not).
     */
    public record Mutation(byte[] value, String kind, Outcome outcome, String reason, String detail, Reads reads) {

        static Mutation valid(byte[] value, String kind) {
            return new Mutation(value, kind, Outcome.VALID, null, null, null);
        }

        static Mutation valid(String value, String kind, Reads reads) {
            return new Mutation(bytes(value), kind, Outcome.VALID, null, null, reads);
        }

        static Mutation reject(byte[] value, String kind, String reason) {
            return new Mutation(value, kind, Outcome.MUST_REJECT, reason, null, null);
        }

        static Mutation reject(String value, String kind, String reason, String detail) {
            return new Mutation(bytes(value), kind, Outcome.MUST_REJECT, reason, detail, null);
        }

        static Mutation either(byte[] value, String kind) {
            return new Mutation(value, kind, Outcome.EITHER, null, null, null);
        }

        static Mutation skipped(String value, String kind) {
            return new Mutation(bytes(value), kind, Outcome.SKIPPED, null, null, null);
        }

        /** A rewrite of {@code of} that is rejected for {@code reason}; valid if nothing matched. */
        static Mutation rewrite(String of, String rewritten, String kind, String reason) {
            return rewritten.equals(of)
                    ? valid(bytes(of), kind + " (absent here: the record unchanged)")
                    : reject(bytes(rewritten), kind, reason);
        }

        /** How {@code parsed} contradicts what this record must come to; {@code null} if it does not. */
        public String contradiction(ParsedRecord parsed) {
            switch (outcome) {
                case VALID:
                    if (parsed.object == null) {
                        return "not valid: " + parsed;
                    }
                    Reads read = new Reads(parsed.object.serviceTier, parsed.object.usage);
                    return reads == null || reads.equals(read) ? null : "read " + read + ", not " + reads;
                case SKIPPED:
                    return ParsedRecord.PROMPT_FILTER_PREAMBLE.equals(parsed.skipped) ? null : "not skipped: " + parsed;
                case MUST_REJECT:
                    return parsed.reject != null && (reason == null || reason.equals(parsed.reject.reason))
                            && (detail == null || detail.equals(parsed.reject.detail))
                            ? null : "not rejected for " + reason + ": " + detail + " but " + parsed;
                default:
                    return null;
            }
        }
    }

    /**
     * Record {@code p} with what it must come to. The base records are valid as {@link
     * TrafficGenerator} writes them, but for Azure's: one object, {@code id} its first field, its
     * closing brace the last byte. So a mutation's change is the only problem of the record it makes, and decides
     * whether the record is rejected and, mostly, why (the README's table of reject reasons).
     */
    public static Mutation mutation(List<byte[]> base, long seed, int p) {
        if (p % (NOISE_PER_RECORD + 1) == 0) {
            return Mutation.valid(base.get(p / (NOISE_PER_RECORD + 1)), "valid");
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + p);
        if (p == HUGE_POSITION) {
            return Mutation.reject(("{\"id\":\"huge\",\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"content\":\"" + "x".repeat(10 * 1024 * 1024)
                    + "\"},\"finish_reason\":\"stop\"}]}").getBytes(StandardCharsets.UTF_8),
                    "10 MB record", RejectReason.LIMIT_EXCEEDED);
        }
        byte[] v = base.get(r.nextInt(base.size()));
        String s = new String(v, StandardCharsets.UTF_8);
        if (!s.startsWith("{\"id\":\"") || v[v.length - 1] != '}') {
            throw new IllegalArgumentException("not a base record as TrafficGenerator writes them: " + s);
        }
        switch (r.nextInt(18)) {
            case 0: {
                // a proper prefix never holds the object's closing brace
                int length = r.nextInt(v.length);
                return Mutation.reject(Arrays.copyOf(v, length), "truncated to " + length + " bytes",
                        RejectReason.MALFORMED_JSON);
            }
            case 1: {
                byte[] flipped = v.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    flipped[r.nextInt(flipped.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return Mutation.either(flipped, "byte flips");
            }
            case 2: {
                // C3 28 and FF are invalid UTF-8 wherever they stand: in a string, a name, between tokens
                int at = r.nextInt(v.length);
                byte[] bad = r.nextBoolean() ? new byte[] {(byte) 0xC3, 0x28} : new byte[] {(byte) 0xFF};
                byte[] out = new byte[v.length + bad.length];
                System.arraycopy(v, 0, out, 0, at);
                System.arraycopy(bad, 0, out, at, bad.length);
                System.arraycopy(v, at, out, at + bad.length, v.length - at);
                return Mutation.reject(out, bad.length == 1 && opensLastGroupOfAName(v, at)
                        ? FF_IN_A_NAME : "invalid UTF-8", RejectReason.MALFORMED_JSON);
            }
            case 3:
                // a field the job reads, given a value of the wrong type
                switch (r.nextInt(5)) {
                    case 0:
                        return Mutation.rewrite(s, s.replaceFirst("\"created\":(\\d+)", "\"created\":\"$1\""),
                                "created as a string", RejectReason.INVALID_FIELD);
                    case 1:
                        return Mutation.rewrite(s, s.replaceFirst("\"model\":\"", "\"model\":7,\"was\":\""),
                                "model as a number", RejectReason.INVALID_FIELD);
                    case 2:
                        return Mutation.rewrite(s, s.replaceFirst("\"choices\":\\[", "\"choices\":0,\"c\":["),
                                "choices as a number", RejectReason.INVALID_FIELD);
                    case 3:
                        return Mutation.rewrite(s, s.replaceFirst("\"prompt_tokens\":(\\d+)", "\"prompt_tokens\":\"$1\""),
                                "prompt_tokens as a string", RejectReason.INVALID_FIELD);
                    default: {
                        String swapped = s.replaceFirst("\"index\":(\\d+)", "\"index\":true");
                        // the first index is a choice's if the first choice starts with it, as
                        // TrafficGenerator's do; a tool call's index, say, is only counted if it is one
                        int first = s.indexOf("\"index\":");
                        int choice = s.indexOf("\"choices\":[{\"index\":");
                        return first < 0 || (choice >= 0 && first == choice + "\"choices\":[{".length())
                                ? Mutation.rewrite(s, swapped, "a choice's index as a boolean", RejectReason.INVALID_FIELD)
                                : Mutation.either(bytes(swapped), "an index as a boolean, not a choice's");
                    }
                }
            case 4: {
                // a required field dropped; the first match is the top-level one (id comes first)
                String[] names = {"id", "model", "created", "object"};
                String[] patterns = {"\"id\":\"[^\"]*\",", "\"model\":\"[^\"]*\",", "\"created\":\\d+,",
                    "\"object\":\"[^\"]*\","};
                int k = r.nextInt(patterns.length);
                return Mutation.rewrite(s, s.replaceFirst(patterns[k], ""), names[k] + " missing",
                        RejectReason.MISSING_FIELD);
            }
            case 5:
                // a repeated key among the fields the job reads
                return Mutation.reject(bytes("{\"id\":\"dup-key\"," + s.substring(1)), "id twice",
                        RejectReason.MALFORMED_JSON);
            case 6: {
                String[] kinds = {"created beyond a long", "created negative", "created 0, before 2022",
                    "created in the year 3000, more than a day ahead", "completion_tokens negative",
                    "prompt_tokens 1e400, not an integer"};
                String[] rewritten = {
                    s.replaceFirst("\"created\":\\d+", "\"created\":99999999999999999999999"),
                    s.replaceFirst("\"created\":\\d+", "\"created\":-1767225600"),
                    s.replaceFirst("\"created\":\\d+", "\"created\":0"),
                    s.replaceFirst("\"created\":\\d+", "\"created\":32503680000"),
                    s.replaceFirst("\"completion_tokens\":\\d+", "\"completion_tokens\":-1"),
                    s.replaceFirst("\"prompt_tokens\":\\d+", "\"prompt_tokens\":1e400")};
                int k = r.nextInt(rewritten.length);
                return Mutation.rewrite(s, rewritten[k], kinds[k], RejectReason.INVALID_FIELD);
            }
            case 7: {
                // inside the top-level object, so nested 1 + depth deep; deeper than 64 is malformed
                int depth = 40 + r.nextInt(400);
                byte[] deep = bytes("{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + "," + s.substring(1));
                String kind = "an unknown field nested " + (1 + depth) + " deep";
                return 1 + depth > LoggedObjectParser.MAX_NESTING_DEPTH
                        ? Mutation.reject(deep, kind, RejectReason.MALFORMED_JSON)
                        : Mutation.valid(deep, kind);
            }
            case 8:
                return r.nextBoolean()
                        ? Mutation.rewrite(s, s.replaceFirst("\"model\":\"[^\"]*\"", "\"model\":\"" + "m".repeat(10_000) + "\""),
                                "model of 10,000 characters", RejectReason.LIMIT_EXCEEDED)
                        : Mutation.valid(bytes("{\"blob\":\"" + "b".repeat(100_000 + r.nextInt(200_000)) + "\"," + s.substring(1)),
                                "an unknown field of 100 to 300 kB, under 4 MiB");
            case 9:
                // a tombstone (no value at all) is as empty as an empty value
                return r.nextBoolean()
                        ? Mutation.reject(new byte[0], "empty value", RejectReason.MALFORMED_JSON)
                        : Mutation.reject(null, "null value", RejectReason.MALFORMED_JSON);
            case 10:
                if (r.nextBoolean()) {
                    return Mutation.reject(bytes("[" + s + "]"), "in an array", RejectReason.NOT_AN_OBJECT);
                }
                // A JSON string only without escapes in it: an escaped quote, its quote escaped
                // again, becomes an escaped backslash and a quote that ends the string early.
                return Mutation.reject(bytes("\"" + s.replace("\"", "\\\"") + "\""), "quoted as a string",
                        s.indexOf('\\') < 0 ? RejectReason.NOT_AN_OBJECT : null);
            case 11:
                return Mutation.valid(bytes("{\"x_gateway\":{\"a\":[1,2,{\"b\":null}],\"t\":1.5}," + s.substring(1)),
                        "unknown fields");
            case 12:
                return Mutation.rewrite(s, s.replaceFirst("\"object\":\"[^\"]*\"", "\"object\":\"chat.completion.chunk.v2\""),
                        "unsupported object", RejectReason.UNSUPPORTED_OBJECT);
            case 13:
                return names(s, r);
            case 14:
                return details(withUsage(s), r);
            case 15:
                return groq(s, r);
            case 16:
                return preamble(r);
            default:
                return Mutation.reject(bytes(s + (r.nextBoolean() ? " {}" : ",")), "trailing content",
                        RejectReason.MALFORMED_JSON);
        }
    }

    /**
     * The names the warehouse keys rows on: {@code service_tier} a string or null, at most 256
     * characters; U+0000 in it, in {@code model} or in {@code system_fingerprint} cannot be stored.
     */
    private static Mutation names(String s, SplittableRandom r) {
        Usage usage = readsOf(s).usage();
        switch (r.nextInt(7)) {
            case 0: {
                String[] values = {"7", "true", "{\"tier\":\"flex\"}", "[\"flex\"]"};
                String[] types = {"a number", "a boolean", "an object", "an array"};
                int k = r.nextInt(values.length);
                return Mutation.reject(put(s, "service_tier", values[k]), "service_tier " + types[k],
                        RejectReason.INVALID_FIELD, "service_tier is " + types[k] + ", not a string");
            }
            case 1: {
                // 256 characters are allowed, one more is not
                int max = LoggedObjectParser.MAX_NAME_LENGTH;
                int length = r.nextBoolean() ? max : max + 1 + r.nextInt(10_000);
                String tier = "t".repeat(length);
                String json = put(s, "service_tier", "\"" + tier + "\"");
                String kind = "service_tier of " + length + " characters";
                return length <= max
                        ? Mutation.valid(json, kind, new Reads(tier, usage))
                        : Mutation.reject(json, kind, RejectReason.LIMIT_EXCEEDED,
                                "service_tier is " + length + " characters, limit is " + max);
            }
            case 2: {
                // escaped, as JSON writers write it
                String[] fields = {"service_tier", "model", "system_fingerprint"};
                String field = fields[r.nextInt(fields.length)];
                return Mutation.reject(put(s, field, "\"fl\\u0000ex\""), "U+0000 in " + field, RejectReason.INVALID_FIELD,
                        field + " contains U+0000, which the warehouse cannot store");
            }
            case 3:
                // unescaped, a control character is not JSON
                return Mutation.reject(put(s, "service_tier", "\"fl\u0000ex\""), "a raw NUL byte in service_tier",
                        RejectReason.MALFORMED_JSON, "Illegal unquoted character ((CTRL-CHAR, code 0)): "
                                + "has to be escaped using backslash to be included in string value");
            case 4:
                return Mutation.valid(put(s, "service_tier", "null"), "service_tier null", new Reads("", usage));
            case 5:
                return Mutation.reject("{\"service_tier\":\"flex\"," + put(s, "service_tier", "\"priority\"").substring(1),
                        "service_tier twice", RejectReason.MALFORMED_JSON, "Duplicate field 'service_tier'");
            default: {
                String[] tiers = {"flex", "priority", "scale", "auto"};
                String tier = tiers[r.nextInt(tiers.length)];
                return Mutation.valid(put(s, "service_tier", "\"" + tier + "\""), "service_tier " + tier,
                        new Reads(tier, usage));
            }
        }
    }

    /** A usage detail the parser reads: its object, its name, its place in {@link Usage#counts()}. */
    private record Detail(String object, String name, int count) {
        String path() {
            return object + "." + name;
        }
    }

    private static final Detail CACHED = new Detail("prompt_tokens_details", "cached_tokens", 3);
    private static final Detail[] DETAILS = {
        CACHED,
        new Detail("prompt_tokens_details", "audio_tokens", 5),
        new Detail("prompt_tokens_details", "cache_write_tokens", 9),
        new Detail("completion_tokens_details", "reasoning_tokens", 4),
        new Detail("completion_tokens_details", "audio_tokens", 6),
        new Detail("completion_tokens_details", "accepted_prediction_tokens", 7),
        new Detail("completion_tokens_details", "rejected_prediction_tokens", 8),
    };

    /** Values that are not counts (non-negative integers that fit a long), and what they are. */
    private static final String[][] NOT_COUNTS = {
        {"-1", "negative"}, {"1.5", "fractional"}, {"1e2", "in exponent notation"},
        {"9223372036854775808", "one beyond a long"}, {"99999999999999999999999", "far beyond a long"},
        {"\"7\"", "a string"}, {"true", "a boolean"}, {"{}", "an object"}, {"[7]", "an array"},
    };

    /** The details of a usage and DeepSeek's {@code prompt_cache_hit_tokens}; {@code s} has a usage. */
    private static Mutation details(String s, SplittableRandom r) {
        Reads base = readsOf(s);
        Detail d = DETAILS[r.nextInt(DETAILS.length)];
        long[] counts = base.usage().counts();
        switch (r.nextInt(6)) {
            case 0: {
                String[] bad = NOT_COUNTS[r.nextInt(NOT_COUNTS.length)];
                return Mutation.reject(setDetail(s, d, bad[0]), d.path() + " " + bad[1], RejectReason.INVALID_FIELD,
                        "usage." + d.path() + " is not a non-negative integer");
            }
            case 1: {
                // any count that fits a long is one; null is as absent, 0
                String[] values = {"0", "7", String.valueOf(Long.MAX_VALUE), "null"};
                String value = values[r.nextInt(values.length)];
                counts[d.count()] = "null".equals(value) ? 0 : Long.parseLong(value);
                return Mutation.valid(setDetail(s, d, value), d.path() + " " + value,
                        new Reads(base.serviceTier(), Usage.of(counts)));
            }
            case 2: {
                // a details value that is no object is ignored: its counts are 0
                String[] values = {"null", "7", "\"x\"", "[1]", "true"};
                String value = values[r.nextInt(values.length)];
                for (Detail other : DETAILS) {
                    if (other.object().equals(d.object())) {
                        counts[other.count()] = 0;
                    }
                }
                return Mutation.valid(s.replaceFirst("\"" + d.object() + "\":\\{[^}]*}", "\"" + d.object() + "\":" + value),
                        d.object() + " " + value, new Reads(base.serviceTier(), Usage.of(counts)));
            }
            case 3:
                // the value set is "1,<the name>:2": the detail twice
                return r.nextBoolean()
                        ? Mutation.reject(setDetail(s, d, "1,\"" + d.name() + "\":2"), d.path() + " twice",
                                RejectReason.MALFORMED_JSON, "Duplicate field '" + d.name() + "'")
                        : Mutation.reject(inUsage(s, "\"" + d.object() + "\":{},\"" + d.object() + "\":{}"), d.object() + " twice",
                                RejectReason.MALFORMED_JSON, "Duplicate field '" + d.object() + "'");
            case 4: {
                // checked even beside cached_tokens, where it does not count
                String[] bad = NOT_COUNTS[r.nextInt(NOT_COUNTS.length)];
                return Mutation.reject(inUsage(s, "\"prompt_cache_hit_tokens\":" + bad[0]), "prompt_cache_hit_tokens " + bad[1],
                        RejectReason.INVALID_FIELD, "usage.prompt_cache_hit_tokens is not a non-negative integer");
            }
            default:
                // DeepSeek's cache hits are the cached tokens only where cached_tokens is absent
                switch (r.nextInt(3)) {
                    case 0: {
                        // generated usages without details (vLLM's) have no cached_tokens for them to be beside
                        boolean beside = Pattern.compile("\"cached_tokens\":\\d").matcher(s).find();
                        counts[CACHED.count()] = beside ? counts[CACHED.count()] : 12;
                        return Mutation.valid(inUsage(s, "\"prompt_cache_hit_tokens\":12"),
                                "prompt_cache_hit_tokens " + (beside ? "beside" : "without") + " cached_tokens",
                                new Reads(base.serviceTier(), Usage.of(counts)));
                    }
                    case 1:
                        for (Detail other : DETAILS) {
                            if (other.object().equals(CACHED.object())) {
                                counts[other.count()] = 0;
                            }
                        }
                        counts[CACHED.count()] = 12;
                        String without = s.replaceFirst(",?\"" + CACHED.object() + "\":\\{[^}]*}", "")
                                .replace("\"usage\":{,", "\"usage\":{");
                        return Mutation.valid(inUsage(without, "\"prompt_cache_hit_tokens\":12"),
                                "prompt_cache_hit_tokens without " + CACHED.object(),
                                new Reads(base.serviceTier(), Usage.of(counts)));
                    default:
                        return Mutation.reject(inUsage(s, "\"prompt_cache_hit_tokens\":12,\"prompt_cache_hit_tokens\":12"),
                                "prompt_cache_hit_tokens twice", RejectReason.MALFORMED_JSON,
                                "Duplicate field 'prompt_cache_hit_tokens'");
                }
        }
    }

    /** Groq's usage as Groq sends it, with timings: 40 prompt and 10 completion tokens. */
    private static final String GROQ_USAGE = "{\"queue_time\":0.017,\"prompt_tokens\":40,\"prompt_time\":0.002,"
            + "\"completion_tokens\":10,\"completion_time\":0.008,\"total_tokens\":50,\"total_time\":0.01}";

    /** Broken {@code x_groq.usage} values, and their reject reason and detail where they stand for the usage. */
    private static final String[][] BROKEN_GROQ_USAGES = {
        {"\"x\"", RejectReason.INVALID_FIELD, "x_groq.usage is a string, not an object"},
        {"[40,10,50]", RejectReason.INVALID_FIELD, "x_groq.usage is an array, not an object"},
        {"{\"prompt_tokens\":40,\"total_tokens\":50}", RejectReason.MISSING_FIELD, "x_groq.usage.completion_tokens is missing"},
        {"{\"prompt_tokens\":-40,\"completion_tokens\":10,\"total_tokens\":50}", RejectReason.INVALID_FIELD,
            "x_groq.usage.prompt_tokens is not a non-negative integer"},
        {"{\"prompt_tokens\":40,\"completion_tokens\":10,\"total_tokens\":50,\"completion_tokens_details\":"
            + "{\"reasoning_tokens\":1.5}}", RejectReason.INVALID_FIELD,
            "x_groq.usage.completion_tokens_details.reasoning_tokens is not a non-negative integer"},
        {"{\"prompt_tokens\":40,\"completion_tokens\":10,\"total_tokens\":50,\"prompt_cache_hit_tokens\":\"8\"}",
            RejectReason.INVALID_FIELD, "x_groq.usage.prompt_cache_hit_tokens is not a non-negative integer"},
    };

    /** Groq's {@code x_groq}: its usage stands for a usage that is absent or null, and only then counts. */
    private static Mutation groq(String s, SplittableRandom r) {
        Reads base = readsOf(s);
        boolean hasUsage = base.usage() != null;
        String beside = hasUsage ? " beside a usage" : " without a usage";
        switch (r.nextInt(4)) {
            case 0: {
                String[] values = {"7", "\"req_1\"", "[]", "null", "{\"id\":\"req_1\"}", "{\"id\":\"req_1\",\"usage\":null}"};
                String value = values[r.nextInt(values.length)];
                return Mutation.valid(add(s, "x_groq", value), "x_groq " + value + ", no usage in it", base);
            }
            case 1: {
                String[] broken = BROKEN_GROQ_USAGES[r.nextInt(BROKEN_GROQ_USAGES.length)];
                String json = add(s, "x_groq", "{\"id\":\"req_1\",\"usage\":" + broken[0] + "}");
                String kind = "x_groq.usage " + broken[0] + beside;
                return hasUsage ? Mutation.valid(json, kind, base) : Mutation.reject(json, kind, broken[1], broken[2]);
            }
            case 2:
                return Mutation.valid(add(s, "x_groq", "{\"id\":\"req_1\",\"usage\":" + GROQ_USAGE + "}"),
                        "x_groq.usage" + beside,
                        hasUsage ? base : new Reads(base.serviceTier(), new Usage(40, 10, 50, 0, 0)));
            default:
                return r.nextBoolean()
                        ? Mutation.reject(add(s, "x_groq", "{\"usage\":null,\"usage\":" + GROQ_USAGE + "}"),
                                "x_groq.usage twice", RejectReason.MALFORMED_JSON, "Duplicate field 'usage'")
                        : Mutation.reject(add(add(s, "x_groq", "{}"), "x_groq", "{}"), "x_groq twice",
                                RejectReason.MALFORMED_JSON, "Duplicate field 'x_groq'");
        }
    }

    private static final String OBJECT_EMPTY = "object is \"\", expected chat.completion or chat.completion.chunk";

    /**
     * Azure's preamble with one thing changed: no longer skipped but rejected, mostly for its
     * empty {@code object}, which is checked first.
     */
    private static final Mutation[] NEAR_PREAMBLES = {
        nearPreamble("id not empty", "\"id\":\"\"", "\"id\":\"chatcmpl-1\"", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("id null", "\"id\":\"\"", "\"id\":null", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("model not empty", "\"model\":\"\"", "\"model\":\"gpt-4o\"", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("created 1", "\"created\":0", "\"created\":1", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("created 0.0", "\"created\":0", "\"created\":0.0", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("created missing", "\"created\":0,", "", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("a choice", "\"choices\":[]", "\"choices\":[{\"index\":0,\"delta\":{}}]",
                RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("choices null", "\"choices\":[]", "\"choices\":null", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("choices missing", "\"choices\":[],", "", RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("usage not an object", "\"choices\":[]", "\"choices\":[],\"usage\":\"x\"",
                RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("prompt_filter_results renamed", "\"prompt_filter_results\"", "\"prompt_filter_result\"",
                RejectReason.UNSUPPORTED_OBJECT, OBJECT_EMPTY),
        nearPreamble("object missing", "\"object\":\"\",", "", RejectReason.MISSING_FIELD, "object is missing"),
        nearPreamble("object null", "\"object\":\"\"", "\"object\":null", RejectReason.MISSING_FIELD, "object is missing"),
        nearPreamble("object a chunk's", "\"object\":\"\"", "\"object\":\"chat.completion.chunk\"",
                RejectReason.INVALID_FIELD, "id is empty"),
        nearPreamble("object a number", "\"object\":\"\"", "\"object\":0", RejectReason.UNSUPPORTED_OBJECT,
                "object is a number, expected chat.completion or chat.completion.chunk"),
        nearPreamble("id twice", "\"id\":\"\"", "\"id\":\"\",\"id\":\"\"", RejectReason.MALFORMED_JSON,
                "Duplicate field 'id'"),
        nearPreamble("prompt_filter_results twice", "\"prompt_filter_results\":", "\"prompt_filter_results\":[],"
                + "\"prompt_filter_results\":", RejectReason.MALFORMED_JSON, "Duplicate field 'prompt_filter_results'"),
    };

    private static Mutation nearPreamble(String kind, String from, String to, String reason, String detail) {
        return Mutation.reject(replaceOnce(Logged.AZURE_PREAMBLE, from, to), "Azure's prompt-filter preamble, " + kind,
                reason, detail);
    }

    /** Azure's prompt-filter preamble, skipped, or one field away from it, rejected. */
    private static Mutation preamble(SplittableRandom r) {
        int k = r.nextInt(NEAR_PREAMBLES.length + 2);
        if (k == NEAR_PREAMBLES.length) {
            return Mutation.skipped(Logged.AZURE_PREAMBLE, "Azure's prompt-filter preamble");
        }
        if (k == NEAR_PREAMBLES.length + 1) {
            // a null usage is no usage: still the preamble's shape
            return Mutation.skipped(replaceOnce(Logged.AZURE_PREAMBLE, "\"choices\":[]", "\"choices\":[],\"usage\":null"),
                    "Azure's prompt-filter preamble with a null usage");
        }
        return NEAR_PREAMBLES[k];
    }

    /** A usage as TrafficGenerator writes them, for the records that have none. */
    private static final String USAGE = "{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":16},\"completion_tokens_details\":{\"reasoning_tokens\":4}}";

    /** {@code s} with a usage: its own, else {@link #USAGE} for its null or missing one. */
    private static String withUsage(String s) {
        if (s.contains("\"usage\":{")) {
            return s;
        }
        return s.contains("\"usage\":null") ? replaceOnce(s, "\"usage\":null", "\"usage\":" + USAGE) : add(s, "usage", USAGE);
    }

    /**
     * What the parser reads from a record as TrafficGenerator writes it (or with {@link #USAGE}):
     * a service tier if any, a usage with every detail TrafficGenerator writes if any.
     */
    private static Reads readsOf(String s) {
        Matcher tier = Pattern.compile("\"service_tier\":\"([^\"]*)\"").matcher(s);
        Usage usage = s.contains("\"usage\":{")
                ? Usage.of(new long[] {count(s, "prompt_tokens"), count(s, "completion_tokens"), count(s, "total_tokens"),
                    detail(s, "prompt_tokens_details", "cached_tokens"),
                    detail(s, "completion_tokens_details", "reasoning_tokens"),
                    detail(s, "prompt_tokens_details", "audio_tokens"),
                    detail(s, "completion_tokens_details", "audio_tokens"),
                    detail(s, "completion_tokens_details", "accepted_prediction_tokens"),
                    detail(s, "completion_tokens_details", "rejected_prediction_tokens"),
                    detail(s, "prompt_tokens_details", "cache_write_tokens")})
                : null;
        return new Reads(tier.find() ? tier.group(1) : "", usage);
    }

    private static long count(String s, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(s);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + name + " in " + s);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * {@code s} with detail {@code d} set to the JSON {@code value}: replaced where its details
     * object has it, else first in that object, which is added to the usage if missing.
     */
    private static String setDetail(String s, Detail d, String value) {
        String set = "\"" + d.name() + "\":" + value;
        int[] at = detailsObject(s, d.object());
        if (at == null) {
            return inUsage(s, "\"" + d.object() + "\":{" + set + "}");
        }
        Matcher old = Pattern.compile("\"" + d.name() + "\":\\d+").matcher(s).region(at[0], at[1]);
        if (old.find()) {
            return s.substring(0, old.start()) + set + s.substring(old.end());
        }
        return s.substring(0, at[0]) + set + (at[0] == at[1] ? "" : ",") + s.substring(at[0]);
    }

    /** The count {@code name} in details object {@code object} of {@code s}, 0 when absent. */
    private static long detail(String s, String object, String name) {
        int[] at = detailsObject(s, object);
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(s);
        return at != null && m.region(at[0], at[1]).find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Where the inside of details object {@code object} starts and ends (they are flat); null if absent. */
    private static int[] detailsObject(String s, String object) {
        String open = "\"" + object + "\":{";
        int at = s.indexOf(open);
        return at < 0 ? null : new int[] {at + open.length(), s.indexOf('}', at + open.length())};
    }

    /** {@code s} with {@code fields} first in its usage object. */
    private static String inUsage(String s, String fields) {
        return replaceOnce(s, "\"usage\":{", "\"usage\":{" + fields + ",");
    }

    /** {@code s} with its top-level string field {@code name} set to the JSON {@code value}, added if absent. */
    private static String put(String s, String name, String value) {
        Matcher m = Pattern.compile("\"" + name + "\":\"[^\"]*\"").matcher(s);
        return m.find() ? s.substring(0, m.start()) + "\"" + name + "\":" + value + s.substring(m.end()) : add(s, name, value);
    }

    /** {@code s} with the field {@code name} added last to its top-level object. */
    private static String add(String s, String name, String value) {
        return s.substring(0, s.length() - 1) + ",\"" + name + "\":" + value + "}";
    }

    /** {@code s} with the first {@code from} replaced by {@code to}; there must be one. */
    private static String replaceOnce(String s, String from, String to) {
        int at = find(s, from);
        return s.substring(0, at) + to + s.substring(at + from.length());
    }

    /** Where {@code what} first is in {@code s}; the mutations above only look for what is there. */
    private static int find(String s, String what) {
        int at = s.indexOf(what);
        if (at < 0) {
            throw new IllegalArgumentException("no " + what + " in " + s);
        }
        return at;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
