package io.usageanalytics.local;

import io.usageanalytics.cli.UsageAnalyticsJob;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * {@code --input}: a JSONL file (or stdin) produced into the input topic, one Kafka record per
 * non-blank line, keyed by the object's {@code id} so a stream's chunks share a partition. Lines
 * are sent byte for byte, malformed ones included (the job dead-letters them). A line that is not
 * produced (over the job's record limit, or refused by Kafka) is counted and reported, never lost
 * silently.
 */
final class InputReplay {

    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    private final String name;
    private final InputStream in;
    private final AtomicLong produced = new AtomicLong();
    /** Reason, and the numbers of the lines it kept out; written by the producer's I/O thread too. */
    private final Map<String, List<Long>> notProduced = Collections.synchronizedMap(new TreeMap<>());
    private long earliestSeconds = Long.MAX_VALUE;
    private long latestSeconds = Long.MIN_VALUE;

    private InputReplay(String name, InputStream in) {
        this.name = name;
        this.in = in;
    }

    /**
     * Opens the input now, so a missing file is reported before anything starts.
     *
     * @throws IllegalArgumentException if it cannot be read
     */
    static InputReplay open(String input) {
        if (input.equals("-")) {
            return new InputReplay("stdin", System.in);
        }
        Path file = Path.of(input);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("--input: cannot read file " + input);
        }
        try {
            return new InputReplay(input, Files.newInputStream(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("--input: cannot read file " + input + ": " + e.getMessage());
        }
    }

    String describe() {
        return name;
    }

    /** Lines the broker acknowledged. */
    long produced() {
        return produced.get();
    }

    /**
     * One line per reason for the lines that were not produced (over the job's record limit, or
     * refused by Kafka), e.g. {@code not produced: 1 lines (...)}; empty when every line was.
     */
    List<String> notProduced() {
        List<String> lines = new ArrayList<>();
        notProduced.forEach((reason, lineNumbers) -> lines.add("not produced: " + lineNumbers.size()
                + " lines (" + reason + "; line" + (lineNumbers.size() == 1 ? " " : "s ")
                + lineNumbers.stream().limit(5).map(String::valueOf).collect(Collectors.joining(", "))
                + (lineNumbers.size() > 5 ? ", ..." : "") + ")"));
        return lines;
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
        long lineNumber = 0;
        try (InputStream lines = new BufferedInputStream(in, 1 << 16);
                KafkaProducer<byte[], byte[]> producer = Topics.producer(servers, kafkaProperties)) {
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
                lineNumber++;
                if (isBlank(value)) {
                    continue;
                }
                if (value.length > LoggedObjectParser.MAX_RECORD_BYTES) {
                    // The job would only dead-letter it, and no broker set up for the job takes more.
                    notProduced(lineNumber, "over the job's record limit of " + LoggedObjectParser.MAX_RECORD_BYTES
                            + " bytes");
                    continue;
                }
                ParsedRecord parsed = parser.parse(LoggedRecord.of(value));
                byte[] key = null;
                if (parsed.object != null) {
                    key = parsed.object.id.getBytes(StandardCharsets.UTF_8);
                    earliestSeconds = Math.min(earliestSeconds, parsed.object.created);
                    latestSeconds = Math.max(latestSeconds, parsed.object.created);
                }
                long number = lineNumber;
                try {
                    producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
                        if (failure == null) {
                            produced.incrementAndGet();
                        } else {
                            notProduced(number, "Kafka refused it: " + UsageAnalyticsJob.oneLine(failure));
                        }
                    });
                } catch (KafkaException refused) {
                    notProduced(number, "Kafka refused it: " + UsageAnalyticsJob.oneLine(refused));
                }
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                    out.println("  produced " + produced.get() + " records");
                    lastProgress = System.nanoTime();
                }
            } while (b != -1);
            producer.flush();
        }
        out.println("  produced " + produced.get() + " records from " + name);
        notProduced().forEach(l -> out.println("  " + l));
    }

    private void notProduced(long lineNumber, String reason) {
        notProduced.computeIfAbsent(reason, r -> Collections.synchronizedList(new ArrayList<>())).add(lineNumber);
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
