package io.usageanalytics.parsing;

import io.usageanalytics.local.TrafficGenerator;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A chunk read by the shape of the chunk before it reads exactly as the full parse reads it. */
class ChunkShapesTest {

    private static final Dimensions DIMENSIONS = Dimensions.parse(TrafficGenerator.DIMENSIONS);
    private static final long T0 = 1_767_225_600L;

    private final AtomicLong clock = new AtomicLong(T0 + 3600);
    private final LoggedObjectParser parser = new LoggedObjectParser(DIMENSIONS, clock::get);
    private long offset;

    /** What a parser that has seen nothing before (so parses in full) makes of the record. */
    private ParsedRecord parsedInFull(LoggedRecord record) {
        return new LoggedObjectParser(DIMENSIONS, clock::get).parse(record);
    }

    /** A fresh parser that has read {@code known} twice: a shape is kept from an id's second text chunk on. */
    private LoggedObjectParser primedWith(LoggedRecord known) {
        LoggedObjectParser primed = new LoggedObjectParser(DIMENSIONS, clock::get);
        for (int seen = 0; seen < 2; seen++) {
            assertThat(primed.parse(known)).isEqualTo(parsedInFull(known));
        }
        return primed;
    }

    /** The chunks' records as a run keeps them ({@link FoldedRecords}), written and read back, and how many bytes that took. */
    private record Sent(List<LoggedRecord> records, int bytes) {}

    private static Sent keptAndSent(List<LoggedObject> chunks) throws IOException {
        FoldedRecords kept = new FoldedRecords(chunks.size());
        chunks.forEach(kept::keep);
        DataOutputSerializer out = new DataOutputSerializer(1024);
        FoldedRecords.write(kept, out);
        return new Sent(FoldedRecords.read(new DataInputDeserializer(out.getCopyOfBuffer())), out.length());
    }

    /** {@code chunk}'s record, kept in a run, rebuilt and sent: byte for byte its own, wherever the shape lay. */
    private static void assertKeptExactly(LoggedObject chunk) throws IOException {
        assertThat(keptAndSent(List.of(chunk)).records()).containsExactly(chunk.source);
        FoldedRecords kept = new FoldedRecords(1);
        kept.keep(chunk);
        assertThat(kept.get(0)).isEqualTo(chunk.source);
    }

    private LoggedRecord record(byte[] value, Map<String, byte[]> headers) {
        LoggedRecord r = new LoggedRecord(value, null, "llm", 0, offset++);
        r.headers = headers;
        return r;
    }

    @Test
    void bothMixesReadAsInFullAndMostTextChunksByShape() throws IOException {
        for (int[] contentChunks : new int[][] {{3, 12}, {100, 600}}) {
            TrafficGenerator generator = new TrafficGenerator(5, T0, 50, 0.01, 0.02)
                    .contentChunks(contentChunks[0], contentChunks[1]);
            long before = parser.readByShape();
            int records = 0;
            List<LoggedObject> chunks = new ArrayList<>();
            while (records < 30_000) {
                for (TrafficGenerator.Record r : generator.next(20)) {
                    LoggedRecord logged = record(r.value(), r.headers());
                    ParsedRecord parsed = parser.parse(logged);
                    assertThat(parsed).as("record %d", records).isEqualTo(parsedInFull(logged));
                    if (parsed.object != null && parsed.object.chunk) {
                        chunks.add(parsed.object);
                    }
                    records++;
                }
            }
            // every chunk's record as a run keeps and sends it, byte for byte; a chunk read by
            // shape sends little more than its text
            Sent sent = keptAndSent(chunks);
            assertThat(sent.records()).containsExactlyElementsOf(chunks.stream().map(c -> c.source).toList());
            long whole = chunks.stream().mapToLong(c -> c.source.value.length).sum();
            assertThat((double) sent.bytes() / whole).as("sent per byte of the chunks' values, %s content chunks",
                    contentChunks[0]).isLessThan(contentChunks[0] == 3 ? 0.5 : 0.15);
            // every text chunk but each stream's first (which carries the role) and its last ones
            assertThat(parser.readByShape() - before).as("read by shape, %s content chunks", contentChunks[0])
                    .isGreaterThan(contentChunks[0] == 3 ? 5_000 : 25_000);
        }
    }

    /** Records that equal a known chunk but for what lies where its text was: nothing else may change. */
    @Test
    void onlyPlainTextInPlaceOfTheContentIsReadByShape() throws IOException {
        String before = "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":" + T0
                + ",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":";
        String after = "},\"finish_reason\":null}],\"x_gateway\":{\"app\":\"a\",\"user\":\"u\"}}";
        Map<String, byte[]> tenant = new LinkedHashMap<>(Map.of(TrafficGenerator.TENANT_HEADER, bytes("acme")));
        LoggedRecord known = record(bytes(before + "\"Hello\"" + after), tenant);
        // a shape is kept from an id's second text chunk parsed in full on
        assertThat(parser.parse(known).object).isNotNull();
        LoggedRecord second = record(bytes(before + "\" there\"" + after), tenant);
        assertThat(parser.parse(second)).isEqualTo(parsedInFull(second));
        assertThat(parser.readByShape()).isZero();
        assertThat(parser.parse(known)).isEqualTo(parsedInFull(known));
        assertThat(parser.readByShape()).isEqualTo(1);

        List<byte[]> middles = new ArrayList<>();
        for (String text : List.of("\" world\"", "\"\"", "\"é 😀 中\"", "\"a\",\"x\":\"b\"", "\"a\\\"b\"",
                "\"a\\nb\"", "\"\\ud83d\"", "\"a\"b\"", "\"unterminated", "\"a\" ", "null", "\"a\"}],\"usage\":{\"x\":1")) {
            middles.add(bytes(text));
        }
        middles.add(new byte[] {'"', 'a', 0x01, '"'});
        middles.add(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'});
        middles.add(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'});
        middles.add(new byte[] {'"', (byte) 0xE4, (byte) 0xB8, '"'});
        byte[] huge = new byte[LoggedObjectParser.MAX_RECORD_BYTES];
        Arrays.fill(huge, (byte) 'x');
        huge[0] = '"';
        huge[huge.length - 1] = '"';
        middles.add(huge);

        List<String> byShape = new ArrayList<>();
        for (byte[] middle : middles) {
            LoggedObjectParser primed = primedWith(known);
            LoggedRecord variant = record(concat(bytes(before), middle, bytes(after)), tenant);
            String text = new String(middle, 0, Math.min(middle.length, 40), StandardCharsets.UTF_8);
            ParsedRecord parsed = primed.parse(variant);
            assertThat(parsed).as(text).isEqualTo(parsedInFull(variant));
            if (primed.readByShape() == 1) {
                byShape.add(text);
                assertKeptExactly(parsed.object);
            }
        }
        assertThat(byShape).containsExactly("\" world\"", "\"\"", "\"é 😀 中\"");

        // the same record, but its header is not UTF-8; another id; the clock gone back past created
        LoggedRecord badHeader = record(bytes(before + "\"Hi\"" + after),
                Map.of(TrafficGenerator.TENANT_HEADER, new byte[] {(byte) 0xFF}));
        assertThat(parser.parse(badHeader)).isEqualTo(parsedInFull(badHeader));
        assertThat(parser.readByShape()).isEqualTo(2);
        assertThat(parser.parse(badHeader).reject.reason).isEqualTo(RejectReason.INVALID_FIELD);
        LoggedRecord otherId = record(bytes(before.replace("chatcmpl-s", "chatcmpl-t") + "\"Hi\"" + after), tenant);
        assertThat(parser.parse(otherId)).isEqualTo(parsedInFull(otherId));
        clock.set(T0 - LoggedObjectParser.MAX_FUTURE_SECONDS - 1);
        LoggedRecord future = record(bytes(before + "\"Hi\"" + after), tenant);
        assertThat(parser.parse(future).reject.detail).isEqualTo("created is " + T0 + ", more than a day ahead of the clock");
        assertThat(parser.readByShape()).isEqualTo(3);
    }

    /**
     * vLLM reports the usage so far on every chunk: records that equal a known chunk but for its
     * text and what lies where its usage was. Only a usage read alone exactly as the full parse
     * reads it there is read by shape.
     */
    @Test
    void onlyAValidUsageInPlaceOfTheUsageIsReadByShape() throws IOException {
        String before = "{\"id\":\"chatcmpl-v\",\"object\":\"chat.completion.chunk\",\"created\":" + T0
                + ",\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\" x\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":";
        String after = ",\"x_gateway\":{\"app\":\"a\",\"user\":\"u\"}}";
        Map<String, byte[]> tenant = Map.of(TrafficGenerator.TENANT_HEADER, bytes("acme"));
        LoggedRecord known = record(bytes(before + "{\"prompt_tokens\":12,\"total_tokens\":13,\"completion_tokens\":1}"
                + after), tenant);

        List<String> usages = List.of(
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":12,\"total_tokens\":1012,\"completion_tokens\":1000}",
                "{ \"completion_tokens\" : 3 , \"prompt_tokens\":12,\"total_tokens\":15 }",
                "{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":8},\"x\":\"}\"}",
                "{\"prompt\\u005ftokens\":12,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":12,\"prompt_tokens\":13,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":12,\"completion_tokens\":2}",
                "{\"prompt_tokens\":-1,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":1.5,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":99999999999999999999,\"total_tokens\":14,\"completion_tokens\":2}",
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2},\"usage\":{\"prompt_tokens\":1}",
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2} {}",
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2,\"x\":{\"y\":{\"z\":{}}}}",
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2,\"x\":[1]}",
                "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2",
                "{}", "null", "[]", "12");
        List<byte[]> variants = new ArrayList<>();
        for (String usage : usages) {
            variants.add(bytes(before + usage + after));
        }
        variants.add(concat(bytes(before + "{\"x\":\""), new byte[] {(byte) 0xC0, (byte) 0xAF},
                bytes("\",\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2}" + after)));
        // the text and the usage both new; what lies between them, or after, not as known
        variants.add(bytes(before.replace("\" x\"", "\" and more\"")
                + "{\"prompt_tokens\":12,\"total_tokens\":15,\"completion_tokens\":3}" + after));
        variants.add(bytes(before.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\"")
                + "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2}" + after));
        variants.add(bytes(before + "{\"prompt_tokens\":12,\"total_tokens\":14,\"completion_tokens\":2}"
                + after.replace("\"u\"", "\"v\"")));

        assertThat(parsedInFull(known).object.usage).isNotNull();
        List<Integer> byShape = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            LoggedObjectParser primed = primedWith(known);
            LoggedRecord variant = record(variants.get(i), tenant);
            ParsedRecord parsed = primed.parse(variant);
            assertThat(parsed).as("variant %d", i).isEqualTo(parsedInFull(variant));
            if (primed.readByShape() == 1) {
                byShape.add(i);
                assertKeptExactly(parsed.object);
            }
        }
        assertThat(byShape).containsExactly(0, 1, 2, 3, 4, 20);
        LoggedObject read = parser.parse(record(variants.get(3), tenant)).object;
        assertThat(read.usage).isEqualTo(parsedInFull(record(variants.get(3), tenant)).object.usage);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
