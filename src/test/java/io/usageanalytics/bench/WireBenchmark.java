package io.usageanalytics.bench;

import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectSerializer;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * One parsed record crossing the {@code keyBy} between parsing and assembly: written to bytes and
 * read back, with {@link LoggedObjectSerializer} and, for comparison, with the POJO serializer Flink
 * would otherwise use. Records are the generator's mix, with their Kafka coordinates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class WireBenchmark {

    private static final int SAMPLE = 4096;

    private LoggedObject[] records;
    private TypeSerializer<LoggedObject> pojo;
    private final DataOutputSerializer out = new DataOutputSerializer(64 * 1024);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private int next;

    @Setup
    public void generate() {
        records = GeneratedRecords.parsed(SAMPLE);
        pojo = pojoSerializer();
    }

    /** What the type extractor made of the class before it named its own serializer. */
    private static TypeSerializer<LoggedObject> pojoSerializer() {
        List<PojoField> fields = new ArrayList<>();
        for (Field f : LoggedObject.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                fields.add(new PojoField(f, TypeExtractor.createTypeInfo(f.getGenericType())));
            }
        }
        return new PojoTypeInfo<>(LoggedObject.class, fields).createSerializer(new SerializerConfigImpl());
    }

    @Benchmark
    public LoggedObject wire() throws IOException {
        return roundTrip(LoggedObjectSerializer.INSTANCE);
    }

    @Benchmark
    public LoggedObject pojo() throws IOException {
        return roundTrip(pojo);
    }

    private LoggedObject roundTrip(TypeSerializer<LoggedObject> serializer) throws IOException {
        out.clear();
        serializer.serialize(records[next++ & (SAMPLE - 1)], out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }
}
