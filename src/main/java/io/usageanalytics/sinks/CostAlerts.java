package io.usageanalytics.sinks;

import io.usageanalytics.cost.CostAlert;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;

/**
 * Where cost alerts go: a Kafka topic (JSON, keyed by model or {@code <dimension>=<value>}, for
 * pagers and chat hooks) and the {@code llm_cost_alerts} table (for dashboards), both idempotent
 * under replay.
 */
public final class CostAlerts {

    public static final String TABLE = "llm_cost_alerts";

    static final String UPSERT = "INSERT INTO " + TABLE
            + " (scope, scope_value, model, window_start, window_end, cost_usd, baseline_usd, ratio)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (scope, scope_value, window_start) DO UPDATE SET window_end = EXCLUDED.window_end,"
            + " cost_usd = EXCLUDED.cost_usd, baseline_usd = EXCLUDED.baseline_usd, ratio = EXCLUDED.ratio";

    private CostAlerts() {}

    public static KafkaSink<CostAlert> topic(String bootstrapServers, String topic, DeliveryGuarantee guarantee,
            String transactionalIdPrefix, Properties kafkaProperties) {
        return RejectsTopic.kafkaSink(bootstrapServers, guarantee, transactionalIdPrefix, kafkaProperties,
                new Json(topic));
    }

    /** The alerts table, written with the same batching and retries as the usage table. */
    public static WarehouseSink<CostAlert> table(JdbcConnectionOptions connection, int batchSize,
            Duration flushInterval, int maxRetries) {
        return WarehouseSink.of(connection, UPSERT, new AlertStatement(), batchSize, flushInterval, maxRetries);
    }

    /**
     * The alert as a JSON object; amounts as decimal strings so no precision is lost. Every alert
     * names its scope and value; a model alert also keeps the {@code model} field it had before
     * scopes, for the consumers that read it.
     */
    public static String json(CostAlert a) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("scope", a.scope);
        o.put("value", a.value);
        if (a.isModel()) {
            o.put("model", a.value);
        }
        o.put("window_start", Instant.ofEpochMilli(a.windowStart).toString());
        o.put("window_end", Instant.ofEpochMilli(a.windowEnd).toString());
        o.put("cost_usd", a.costUsd.toPlainString());
        o.put("baseline_usd", a.baselineUsd == null ? null : a.baselineUsd.toPlainString());
        if (a.ratio == null) {
            o.putNull("ratio");
        } else {
            o.put("ratio", a.ratio);
        }
        return o.toString();
    }

    /** The record key: the model, as before scopes, or {@code <dimension>=<value>}. */
    static String key(CostAlert a) {
        return a.isModel() ? a.value : a.scope + "=" + a.value;
    }

    static final class Json implements KafkaRecordSerializationSchema<CostAlert> {
        private static final long serialVersionUID = 1L;
        static final ObjectMapper MAPPER = new ObjectMapper();
        private final String topic;

        Json(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(CostAlert alert, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, key(alert).getBytes(StandardCharsets.UTF_8),
                    json(alert).getBytes(StandardCharsets.UTF_8));
        }
    }

    static final class AlertStatement implements JdbcStatementBuilder<CostAlert> {
        private static final long serialVersionUID = 1L;

        @Override
        public void accept(PreparedStatement ps, CostAlert a) throws SQLException {
            ps.setString(1, a.scope);
            ps.setString(2, a.value);
            // NOT NULL since before scopes, so queries reading it keep working: '' for dimension alerts.
            ps.setString(3, a.isModel() ? a.value : "");
            ps.setObject(4, OffsetDateTime.ofInstant(Instant.ofEpochMilli(a.windowStart), ZoneOffset.UTC));
            ps.setObject(5, OffsetDateTime.ofInstant(Instant.ofEpochMilli(a.windowEnd), ZoneOffset.UTC));
            ps.setBigDecimal(6, a.costUsd);
            ps.setBigDecimal(7, a.baselineUsd);
            if (a.ratio == null) {
                ps.setNull(8, Types.DOUBLE);
            } else {
                ps.setDouble(8, a.ratio);
            }
        }
    }
}
