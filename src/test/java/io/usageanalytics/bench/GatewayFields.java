package io.usageanalytics.bench;

import io.usageanalytics.local.TrafficGenerator;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Who made each request, as a gateway logs it, added by the benchmark to the generator's records:
 * an envelope field {@code "x_bench":{"user":"user-<n>"}} (one of {@code users} users) and a Kafka
 * header {@value #TENANT_HEADER} (the user's tenant, one of five). Added here rather than taken
 * from the generator so that the benchmark's input is the same whatever the generator carries; the
 * names are the benchmark's own so that they never collide with the generator's. Both follow from
 * the completion id (the record's key), so every chunk of a stream agrees, and users are spread
 * evenly: the most combinations a window can get from that many users.
 */
final class GatewayFields {

    static final String TENANT_HEADER = "x-bench-tenant";
    /** The two dimensions, one read from a header, one from a JSON pointer. */
    static final List<String> DIMENSIONS = List.of("tenant=header:" + TENANT_HEADER, "user=json:/x_bench/user");
    /** The job's options for them. */
    static final List<String> JOB_ARGS = DIMENSIONS.stream().map(d -> "--dimension=" + d).toList();

    private static final String[] TENANTS = {"acme", "globex", "initech", "umbrella", "hooli"};

    private final int users;

    GatewayFields(int users) {
        this.users = users;
    }

    /** The record for {@code topic} with the tenant header and the user field (first in the object). */
    ProducerRecord<byte[], byte[]> record(String topic, TrafficGenerator.Record r) {
        long user = Long.remainderUnsigned(mix(Arrays.hashCode(r.key())), users);
        byte[] field = ("{\"x_bench\":{\"user\":\"user-" + user + "\"},").getBytes(StandardCharsets.UTF_8);
        // Every generated value is an object with members, malformed ones included (a first half).
        byte[] value = Arrays.copyOf(field, field.length + r.value().length - 1);
        System.arraycopy(r.value(), 1, value, field.length, r.value().length - 1);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, r.key(), value);
        // A user belongs to one tenant.
        record.headers().add(TENANT_HEADER, TENANTS[(int) (user % TENANTS.length)].getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** A 64-bit finalizer (SplitMix64's), so that similar ids give unrelated users. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
