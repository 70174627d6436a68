package io.usageanalytics.local;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class KafkaBrokerITCase {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static KafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void producesAndConsumesRecordsWithHeaders() throws Exception {
        kafka.createTopic("events", 2);
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertThat(admin.describeTopics(List.of("events")).allTopicNames().get().get("events").partitions())
                    .hasSize(2);
        }

        kafka.produce("events", List.of(
                record(0, "k1", "v1"),
                record(1, "k2", "v2"),
                record(0, "k3", "v3")));

        List<ConsumerRecord<byte[], byte[]>> records = kafka.consumeAll("events", TIMEOUT);
        assertThat(records)
                .extracting(ConsumerRecord::partition, ConsumerRecord::offset, r -> utf8(r.key()), r -> utf8(r.value()))
                .containsExactly(
                        tuple(0, 0L, "k1", "v1"),
                        tuple(0, 1L, "k3", "v3"),
                        tuple(1, 0L, "k2", "v2"));
        assertThat(records.get(0).headers().lastHeader("origin").value())
                .isEqualTo(bytes("origin-k1"));
    }

    @Test
    void keepsDataAndAddressAcrossRestart() {
        kafka.createTopic("durable", 1);
        kafka.produce("durable", List.of(record("durable", 0, "before", "restart")));
        String bootstrapServers = kafka.bootstrapServers();

        kafka.restart();
        kafka.produce("durable", List.of(record("durable", 0, "after", "restart")));

        assertThat(kafka.bootstrapServers()).isEqualTo(bootstrapServers);
        assertThat(kafka.consumeAll("durable", TIMEOUT))
                .extracting(r -> utf8(r.key()))
                .containsExactly("before", "after");
    }

    @Test
    void rejectsUnknownTopic() {
        assertThatThrownBy(() -> kafka.consumeAll("no-such-topic", TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, String key, String value) {
        return record("events", partition, key, value);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String key, String value) {
        return new ProducerRecord<>(topic, partition, bytes(key), bytes(value),
                List.of(new RecordHeader("origin", bytes("origin-" + key))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
