package io.usageanalytics.sinks;

import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.Reject;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The dead-letter topic. Each reject is written with the original value and key, untouched, so a
 * fixed record can be replayed as is; why it was rejected and where it came from travel in headers.
 */
public final class RejectsTopic {

    public static final String REASON = "reject_reason";
    public static final String DETAIL = "reject_detail";
    public static final String SOURCE_TOPIC = "source_topic";
    public static final String SOURCE_PARTITION = "source_partition";
    public static final String SOURCE_OFFSET = "source_offset";

    /** Kafka's default broker cap on transactions is 15 minutes; stay below it. */
    private static final String TRANSACTION_TIMEOUT_MS = String.valueOf(10 * 60 * 1000);

    private RejectsTopic() {}

    /**
     * With {@link DeliveryGuarantee#EXACTLY_ONCE} rejects become visible to {@code read_committed}
     * consumers when a checkpoint completes, and a restart never writes one twice.
     */
    public static KafkaSink<Reject> sink(String bootstrapServers, String topic,
            DeliveryGuarantee guarantee, String transactionalIdPrefix, Properties kafkaProperties) {
        return kafkaSink(bootstrapServers, guarantee, transactionalIdPrefix, kafkaProperties,
                new Serializer(topic));
    }

    /** A Kafka sink with the job's producer settings; transactional ids must differ per sink. */
    static <T> KafkaSink<T> kafkaSink(String bootstrapServers, DeliveryGuarantee guarantee,
            String transactionalIdPrefix, Properties kafkaProperties,
            KafkaRecordSerializationSchema<T> serializer) {
        Properties producer = new Properties();
        producer.putAll(kafkaProperties);
        producer.putIfAbsent("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(producer)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setRecordSerializer(serializer)
                .build();
    }

    /** Writes one reject as its original record plus headers. */
    static final class Serializer implements KafkaRecordSerializationSchema<Reject> {

        private static final long serialVersionUID = 1L;

        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Reject reject, KafkaSinkContext context,
                Long timestamp) {
            LoggedRecord source = reject.source;
            RecordHeaders headers = new RecordHeaders();
            if (source.headers != null) {
                // the original headers a dimension read, first, as they came
                source.headers.forEach(headers::add);
            }
            header(headers, REASON, reject.reason);
            header(headers, DETAIL, reject.detail);
            if (source.topic != null) {
                header(headers, SOURCE_TOPIC, source.topic);
                header(headers, SOURCE_PARTITION, String.valueOf(source.partition));
                header(headers, SOURCE_OFFSET, String.valueOf(source.offset));
            }
            // No record timestamp: rejects carry no event time; the broker stamps them.
            return new ProducerRecord<>(topic, null, null, source.key, source.value, headers);
        }

        private static void header(RecordHeaders headers, String name, String value) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
