package io.usageanalytics.testing;

import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.RejectReason;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Valid records with seeded mutations in between: truncation, byte flips, invalid UTF-8, type
 * swaps, missing and duplicated keys, huge and negative numbers, deep nesting, very long strings,
 * empty and null values, and one 10 MB record. Record {@code p} is a pure function of the seed and
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
        EITHER
    }

    /**
     * Record {@code p}: its value, the mutation that made it, what it must come to, and for a
     * reject the reason where the mutation alone decides it ({@code null} where it does not).
     */
    public record Mutation(byte[] value, String kind, Outcome outcome, String reason) {

        static Mutation valid(byte[] value, String kind) {
            return new Mutation(value, kind, Outcome.VALID, null);
        }

        static Mutation reject(byte[] value, String kind, String reason) {
            return new Mutation(value, kind, Outcome.MUST_REJECT, reason);
        }

        /** A rewrite of {@code of} that is rejected for {@code reason}; valid if nothing matched. */
        static Mutation rewrite(String of, String rewritten, String kind, String reason) {
            return rewritten.equals(of)
                    ? valid(bytes(of), kind + " (absent here: the record unchanged)")
                    : reject(bytes(rewritten), kind, reason);
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
        switch (r.nextInt(14)) {
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
                return new Mutation(flipped, "byte flips", Outcome.EITHER, null);
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
                                : new Mutation(bytes(swapped), "an index as a boolean, not a choice's", Outcome.EITHER, null);
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
            default:
                return Mutation.reject(bytes(s + (r.nextBoolean() ? " {}" : ",")), "trailing content",
                        RejectReason.MALFORMED_JSON);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
