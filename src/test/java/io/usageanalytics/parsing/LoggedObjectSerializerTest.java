package io.usageanalytics.parsing;

import io.usageanalytics.local.TrafficGenerator;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LoggedObjectSerializerTest {

    private final LoggedObjectSerializer serializer = LoggedObjectSerializer.INSTANCE;

    @Test
    void everyRecordOfTheGeneratorsMixComesBackEqual() throws IOException {
        // With the generator's dimensions: values and the header they came from travel too.
        LoggedObjectParser parser = new LoggedObjectParser(Dimensions.parse(TrafficGenerator.DIMENSIONS));
        TrafficGenerator generator = new TrafficGenerator(7, 1_767_225_600L, 1000, 0, 0);
        List<LoggedObject> objects = new ArrayList<>();
        long offset = 0;
        while (objects.size() < 5_000) {
            for (TrafficGenerator.Record r : generator.next(100)) {
                LoggedRecord logged = new LoggedRecord(r.value(), r.key(), "llm-responses", 1, offset++);
                logged.headers = r.headers();
                ParsedRecord parsed = parser.parse(logged);
                // Azure's preambles are skipped: no object
                if (parsed.object != null) {
                    objects.add(parsed.object);
                }
            }
        }
        assertThat(objects).anyMatch(o -> o.chunk).anyMatch(o -> !o.chunk).anyMatch(o -> o.usage == null)
                .anyMatch(o -> o.choices.stream().anyMatch(c -> !c.toolArguments.isEmpty()))
                .anyMatch(o -> o.serviceTier.equals("flex"))
                .allMatch(o -> o.dimensions.length == 2 && !o.dimensions[0].isEmpty() && !o.dimensions[1].isEmpty()
                        && o.source.headers.containsKey(TrafficGenerator.TENANT_HEADER))
                .anyMatch(o -> o.usage != null && o.usage.audioPromptTokens > 0 && o.usage.audioCompletionTokens > 0)
                .anyMatch(o -> o.usage != null && o.usage.acceptedPredictionTokens > 0
                        && o.usage.rejectedPredictionTokens > 0);

        DataOutputSerializer out = new DataOutputSerializer(1024);
        for (LoggedObject o : objects) {
            serializer.serialize(o, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (LoggedObject o : objects) {
            assertThat(serializer.deserialize(in)).isEqualTo(o);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void nullsEmptiesAndTextUtf8CannotCarryComeBackExactly() throws IOException {
        LoggedObject o = new LoggedObject();
        o.source = new LoggedRecord(new byte[0], null, null, -1, -1);
        o.id = "chatcmpl-é";
        o.model = null;
        o.systemFingerprint = "";
        o.created = -1;
        ChoicePart lone = new ChoicePart(0, null, "half a pair: \ud83d, then a whole one: \ud83d\ude00");
        lone.toolArguments.put(-1, "{\"q\":\"\udc00\"}");
        lone.toolArguments.put(3, null);
        o.choices.add(lone);
        o.choices.add(new ChoicePart(Integer.MAX_VALUE, "stop", null));
        o.serviceTier = "flex";
        o.usage = Usage.of(new long[] {Long.MAX_VALUE, 0, -1, 4, 5, 6, 7, 8, 9, 10});

        LoggedObject back = roundTrip(o);

        assertThat(back).isEqualTo(o);
        assertThat(back.choices.get(0).content.toCharArray()).containsExactly(lone.content.toCharArray());
        assertThat(roundTrip(new LoggedObject())).isEqualTo(new LoggedObject());
        assertThat(serializer.copy(o)).isEqualTo(o);
    }

    /** A run of folded chunks: every chunk's original record, headers included, and its counts. */
    @Test
    void aRunComesBackEqualAndItsCopySharesNoRecord() throws IOException {
        LoggedObject run = new LoggedObject();
        run.chunk = true;
        run.id = "chatcmpl-run";
        run.model = "gpt-4o";
        run.created = 1_767_225_600L;
        run.choices.add(new ChoicePart(0, "stop", null));
        run.choices.add(new ChoicePart(1, null, null));
        LoggedRecord first = new LoggedRecord("{\"a\":1}".getBytes(StandardCharsets.UTF_8), null, "llm", 1, 7);
        first.headers = new LinkedHashMap<>(Map.of("x-tenant", "acme".getBytes(StandardCharsets.UTF_8)));
        run.folded = new ArrayList<>(List.of(first, LoggedRecord.of(new byte[] {'{', '}'})));
        run.choiceChunks = 1;
        run.estimatedTokens = 42;

        assertThat(roundTrip(run)).isEqualTo(run);
        LoggedObject empty = new LoggedObject();
        empty.folded = new ArrayList<>();
        assertThat(roundTrip(empty)).isEqualTo(empty).isNotEqualTo(new LoggedObject());

        LoggedObject copy = serializer.copy(run);
        assertThat(copy).isEqualTo(run);
        copy.folded.get(0).value[0] = 'x';
        copy.folded.get(0).headers.get("x-tenant")[0] = 'X';
        assertThat(first.value[0]).isEqualTo((byte) '{');
        assertThat(first.headers.get("x-tenant")[0]).isEqualTo((byte) 'a');
    }

    /**
     * Data written in format 3 (before service tiers), 4 (before runs) or 5 (a run's records
     * whole) cannot be read: its restore fails clearly.
     */
    @Test
    void theEarlierFormatsAreIncompatible() {
        LoggedObjectSerializer.Snapshot current = new LoggedObjectSerializer.Snapshot();
        for (int format : new int[] {3, 4, 5}) {
            LoggedObjectSerializer.Snapshot previous = new LoggedObjectSerializer.Snapshot();
            previous.readSnapshot(format, null, getClass().getClassLoader());
            assertThat(current.resolveSchemaCompatibility(previous).isIncompatible()).isTrue();
        }
        assertThat(current.resolveSchemaCompatibility(new LoggedObjectSerializer.Snapshot()).isCompatibleAsIs())
                .isTrue();
    }

    /** A run as the merger makes it: its chunks read by shape cross as their text and come back byte for byte. */
    @Test
    void aRunOfChunksReadByShapeComesBackByteForByte() throws IOException {
        LoggedObjectParser parser = new LoggedObjectParser(Dimensions.parse(TrafficGenerator.DIMENSIONS));
        TrafficGenerator generator = new TrafficGenerator(3, 1_767_225_600L, 1000, 0, 0).contentChunks(100, 600);
        FoldedRecords kept = new FoldedRecords(600);
        List<LoggedRecord> originals = new ArrayList<>();
        String id = null;
        long offset = 0;
        while (kept.size() < 100) {
            for (TrafficGenerator.Record r : generator.next(50)) {
                LoggedRecord logged = new LoggedRecord(r.value(), r.key(), "llm-responses", 0, offset++);
                logged.headers = r.headers();
                LoggedObject o = parser.parse(logged).object;
                if (o != null && o.chunk && (id == null || id.equals(o.id)) ) {
                    id = o.id;
                    kept.keep(o);
                    originals.add(logged);
                }
            }
        }
        LoggedObject run = new LoggedObject();
        run.chunk = true;
        run.id = id;
        run.folded = kept;

        DataOutputSerializer out = new DataOutputSerializer(1024);
        serializer.serialize(run, out);
        LoggedObject back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(run);
        assertThat(back.folded).containsExactlyElementsOf(originals);
        // the text of each chunk read by shape, not its whole record
        assertThat(out.length()).isLessThan(originals.stream().mapToInt(r -> r.value.length).sum() / 4);
        LoggedObject copy = serializer.copy(back);
        copy.folded.get(0).value[0] = 'x';
        assertThat(back.folded.get(0)).isEqualTo(originals.get(0));
    }

    @Test
    void copiesAreEqualAndShareNothingMutable() throws IOException {
        LoggedObject o = new LoggedObject();
        o.source = LoggedRecord.of("{}".getBytes(StandardCharsets.UTF_8));
        o.id = "chatcmpl-1";
        ChoicePart c = new ChoicePart(0, null, "Hi");
        c.toolArguments.put(0, "{}");
        o.choices.add(c);
        o.usage = new Usage(1, 2, 3, 0, 0);

        LoggedObject copy = serializer.copy(o);
        assertThat(copy).isEqualTo(o);
        copy.source.value[0] = 'x';
        copy.choices.get(0).toolArguments.clear();
        copy.usage.totalTokens = 9;
        assertThat(o.source.value[0]).isEqualTo((byte) '{');
        assertThat(o.choices.get(0).toolArguments).hasSize(1);
        assertThat(o.usage.totalTokens).isEqualTo(3);

        DataOutputSerializer direct = new DataOutputSerializer(64);
        serializer.serialize(o, direct);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(direct.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(direct.getCopyOfBuffer());
    }

    @Test
    void flinkPicksItForLoggedObjectAndRestoresItFromItsSnapshot() throws IOException {
        assertThat(TypeInformation.of(LoggedObject.class)).isInstanceOf(LoggedObjectType.class);

        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
        TypeSerializerSnapshot<LoggedObject> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        TypeSerializer<LoggedObject> restored = read.restoreSerializer();

        assertThat(restored).isSameAs(serializer);
        TypeSerializerSchemaCompatibility<LoggedObject> compatibility =
                serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    private LoggedObject roundTrip(LoggedObject o) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(o, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
