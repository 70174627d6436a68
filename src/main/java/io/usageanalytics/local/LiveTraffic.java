package io.usageanalytics.local;

import org.apache.kafka.clients.producer.KafkaProducer;

import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live run's traffic: every 100 ms, the generator's requests due at {@code rate} per second,
 * created now, into the input topic; until stopped, when every record sent is flushed.
 */
final class LiveTraffic {

    private final Thread thread;
    private final AtomicBoolean stopping = new AtomicBoolean();

    private LiveTraffic(String servers, String topic, Properties kafkaProperties, double rate,
            TrafficGenerator generator) {
        thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = Topics.producer(servers, kafkaProperties)) {
                long start = System.nanoTime();
                long sent = 0;
                while (!stopping.get()) {
                    long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                    if (due > sent) {
                        generator.restartAt(Instant.now().getEpochSecond());
                        for (TrafficGenerator.Record r : generator.next((int) (due - sent))) {
                            producer.send(r.to(topic));
                        }
                        sent = due;
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "usage-analytics-traffic");
        thread.setDaemon(true);
    }

    static LiveTraffic start(String servers, String topic, Properties kafkaProperties, double rate,
            TrafficGenerator generator) {
        LiveTraffic traffic = new LiveTraffic(servers, topic, kafkaProperties, rate, generator);
        traffic.thread.start();
        return traffic;
    }

    /** Stops sending; returns once the producer has flushed what it sent (at most 10 s). */
    void stop() {
        // No interrupt: the loop sees the flag within 100 ms, and an interrupted producer would not flush.
        stopping.set(true);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
