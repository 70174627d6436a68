package io.usageanalytics.local;

import io.usageanalytics.parsing.LoggedObjectParser;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Apache Kafka broker for integration tests, running in KRaft mode (combined
 * broker and controller) in a child JVM.
 *
 * <p>The child JVM runs on the calling JVM's own {@code java.class.path}, so the broker is exactly the
 * {@code org.apache.kafka:kafka_2.13} version the project depends on; no Docker and no Kafka
 * distribution are needed. Both listeners bind to {@code 127.0.0.1} only, on ports picked once per
 * instance and kept across {@link #restart(Duration)}, so clients can reconnect to the same address.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start()) {
 *     kafka.createTopic("events", 2);
 *     kafka.produce("events", records);
 *     List<ConsumerRecord<byte[], byte[]>> all = kafka.consumeAll("events", Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Everything lives in a fresh temporary directory that {@link #stop()} deletes: the KRaft
 * configuration, the data directory, {@code broker.log} (log4j, WARN and above) and
 * {@code process.log} (the child's stdout and stderr). If the broker fails to come up, the exception
 * message carries the tail of both logs.
 *
 * <p>A broker outlives neither its test JVM's normal exit (a shutdown hook kills it) nor a hard kill
 * of the test JVM (the child exits when its stdin pipe from the test JVM closes).
 */
public final class KafkaBroker implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /** The largest record batch the broker takes: the job's record limit and room for overhead. */
    public static final int MAX_MESSAGE_BYTES = LoggedObjectParser.MAX_RECORD_BYTES + 64 * 1024;
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FORCED_STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PORT_RELEASE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int LOG_TAIL_BYTES = 8 * 1024;

    private final Path workDir;
    private final Path serverProperties;
    private final Path log4jProperties;
    private final Path brokerLog;
    private final Path processLog;
    private final int brokerPort;
    private final int controllerPort;
    /** A kept broker's folder (and so its data) outlives it; a temporary broker's is deleted. */
    private final boolean kept;
    private final Thread shutdownHook = new Thread(this::killOnJvmExit, "kafka-broker-shutdown-hook");

    // Volatile because the shutdown hook reads it without taking the lock a stuck stop() may hold.
    private volatile Process process;
    private boolean stopped;

    private KafkaBroker(Path workDir, int brokerPort, int controllerPort, boolean kept) {
        this.workDir = workDir;
        this.kept = kept;
        this.serverProperties = workDir.resolve("server.properties");
        this.log4jProperties = workDir.resolve("log4j2.properties");
        this.brokerLog = workDir.resolve("broker.log");
        this.processLog = workDir.resolve("process.log");
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker whose files live in a new directory under {@code java.io.tmpdir}. */
    public static KafkaBroker start() {
        return start(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * Starts a broker whose files live in a new directory under {@code parentDir} (for example a
     * JUnit {@code @TempDir}) and waits until it serves requests.
     *
     * @throws IllegalStateException if the broker does not come up within 60 seconds
     */
    public static KafkaBroker start(Path parentDir) {
        return start(parentDir, true);
    }

    /**
     * As {@link #start(Path)}; with {@code stopAtJvmExit} false no shutdown hook stops the broker,
     * for a caller whose own hook must stop its clients first (the child still exits with this JVM).
     */
    public static KafkaBroker start(Path parentDir, boolean stopAtJvmExit) {
        int[] ports = freeLoopbackPorts(2);
        return start(new KafkaBroker(createTempDirectory(parentDir), ports[0], ports[1], false), stopAtJvmExit);
    }

    /**
     * Starts a broker in {@code dir}, on the data a broker kept there before if any (new ports each
     * time), and leaves the folder in place when it stops: the local runner's broker, whose topics
     * survive restarts. No shutdown hook: the caller stops it (the child exits with this JVM).
     */
    public static KafkaBroker startKept(Path dir) {
        int[] ports = freeLoopbackPorts(2);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(new KafkaBroker(dir.toAbsolutePath(), ports[0], ports[1], true), false);
    }

    private static KafkaBroker start(KafkaBroker broker, boolean stopAtJvmExit) {
        if (stopAtJvmExit) {
            Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
        }
        try {
            broker.writeConfiguration();
            if (!Files.exists(broker.workDir.resolve("data").resolve("meta.properties"))) {
                broker.formatStorage();
            }
            broker.launch();
            return broker;
        } catch (RuntimeException | Error e) {
            try {
                broker.stop();
            } catch (RuntimeException cleanupFailure) {
                e.addSuppressed(cleanupFailure);
            }
            throw e;
        }
    }

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /**
     * Creates a topic with replication factor 1 and waits until the broker can serve all of its
     * partitions, so that clients created right afterwards see them.
     */
    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(clientProperties())) {
            await(admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all());
            awaitTopicReady(admin, name, partitions);
        }
    }

    /**
     * Sends the records (keeping their partition, timestamp and headers) with {@code acks=all} and
     * returns once every one of them is acknowledged.
     *
     * @throws IllegalArgumentException if a record is addressed to a topic other than {@code topic}
     */
    public void produce(String topic, List<ProducerRecord<byte[], byte[]>> records) {
        for (ProducerRecord<byte[], byte[]> record : records) {
            if (!topic.equals(record.topic())) {
                throw new IllegalArgumentException(
                        "Record for topic '" + record.topic() + "' passed to produce('" + topic + "')");
            }
        }
        Properties props = clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Producer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> record : records) {
                acks.add(producer.send(record));
            }
            for (Future<RecordMetadata> ack : acks) {
                await(ack);
            }
        }
    }

    /**
     * Reads every committed record of {@code topic}, from the earliest offset up to the end offsets
     * taken when reading starts, ordered by partition and then offset.
     *
     * <p>Uses {@code read_committed} so that output of transactional (exactly-once) producers
     * appears as downstream consumers see it: aborted records are skipped and reading stops before
     * still-open transactions.
     *
     * @throws IllegalArgumentException if the topic does not exist
     * @throws IllegalStateException if the end offsets are not reached within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Properties props = clientProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (Consumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("Topic '" + topic + "' does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // For read_committed consumers these are last stable offsets, the end of committed data.
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions, timeout);

            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
            while (!reachedEndOffsets(consumer, endOffsets, timeout)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Timed out after " + timeout + " reading topic '" + topic
                            + "' up to end offsets " + endOffsets);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_INTERVAL)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    // Records produced after reading started are not part of the requested snapshot.
                    if (record.offset() < endOffsets.get(partition)) {
                        byPartition.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record);
                    }
                }
            }
            return byPartition.values().stream().flatMap(List::stream).toList();
        }
    }

    /** Stops the broker and starts it again right away, see {@link #restart(Duration)}. */
    public void restart() {
        restart(Duration.ZERO);
    }

    /**
     * Shuts the broker down cleanly, keeps it down for {@code downtime} (to exercise client retries),
     * then starts it again with the same data, ports and cluster id, and waits until it serves
     * requests.
     */
    public synchronized void restart(Duration downtime) {
        if (stopped) {
            throw new IllegalStateException("Broker was stopped; start a new one instead");
        }
        terminate();
        sleep(downtime);
        launch();
    }

    /**
     * Shuts the broker down (forcibly if it does not exit within 30 seconds) and deletes its
     * directory. Idempotent.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            terminate();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook); // false if never added
            } catch (IllegalStateException jvmAlreadyShuttingDown) {
                // The hook is running or about to run and does the same cleanup.
            }
            if (!kept) {
                deleteRecursively(workDir);
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private void writeConfiguration() {
        Properties server = new Properties();
        server.setProperty("process.roles", "broker,controller");
        server.setProperty("node.id", "1");
        server.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        server.setProperty("listeners",
                "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        server.setProperty("controller.listener.names", "CONTROLLER");
        server.setProperty("inter.broker.listener.name", "PLAINTEXT");
        server.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        server.setProperty("log.dirs", workDir.resolve("data").toString());
        // A single node cannot host the default three replicas of the internal topics.
        server.setProperty("offsets.topic.replication.factor", "1");
        server.setProperty("transaction.state.log.replication.factor", "1");
        server.setProperty("transaction.state.log.min.isr", "1");
        server.setProperty("share.coordinator.state.topic.replication.factor", "1");
        server.setProperty("share.coordinator.state.topic.min.isr", "1");
        server.setProperty("group.initial.rebalance.delay.ms", "0");
        // Records up to the job's limit (4 MiB) and their batch overhead; Kafka's default is 1 MB.
        server.setProperty("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        server.setProperty("num.partitions", "1");
        // Tests must create their topics explicitly, so a typo fails instead of silently creating one.
        server.setProperty("auto.create.topics.enable", "false");
        store(server, serverProperties);

        Properties log4j = new Properties();
        log4j.setProperty("appender.file.type", "File");
        log4j.setProperty("appender.file.name", "file");
        log4j.setProperty("appender.file.fileName", brokerLog.toString());
        log4j.setProperty("appender.file.layout.type", "PatternLayout");
        log4j.setProperty("appender.file.layout.pattern", "%d{ISO8601} %-5p [%t] %c: %m%n");
        log4j.setProperty("rootLogger.level", "WARN");
        log4j.setProperty("rootLogger.appenderRef.file.ref", "file");
        store(log4j, log4jProperties);
    }

    private void formatStorage() {
        Path formatLog = workDir.resolve("format.log");
        List<String> command = javaCommand("kafka.tools.StorageTool",
                "format", "-t", Uuid.randomUuid().toString(), "-c", serverProperties.toString());
        Process format = startProcess(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(formatLog.toFile()));
        if (!waitFor(format, FORMAT_TIMEOUT)) {
            format.destroyForcibly();
            throw new IllegalStateException("Kafka storage format timed out:\n" + tail(formatLog));
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException(
                    "Kafka storage format exited with " + format.exitValue() + ":\n" + tail(formatLog));
        }
    }

    /** Starts the broker process and waits until it serves requests, killing it if it does not. */
    private void launch() {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        // A client reconnecting while the broker is down may briefly hold one of our ports.
        awaitPortsReleased();
        // Appending keeps the output of earlier runs when diagnosing a failed restart.
        process = startProcess(new ProcessBuilder(javaCommand(BrokerMain.class.getName(), serverProperties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(processLog.toFile())));
        try {
            awaitReady(deadline);
        } catch (RuntimeException | Error e) {
            terminate();
            throw e;
        }
    }

    private List<String> javaCommand(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        // In a session of its own, Ctrl-C in a terminal (SIGINT to the whole foreground process
        // group) does not stop the broker under the job, which still needs it to take a savepoint;
        // whoever started the broker stops it.
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dlog4j2.configurationFile=" + log4jProperties,
                "-cp", System.getProperty("java.class.path"),
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private void awaitReady(Instant deadline) {
        // Probe TCP first: Admin clients log a WARN line for every refused connection.
        while (!isListening(brokerPort)) {
            checkStarting(deadline);
            sleep(POLL_INTERVAL);
        }
        try (Admin admin = Admin.create(clientProperties())) {
            while (true) {
                checkStarting(deadline);
                try {
                    // KRaft brokers only process requests once they have caught up and are unfenced.
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000))
                            .nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException notReadyYet) {
                    // Retried until the deadline.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
                }
                sleep(POLL_INTERVAL);
            }
        }
    }

    private void checkStarting(Instant deadline) {
        if (!process.isAlive()) {
            throw startupFailure("Kafka broker exited with " + process.exitValue() + " during startup");
        }
        if (Instant.now().isAfter(deadline)) {
            throw startupFailure("Kafka broker did not become ready within " + STARTUP_TIMEOUT);
        }
    }

    private IllegalStateException startupFailure(String reason) {
        return new IllegalStateException(reason + " (" + bootstrapServers() + ")"
                + "\n--- stdout/stderr (tail) ---\n" + tail(processLog)
                + "\n--- broker.log (tail) ---\n" + tail(brokerLog));
    }

    private void awaitTopicReady(Admin admin, String name, int partitions) {
        Instant deadline = Instant.now().plus(TOPIC_READY_TIMEOUT);
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
                if (description.partitions().size() == partitions
                        && description.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("Failed to describe topic '" + name + "'", e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for topic '" + name + "'", e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Topic '" + name + "' not ready within " + TOPIC_READY_TIMEOUT);
            }
            sleep(POLL_INTERVAL);
        }
    }

    /** Stops the current broker process, if any, leaving its data in place. */
    private void terminate() {
        Process current = process;
        if (current == null) {
            return;
        }
        // SIGTERM lets Kafka's own shutdown hook flush and close the logs cleanly.
        current.destroy();
        if (!waitFor(current, GRACEFUL_STOP_TIMEOUT)) {
            current.destroyForcibly();
            if (!waitFor(current, FORCED_STOP_TIMEOUT)) {
                throw new IllegalStateException("Kafka broker process " + current.pid() + " did not exit");
            }
        }
        process = null;
    }

    private void killOnJvmExit() {
        Process current = process;
        if (current != null) {
            current.destroyForcibly();
            waitFor(current, FORCED_STOP_TIMEOUT);
        }
        try {
            if (!kept) {
                deleteRecursively(workDir);
            }
        } catch (UncheckedIOException ignored) {
            // Best effort: the JVM is exiting and has nowhere to report this.
        }
    }

    private void awaitPortsReleased() {
        Instant deadline = Instant.now().plus(PORT_RELEASE_TIMEOUT);
        for (int port : new int[] {brokerPort, controllerPort}) {
            while (!isBindable(port)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Port " + port + " on " + HOST + " is still in use");
                }
                sleep(POLL_INTERVAL);
            }
        }
    }

    private Properties clientProperties() {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    private static boolean reachedEndOffsets(
            Consumer<?, ?> consumer, Map<TopicPartition, Long> endOffsets, Duration timeout) {
        return endOffsets.entrySet().stream()
                .allMatch(end -> consumer.position(end.getKey(), timeout) >= end.getValue());
    }

    private static int[] freeLoopbackPorts(int count) {
        // Hold all sockets open until every port is known so that the ports are distinct.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(HOST, 0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free ports on " + HOST, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing an unconnected server socket does not fail in practice.
                }
            }
        }
    }

    private static boolean isBindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Same option the broker's listeners use, so TIME_WAIT leftovers do not count as busy.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", e);
        }
    }

    private static Process startProcess(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + builder.command().get(0), e);
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private static Path createTempDirectory(Path parentDir) {
        try {
            return Files.createTempDirectory(parentDir, "kafka-broker-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void store(Properties properties, Path file) {
        // Properties.store escapes ':' and '\', so paths and listener URLs load back unchanged.
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file) {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size, LOG_TAIL_BYTES));
            channel.position(size - buffer.capacity());
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // Keep reading until the buffer is full.
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "<no output>";
        } catch (IOException e) {
            return "<cannot read " + file + ": " + e + ">";
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }

    /**
     * Main class of the broker JVM; not for direct use. Runs {@code kafka.Kafka} and exits when its
     * stdin reaches end-of-file, which happens when the test JVM dies without running shutdown hooks
     * (for example on SIGKILL), because the test JVM holds the write end of that pipe.
     */
    public static final class BrokerMain {

        private BrokerMain() {
        }

        public static void main(String[] args) {
            Thread watchdog = new Thread(() -> {
                try {
                    while (System.in.read() != -1) {
                        // The test JVM never writes; just wait for end-of-file.
                    }
                } catch (IOException ignored) {
                    // A broken pipe means the same as end-of-file.
                }
                // Runs Kafka's shutdown hook, same as the SIGTERM sent by stop().
                System.exit(1);
            }, "test-jvm-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            kafka.Kafka.main(args);
        }
    }
}
