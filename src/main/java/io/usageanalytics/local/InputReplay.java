package io.usageanalytics.local;

import io.usageanalytics.cli.UserError;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;

/**
 * {@code --input}: a JSONL file (or stdin) produced into the input topic, one Kafka record per
 * non-blank line, keyed by the object's {@code id} so a stream's chunks share a partition. Lines
 * are sent byte for byte, malformed ones included (the job dead-letters them).
 */
final class InputReplay {

    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    private final String name;
    private final InputStream in;
    private long produced;
    private long earliestSeconds = Long.MAX_VALUE;
    private long latestSeconds = Long.MIN_VALUE;

    private InputReplay(String name, InputStream in) {
        this.name = name;
        this.in = in;
    }

    /** Opens the input now, so a missing file is reported before anything starts. */
    static InputReplay open(String input) throws UserError {
        if (input.equals("-")) {
            return new InputReplay("stdin", System.in);
        }
        Path file = Path.of(input);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UserError("--input: cannot read file " + input);
        }
        try {
            return new InputReplay(input, Files.newInputStream(file));
        } catch (IOException e) {
            throw new UserError("--input: cannot read file " + input + ": " + e.getMessage());
        }
    }

    String describe() {
        return name;
    }

    long produced() {
        return produced;
    }

    Instant earliest() {
        return Instant.ofEpochSecond(earliestSeconds);
    }

    Instant latest() {
        return Instant.ofEpochSecond(latestSeconds);
    }

    void produce(String servers, String topic, Properties kafkaProperties, PrintStream out)
            throws IOException {
        LoggedObjectParser parser = new LoggedObjectParser();
        long lastProgress = System.nanoTime();
        try (InputStream lines = new BufferedInputStream(in, 1 << 16);
                KafkaProducer<byte[], byte[]> producer = LocalRunner.producer(servers, kafkaProperties)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
            int b;
            do {
                b = lines.read();
                if (b != '\n' && b != -1) {
                    line.write(b);
                    continue;
                }
                byte[] value = line.toByteArray();
                line.reset();
                if (isBlank(value)) {
                    continue;
                }
                ParsedRecord parsed = parser.parse(LoggedRecord.of(value));
                byte[] key = null;
                if (parsed.object != null) {
                    key = parsed.object.id.getBytes(StandardCharsets.UTF_8);
                    earliestSeconds = Math.min(earliestSeconds, parsed.object.created);
                    latestSeconds = Math.max(latestSeconds, parsed.object.created);
                }
                producer.send(new ProducerRecord<>(topic, key, value));
                produced++;
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                    out.println("  produced " + produced + " records");
                    lastProgress = System.nanoTime();
                }
            } while (b != -1);
            producer.flush();
        }
        out.println("  produced " + produced + " records from " + name);
    }

    private static boolean isBlank(byte[] line) {
        for (byte c : line) {
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }
}
