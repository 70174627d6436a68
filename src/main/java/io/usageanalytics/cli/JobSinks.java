package io.usageanalytics.cli;

import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.sinks.CostAlerts;
import io.usageanalytics.sinks.RejectsTopic;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.functions.sink.PrintSink;

/**
 * Where the job's outputs go. The job's own come from its options; a test passes collectors, or
 * {@code null} for an output it attaches itself to the stream {@code defineJob} returns.
 */
public record JobSinks(Sink<UsageRow> rows, Sink<Reject> rejects, Sink<CostAlert> alertsTopic,
        Sink<CostAlert> alertsTable) {

    /**
     * The options' sinks: the dead-letter and alert topics (exactly once with checkpoints), and the
     * warehouse's usage and alert tables, or the rows printed to stdout without a warehouse.
     */
    public static JobSinks of(JobOptions o) {
        JobSinks topics = topics(o);
        if (o.jdbcUrl == null) {
            return new JobSinks(new PrintSink<>(), topics.rejects, topics.alertsTopic, null);
        }
        return new JobSinks(UsageTable.sink(o.jdbcUrl, o.jdbcUser, o.jdbcPassword, o.table, o.batchSize,
                        o.flushInterval, o.maxRetries), topics.rejects, topics.alertsTopic,
                CostAlerts.table(Warehouse.connection(o.jdbcUrl, o.jdbcUser, o.jdbcPassword), o.batchSize,
                        o.flushInterval, o.maxRetries));
    }

    /** Only the options' dead-letter and alert topics: rows and the alerts table left to the caller. */
    public static JobSinks topics(JobOptions o) {
        DeliveryGuarantee guarantee =
                o.checkpointInterval.isZero() ? DeliveryGuarantee.AT_LEAST_ONCE : DeliveryGuarantee.EXACTLY_ONCE;
        return new JobSinks(null, RejectsTopic.sink(o.bootstrapServers, o.rejectsTopic(), guarantee,
                o.group + "-rejects", o.kafkaProperties), CostAlerts.topic(o.bootstrapServers, o.alertsTopic(),
                guarantee, o.group + "-alerts", o.kafkaProperties), null);
    }
}
