package io.usageanalytics.sources;

import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/** Builds the Kafka source of logged objects from the job's options. */
public final class KafkaInput {

    /**
     * Records handed from the consumer's fetcher thread to the source task at a time (Kafka's
     * default: 500), bytes fetched per partition per request (default: 1 MiB), and the socket's
     * receive buffer (default: 64 KiB; -1 leaves it to the operating system, which grows it as the
     * connection needs). On a backlog the defaults cost a hand-over per 500 records, a fetch per
     * MiB and a read per 64 KiB, each with their wake-ups; these measured about a tenth less time
     * for the whole job (README, round seven), and do not delay a record on a live topic, where a
     * fetch returns what there is. A {@code --kafka.*} option overrides each.
     */
    static final int MAX_POLL_RECORDS = 4_000;
    static final int MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024;
    static final int RECEIVE_BUFFER_BYTES = -1;

    private KafkaInput() {}

    /**
     * @param topics explicit topics, or empty to use {@code topicPattern}
     * @param bounded read up to the offsets that are latest at start, then finish
     * @param dimensions the dimensions each record's values are read of
     */
    public static KafkaSource<ParsedRecord> source(String bootstrapServers, List<String> topics,
            Pattern topicPattern, String groupId, OffsetsInitializer start, boolean bounded,
            Properties kafkaProperties, Dimensions dimensions) {
        KafkaSourceBuilder<ParsedRecord> builder = KafkaSource.<ParsedRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setGroupId(groupId)
                .setClientIdPrefix(groupId)
                .setStartingOffsets(start)
                .setDeserializer(new LoggedRecordDeserializer(dimensions))
                .setProperties(consumerProperties(kafkaProperties));
        if (topics.isEmpty()) {
            builder.setTopicPattern(topicPattern);
        } else {
            builder.setTopics(topics);
        }
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** The job's consumer settings, with the user's {@code --kafka.*} properties over them. */
    static Properties consumerProperties(Properties kafkaProperties) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(MAX_POLL_RECORDS));
        p.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(MAX_PARTITION_FETCH_BYTES));
        p.setProperty(ConsumerConfig.RECEIVE_BUFFER_CONFIG, String.valueOf(RECEIVE_BUFFER_BYTES));
        p.putAll(kafkaProperties);
        return p;
    }

    /**
     * Reads a starting position: {@code committed} (falling back to earliest for a new group),
     * {@code earliest}, {@code latest}, epoch milliseconds or an ISO-8601 instant.
     */
    @SuppressWarnings("deprecation") // the connector still takes kafka-clients' OffsetResetStrategy
    public static OffsetsInitializer startingOffsets(String value) {
        switch (value) {
            case "committed":
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case "earliest":
                return OffsetsInitializer.earliest();
            case "latest":
                return OffsetsInitializer.latest();
            default:
                return OffsetsInitializer.timestamp(timestampMillis(value));
        }
    }

    private static long timestampMillis(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notMillis) {
            try {
                return Instant.parse(value).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("expected committed, earliest, latest, epoch"
                        + " milliseconds or an ISO-8601 instant such as 2026-01-01T00:00:00Z");
            }
        }
    }
}
