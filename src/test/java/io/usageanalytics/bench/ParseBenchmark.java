package io.usageanalytics.bench;

import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Parsing one logged record, as the Kafka source does: a completion, a stream chunk parsed in
 * full, the chunks of streams one after the other (most read by the shape of the chunk before
 * them), a chunk with the end-to-end benchmark's two dimensions (a header, a field) and, as the
 * ceiling to approach, Jackson's streaming parser merely walking the chunk's tokens. Records come
 * from the local runner's generator and are cycled so the branch predictor cannot learn one; a
 * chunk's id is made new for each use (or each pass over the streams), so that no parser ever
 * reads a record by the shape of the very same record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class ParseBenchmark {

    private static final int SAMPLE = 4096;
    private static final JsonFactory JSON = new JsonFactory();

    private final LoggedObjectParser parser = new LoggedObjectParser();
    private final LoggedObjectParser withDimensions =
            new LoggedObjectParser(Dimensions.parse(GatewayFields.DIMENSIONS));
    private byte[][] completions;
    private byte[][] chunks;
    /** Where each chunk's id has eight hex digits to make it new with. */
    private int[] chunkIds;
    private int[] attributedIds;
    /** The chunks with the user field, and their tenant header, as {@link GatewayFields} writes them. */
    private byte[][] attributedChunks;
    private List<Map<String, byte[]>> tenantHeaders;
    private int next;

    @Setup
    public void generate() {
        List<byte[]> c = new ArrayList<>();
        List<byte[]> k = new ArrayList<>();
        TrafficGenerator generator = new TrafficGenerator(42, 1_767_225_600L, 1000, 0, 0);
        while (c.size() < SAMPLE || k.size() < SAMPLE) {
            for (TrafficGenerator.Record r : generator.next(100)) {
                LoggedObject o = parser.parse(LoggedRecord.of(r.value())).object;
                if (o == null) {
                    continue; // Azure's preamble, skipped: neither a completion nor a chunk
                }
                List<byte[]> into = o.chunk ? k : c;
                if (into.size() < SAMPLE) {
                    into.add(r.value());
                }
            }
        }
        completions = c.toArray(new byte[0][]);
        chunks = k.toArray(new byte[0][]);
        chunkIds = idDigits(chunks);
        GatewayFields gateway = new GatewayFields(100_000);
        attributedChunks = new byte[SAMPLE][];
        tenantHeaders = new ArrayList<>();
        for (int i = 0; i < SAMPLE; i++) {
            ProducerRecord<byte[], byte[]> r = gateway.record("bench", new TrafficGenerator.Record(
                    ("chatcmpl-" + i).getBytes(StandardCharsets.UTF_8), chunks[i]));
            attributedChunks[i] = r.value();
            byte[] tenant = r.headers().lastHeader(GatewayFields.TENANT_HEADER).value();
            tenantHeaders.add(Map.of(GatewayFields.TENANT_HEADER, tenant));
        }
        attributedIds = idDigits(attributedChunks);
    }

    @Benchmark
    public ParsedRecord parseCompletion() {
        return parser.parse(LoggedRecord.of(completions[next++ & (SAMPLE - 1)]));
    }

    /** A chunk parsed in full: its id new every time, so no chunk before it has its shape. */
    @Benchmark
    public ParsedRecord parseChunk() {
        int i = next++ & (SAMPLE - 1);
        return parser.parse(LoggedRecord.of(withId(chunks, chunkIds, i, next)));
    }

    /** The generator's chunks in their order, each stream's one after the other, as a topic holds them. */
    @Benchmark
    public ParsedRecord parseStreamChunks() {
        int i = next++ & (SAMPLE - 1);
        return parser.parse(LoggedRecord.of(withId(chunks, chunkIds, i, next >>> 12)));
    }

    /** Record {@code i} of {@code sample} with its id's first eight hex digits set to {@code stamp}. */
    private static byte[] withId(byte[][] sample, int[] ids, int i, int stamp) {
        byte[] record = sample[i];
        for (int d = 0; d < 8; d++) {
            record[ids[i] + d] = (byte) Character.forDigit((stamp >>> (28 - 4 * d)) & 0xF, 16);
        }
        return record;
    }

    /** Where each record's {@code chatcmpl-} id starts. */
    private static int[] idDigits(byte[][] sample) {
        byte[] prefix = "\"chatcmpl-".getBytes(StandardCharsets.US_ASCII);
        int[] at = new int[sample.length];
        for (int r = 0; r < sample.length; r++) {
            at[r] = -1;
            for (int i = 0; i + prefix.length <= sample[r].length && at[r] < 0; i++) {
                if (Arrays.equals(sample[r], i, i + prefix.length, prefix, 0, prefix.length)) {
                    at[r] = i + prefix.length;
                }
            }
        }
        return at;
    }

    /** The chunks with the benchmark's header and field, which a job without dimensions skips. */
    @Benchmark
    public ParsedRecord parseAttributedChunk() {
        int i = next++ & (SAMPLE - 1);
        LoggedRecord r = LoggedRecord.of(withId(attributedChunks, attributedIds, i, next));
        r.headers = tenantHeaders.get(i);
        return parser.parse(r);
    }

    /** The same, reading both dimensions. */
    @Benchmark
    public ParsedRecord parseAttributedChunkWithDimensions() {
        int i = next++ & (SAMPLE - 1);
        LoggedRecord r = LoggedRecord.of(withId(attributedChunks, attributedIds, i, next));
        r.headers = tenantHeaders.get(i);
        return withDimensions.parse(r);
    }

    /** Every token of the chunk visited, nothing kept: the cost of reading the bytes at all. */
    @Benchmark
    public int jacksonWalkChunk() throws IOException {
        int tokens = 0;
        try (JsonParser p = JSON.createParser(chunks[next++ & (SAMPLE - 1)])) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                tokens++;
            }
        }
        return tokens;
    }
}
