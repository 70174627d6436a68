package io.usageanalytics.parsing;

import java.util.Arrays;
import java.util.Map;
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
    /**
     * The Kafka headers a dimension is read from (the last value of each), so that a dead letter
     * keeps them too; {@code null} when none is read.
     */
    public Map<String, byte[]> headers;

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
                && Objects.equals(topic, that.topic)
                && sameHeaders(headers, that.headers);
    }

    static boolean sameHeaders(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.size() == b.size()
                && a.entrySet().stream().allMatch(e -> b.containsKey(e.getKey()) && Arrays.equals(e.getValue(), b.get(e.getKey())));
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
