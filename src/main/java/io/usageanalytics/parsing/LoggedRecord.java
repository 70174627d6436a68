package io.usageanalytics.parsing;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input record exactly as it arrived: the raw value bytes and, when it came from Kafka, the
 * coordinates that let a reject be traced and replayed. Unknown coordinates are {@code null}/-1.
 */
public class LoggedRecord {

    public byte[] value;
    public byte[] key;
    public String topic;
    public int partition = -1;
    public long offset = -1;

    public LoggedRecord() {}

    public LoggedRecord(byte[] value, byte[] key, String topic, int partition, long offset) {
        this.value = value;
        this.key = key;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    /** A record without Kafka coordinates, as tests and file replays produce it. */
    public static LoggedRecord of(byte[] value) {
        return new LoggedRecord(value, null, null, -1, -1);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LoggedRecord)) {
            return false;
        }
        LoggedRecord that = (LoggedRecord) o;
        return partition == that.partition
                && offset == that.offset
                && Arrays.equals(value, that.value)
                && Arrays.equals(key, that.key)
                && Objects.equals(topic, that.topic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(value), Arrays.hashCode(key), topic, partition, offset);
    }

    @Override
    public String toString() {
        return "LoggedRecord{" + topic + "/" + partition + "@" + offset + ", "
                + (value == null ? "null" : value.length + " bytes") + "}";
    }
}
