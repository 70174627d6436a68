package io.usageanalytics.local;

import io.usageanalytics.testing.Launcher;
import io.usageanalytics.testing.MixedCorpus;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher over a Kafka it did not start, as a gateway's topic is read: compressed, sometimes failing. */
class LocalRunnerKafkaITCase {

    static final List<String> CODECS = List.of("lz4", "zstd", "snappy", "gzip");

    @TempDir
    static Path shared;
    static KafkaBroker kafka;
    static EmbeddedWarehouse warehouse;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start(shared);
        warehouse = Postgres.start(shared.resolve("pg"));
    }

    @AfterAll
    static void stop() {
        if (warehouse != null) {
            warehouse.close();
        }
        if (kafka != null) {
            kafka.stop();
        }
    }

    /**
     * One topic whose batches were written with each of Kafka's codecs (a quarter of the corpus
     * each), read through the launcher: the job needs every codec on its classpath, and kafka-clients
     * declares them at runtime scope only.
     */
    @Test
    void aTopicWrittenWithEveryCompressionCodecIsReadThroughTheLauncher() throws Exception {
        kafka.createTopic("compressed", 2);
        List<byte[]> corpus = MixedCorpus.records();
        int slice = (corpus.size() + CODECS.size() - 1) / CODECS.size();
        for (int c = 0; c < CODECS.size(); c++) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, CODECS.get(c));
            p.put(ProducerConfig.LINGER_MS_CONFIG, 50);
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = c * slice; i < Math.min(corpus.size(), (c + 1) * slice); i++) {
                    producer.send(new ProducerRecord<>("compressed", i % 2, null, corpus.get(i))).get();
                }
            }
        }
        Launcher.Run run = new Launcher(dir).run("local", "--kafka", kafka.bootstrapServers(), "--topic", "compressed",
                "--start", "earliest", "--bounded", "--warehouse", warehouse.jdbcUrl(), "--table", "usage_compressed");
        assertThat(run.code()).as(run.output()).isZero();
        assertThat(run.output()).contains(LocalRunnerITCase.ACCOUNTING).doesNotContain("job failure");
        assertThat(Tables.rows(warehouse.jdbcUrl(), "usage_compressed"))
                .containsExactlyInAnyOrderElementsOf(MixedCorpus.ROWS);
    }

    /**
     * A table that refuses every row (a constraint added by hand): each failure is one line with its
     * cause, and the bounded run gives up after its restarts with the cause and exit code 1,
     * instead of restarting unseen forever; for {@code local} and for the {@code job} command alike.
     */
    @Test
    void aBoundedRunThatKeepsFailingSaysWhyEachTimeAndEnds() throws Exception {
        refusingTable("usage_refusing");
        assertFailsVisibly(new Launcher(dir).run("local", "--input", LocalRunnerITCase.CORPUS.toString(),
                "--warehouse", warehouse.jdbcUrl(), "--table", "usage_refusing"));

        kafka.createTopic("refused", 2);
        List<byte[]> corpus = MixedCorpus.records();
        kafka.produce("refused", corpus.stream().map(v -> new ProducerRecord<byte[], byte[]>("refused", v))
                .collect(Collectors.toList()));
        refusingTable("usage_refusing_job");
        assertFailsVisibly(new Launcher(dir).run("job", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
                "refused", "--start", "earliest", "--bounded", "--jdbc-url", warehouse.jdbcUrl(), "--jdbc-user",
                "postgres", "--table", "usage_refusing_job"));
    }

    private static void refusingTable(String table) throws Exception {
        Tables.create(warehouse.jdbcUrl(), table);
        try (Connection c = Tables.connect(warehouse.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE " + table + " ADD CONSTRAINT no_rows CHECK (requests < 0)");
        }
    }

    private static void assertFailsVisibly(Launcher.Run run) {
        assertThat(run.code()).as(run.output()).isEqualTo(1);
        // Each failure that led to a restart is a line; the last one too if the screen saw it before
        // the local cluster shut down with the job.
        List<String> failures = run.output().lines().filter(l -> l.startsWith("  job failure ")).toList();
        assertThat(failures).as(run.output()).hasSizeBetween(LocalJob.BOUNDED_RESTARTS, LocalJob.BOUNDED_RESTARTS + 1)
                .allSatisfy(l -> assertThat(l).contains("violates check constraint \"no_rows\""));
        assertThat(failures.get(0)).startsWith("  job failure 1: ");
        assertThat(run.output().lines().filter(l -> l.startsWith("usage-analytics: ")).toList()).singleElement()
                .satisfies(l -> assertThat(l).startsWith("usage-analytics: job failed after "
                        + LocalJob.BOUNDED_RESTARTS + " restarts: ").contains("violates check constraint \"no_rows\""));
    }
}
