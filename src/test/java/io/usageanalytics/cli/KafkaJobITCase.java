package io.usageanalytics.cli;

import io.usageanalytics.UsagePipeline;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.sinks.RejectsTopic;
import io.usageanalytics.testing.KafkaBroker;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.MixedCorpus;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.usageanalytics.testing.Logged.completion;
import static io.usageanalytics.testing.Logged.message;
import static io.usageanalytics.testing.Logged.usage;
import static io.usageanalytics.testing.MixedCorpus.W0;
import static io.usageanalytics.testing.MixedCorpus.row;
import static org.assertj.core.api.Assertions.assertThat;

/** The job on a real KRaft broker: Kafka source, per-partition watermarks, dead-letter topic. */
class KafkaJobITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    static KafkaBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.stop();
    }

    @Test
    void boundedRunOverTwoPartitionsGivesExactRowsAndByteEqualDeadLetters() throws Exception {
        String topic = "mixed-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        // Records alternate between the partitions, so every stream has chunks in both.
        List<byte[]> corpus = MixedCorpus.records();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            records.add(new ProducerRecord<>(topic, i % 2, key(i), corpus.get(i)));
        }
        kafka.produce(topic, records);

        JobOptions options = UsageAnalyticsJob.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", "it-" + topic, "--bounded", "--checkpoint-interval", "1s");
        KafkaCheck.check(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        UsagePipeline.Outputs outputs = UsageAnalyticsJob.defineJob(env, options);
        CloseableIterator<UsageRow> rows = outputs.rows().collectAsync();
        env.execute("kafka-bounded");
        List<UsageRow> emitted = new ArrayList<>();
        rows.forEachRemaining(emitted::add);

        assertThat(emitted).containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);

        // Each reject: the original key and value, byte for byte, and where it came from.
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consumeAll(options.rejectsTopic(), Duration.ofSeconds(30));
        Map<Integer, String> reasonByLine = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            int line = indexOf(corpus, d.value());
            assertThat(line).as(new String(d.value(), StandardCharsets.UTF_8)).isNotNegative();
            assertThat(d.key()).isEqualTo(key(line));
            assertThat(header(d, RejectsTopic.SOURCE_TOPIC)).isEqualTo(topic);
            assertThat(header(d, RejectsTopic.SOURCE_PARTITION)).isEqualTo(String.valueOf(line % 2));
            assertThat(header(d, RejectsTopic.SOURCE_OFFSET)).isEqualTo(String.valueOf(line / 2));
            assertThat(header(d, RejectsTopic.DETAIL)).isNotBlank();
            reasonByLine.put(line, header(d, RejectsTopic.REASON));
        }
        assertThat(dead).hasSize(MixedCorpus.REJECTS);
        assertThat(reasonByLine).isEqualTo(MixedCorpus.REJECTS_BY_LINE);
    }

    @Test
    void anIdlePartitionDoesNotStallTheWindows() throws Exception {
        String topic = "idle-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        long t0 = W0 / 1000;
        // Everything goes to partition 0; partition 1 never receives a record.
        kafka.produce(topic, List.of(
                new ProducerRecord<>(topic, 0, null, bytes(completion("a", "gpt-4o", "fp", t0 + 1,
                        message(0, "x", "stop"), usage(5, 6, 11)))),
                new ProducerRecord<>(topic, 0, null, bytes(completion("b", "gpt-4o", "fp", t0 + 100,
                        message(0, "x", "stop"), usage(1, 1, 2))))));

        JobOptions options = UsageAnalyticsJob.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", "it-" + topic, "--start", "earliest",
                "--idleness", "1s", "--out-of-orderness", "0s", "--checkpoint-interval", "1s");
        KafkaCheck.check(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(MiniClusters.PARALLELISM);
        CloseableIterator<UsageRow> rows = UsageAnalyticsJob.defineJob(env, options).rows().collectAsync();
        JobClient job = env.executeAsync("kafka-idle");
        try {
            // A generous bound: this asserts that the row appears at all, not how fast.
            UsageRow first = CompletableFuture.supplyAsync(rows::next).get(90, TimeUnit.SECONDS);
            assertThat(first).isEqualTo(row(W0, "gpt-4o", "fp", 1, 0, 1, 5, 6, 11, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
            rows.close();
        }
    }

    private static byte[] key(int line) {
        return ("key-" + line).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(List<byte[]> corpus, byte[] value) {
        for (int i = 0; i < corpus.size(); i++) {
            if (Arrays.equals(corpus.get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
