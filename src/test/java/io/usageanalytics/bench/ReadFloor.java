package io.usageanalytics.bench;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The least any Flink job over the topic does: read every record's value as bytes and discard it,
 * no parsing, no shuffle, no state, no checkpoints. The end-to-end benchmark times it as a floor
 * under both contenders, so that their figures can be read against what the machine allows.
 *
 * <p>Arguments: bootstrap servers, topic, parallelism, then any Kafka consumer properties as
 * {@code name=value}.
 */
public final class ReadFloor {

    private ReadFloor() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(Integer.parseInt(args[2]));
        KafkaSourceBuilder<byte[]> builder = KafkaSource.<byte[]>builder()
                .setBootstrapServers(args[0])
                .setTopics(args[1])
                .setGroupId("read-floor")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class));
        for (int i = 3; i < args.length; i++) {
            String[] property = args[i].split("=", 2);
            builder.setProperty(property[0], property[1]);
        }
        env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "topic")
                .sinkTo(new DiscardingSink<>());
        env.execute("read-floor");
    }
}
