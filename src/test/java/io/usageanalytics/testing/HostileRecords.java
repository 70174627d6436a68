package io.usageanalytics.testing;

import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

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
 * records in memory or in the job graph.
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
        if (p % (NOISE_PER_RECORD + 1) == 0) {
            return base.get(p / (NOISE_PER_RECORD + 1));
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + p);
        if (p == HUGE_POSITION) {
            return ("{\"id\":\"huge\",\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"content\":\"" + "x".repeat(10 * 1024 * 1024)
                    + "\"},\"finish_reason\":\"stop\"}]}").getBytes(StandardCharsets.UTF_8);
        }
        byte[] v = base.get(r.nextInt(base.size()));
        String s = new String(v, StandardCharsets.UTF_8);
        switch (r.nextInt(14)) {
            case 0:
                return Arrays.copyOf(v, r.nextInt(v.length));
            case 1: {
                byte[] flipped = v.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    flipped[r.nextInt(flipped.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return flipped;
            }
            case 2: {
                int at = r.nextInt(v.length);
                byte[] bad = r.nextBoolean() ? new byte[] {(byte) 0xC3, 0x28} : new byte[] {(byte) 0xFF};
                byte[] out = new byte[v.length + bad.length];
                System.arraycopy(v, 0, out, 0, at);
                System.arraycopy(bad, 0, out, at, bad.length);
                System.arraycopy(v, at, out, at + bad.length, v.length - at);
                return out;
            }
            case 3:
                return bytes(pick(r,
                        s.replaceFirst("\"created\":(\\d+)", "\"created\":\"$1\""),
                        s.replaceFirst("\"model\":\"", "\"model\":7,\"was\":\""),
                        s.replaceFirst("\"choices\":\\[", "\"choices\":0,\"c\":["),
                        s.replaceFirst("\"prompt_tokens\":(\\d+)", "\"prompt_tokens\":\"$1\""),
                        s.replaceFirst("\"index\":(\\d+)", "\"index\":true")));
            case 4:
                return bytes(pick(r,
                        s.replaceFirst("\"id\":\"[^\"]*\",", ""),
                        s.replaceFirst("\"model\":\"[^\"]*\",", ""),
                        s.replaceFirst("\"created\":\\d+,", ""),
                        s.replaceFirst("\"object\":\"[^\"]*\",", "")));
            case 5:
                return bytes("{\"id\":\"dup-key\"," + s.substring(1));
            case 6:
                return bytes(pick(r,
                        s.replaceFirst("\"created\":\\d+", "\"created\":99999999999999999999999"),
                        s.replaceFirst("\"created\":\\d+", "\"created\":-1767225600"),
                        s.replaceFirst("\"created\":\\d+", "\"created\":0"),
                        s.replaceFirst("\"created\":\\d+", "\"created\":32503680000"),
                        s.replaceFirst("\"completion_tokens\":\\d+", "\"completion_tokens\":-1"),
                        s.replaceFirst("\"prompt_tokens\":\\d+", "\"prompt_tokens\":1e400")));
            case 7: {
                int depth = 40 + r.nextInt(400);
                return bytes("{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + "," + s.substring(1));
            }
            case 8:
                return bytes(r.nextBoolean()
                        ? s.replaceFirst("\"model\":\"[^\"]*\"", "\"model\":\"" + "m".repeat(10_000) + "\"")
                        : "{\"blob\":\"" + "b".repeat(100_000 + r.nextInt(200_000)) + "\"," + s.substring(1));
            case 9:
                return r.nextBoolean() ? new byte[0] : null;
            case 10:
                return bytes(r.nextBoolean() ? "[" + s + "]" : "\"" + s.replace("\"", "\\\"") + "\"");
            case 11:
                // still valid: unknown fields anywhere
                return bytes("{\"x_gateway\":{\"a\":[1,2,{\"b\":null}],\"t\":1.5}," + s.substring(1));
            case 12:
                return bytes(s.replaceFirst("\"object\":\"[^\"]*\"", "\"object\":\"chat.completion.chunk.v2\""));
            default:
                return bytes(s + (r.nextBoolean() ? " {}" : ","));
        }
    }

    private static String pick(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
