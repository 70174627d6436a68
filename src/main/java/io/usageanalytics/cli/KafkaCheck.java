package io.usageanalytics.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks Kafka before the job is submitted, so that an unreachable broker or a missing topic is a
 * one-line error at start instead of a job that retries forever.
 */
final class KafkaCheck {

    private KafkaCheck() {}

    /** A broker that has not answered by then gets a line saying what start-up waits for. */
    private static final long QUIET_WAIT_MS = 2_000;

    /**
     * Verifies the input topics exist and creates the dead-letter and alert topics if missing;
     * says on {@code out} when it waits for the broker.
     */
    static void check(JobOptions o, PrintStream out) throws UserError {
        Properties p = new Properties();
        p.putAll(o.kafkaProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
        int timeoutMs = (int) o.connectTimeout.toMillis();
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        try (Admin admin = Admin.create(p)) {
            try {
                KafkaFuture<?> nodes = admin.describeCluster().nodes();
                try {
                    nodes.get(Math.min(QUIET_WAIT_MS, timeoutMs), TimeUnit.MILLISECONDS);
                } catch (TimeoutException notYet) {
                    out.println("waiting up to " + o.connectTimeout.toSeconds() + " s for Kafka at "
                            + o.bootstrapServers + " ...");
                    nodes.get(timeoutMs, TimeUnit.MILLISECONDS);
                }
            } catch (TimeoutException | ExecutionException e) {
                throw new UserError("cannot reach Kafka at " + o.bootstrapServers + " within "
                        + o.connectTimeout.toSeconds() + " s" + cause(e));
            }
            if (o.topicPattern == null) {
                requireTopics(admin, o, timeoutMs);
            }
            ensureTopic(admin, o.rejectsTopic(), timeoutMs);
            ensureTopic(admin, o.alertsTopic(), timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while checking Kafka at " + o.bootstrapServers);
        }
    }

    private static void requireTopics(Admin admin, JobOptions o, int timeoutMs)
            throws UserError, InterruptedException {
        for (String topic : o.topics) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(List.of(topic))
                        .allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
                if (d.get(topic).partitions().isEmpty()) {
                    throw new UserError("topic " + topic + " has no partitions");
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new UserError("input topic " + topic + " does not exist on " + o.bootstrapServers);
                }
                throw new UserError("cannot describe topic " + topic + " on " + o.bootstrapServers + cause(e));
            } catch (TimeoutException e) {
                throw new UserError("Kafka at " + o.bootstrapServers + " did not answer within "
                        + o.connectTimeout.toSeconds() + " s");
            }
        }
    }

    private static void ensureTopic(Admin admin, String topic, int timeoutMs)
            throws UserError, InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                    .all().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new UserError("cannot create topic " + topic + cause(e));
            }
        } catch (TimeoutException e) {
            throw new UserError("timed out creating topic " + topic);
        }
    }

    private static String cause(Exception e) {
        Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String m = c.getMessage();
        return m == null ? "" : ": " + m.replaceAll("\\s+", " ");
    }
}
