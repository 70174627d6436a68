package io.usageanalytics.local;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The local runner's topics: creates its input topic, counts what a bounded run has to read. */
final class Topics {

    private Topics() {}

    /** The records the topics hold now (end offsets less beginning offsets, all partitions). */
    static long records(String servers, List<String> topics, Properties kafkaProperties) throws Exception {
        try (Admin admin = Admin.create(properties(servers, kafkaProperties))) {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription t : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    earliest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.earliest());
                    latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest());
                }
            }
            long total = 0;
            for (var e : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                total += e.getValue().offset();
            }
            for (var e : admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                total -= e.getValue().offset();
            }
            return total;
        }
    }

    /**
     * A producer for the local runner's input: acknowledged by every replica, and taking records up
     * to the job's limit (Kafka's default request limit is 1 MB).
     */
    static KafkaProducer<byte[], byte[]> producer(String servers, Properties kafkaProperties) {
        Properties p = properties(servers, kafkaProperties);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, KafkaBroker.MAX_MESSAGE_BYTES);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Properties properties(String servers, Properties kafkaProperties) {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        return p;
    }

    static void ensure(String servers, String topic, int partitions, Properties kafkaProperties)
            throws Exception {
        try (Admin admin = Admin.create(properties(servers, kafkaProperties))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
