package io.usageanalytics.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

import java.util.Properties;

class KafkaInputTest {

    @Test
    void theConsumerFetchesInLargerBatchesThanKafkasDefaults() {
        Properties p = KafkaInput.consumerProperties(new Properties());
        assertThat(p).containsOnly(
                entry("max.poll.records", "4000"),
                entry("max.partition.fetch.bytes", "4194304"),
                entry("receive.buffer.bytes", "-1"));
    }

    @Test
    void theUsersKafkaPropertiesOverrideTheJobsDefaults() {
        Properties user = new Properties();
        user.setProperty("max.poll.records", "100");
        user.setProperty("security.protocol", "SASL_SSL");
        Properties p = KafkaInput.consumerProperties(user);
        assertThat(p).containsOnly(
                entry("max.poll.records", "100"),
                entry("max.partition.fetch.bytes", "4194304"),
                entry("receive.buffer.bytes", "-1"),
                entry("security.protocol", "SASL_SSL"));
    }
}
