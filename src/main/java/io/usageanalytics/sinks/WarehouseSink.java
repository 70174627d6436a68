package io.usageanalytics.sinks;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;

/**
 * The connector's at-least-once {@link JdbcSink}, with one failure mode taken out. After the
 * database goes away mid-flush, the connector's writer is left without a statement and its
 * {@code close()} throws while the failed task is being torn down; Flink treats an exception there
 * as fatal and kills the whole TaskManager, so a database restart would take the job down for good
 * instead of failing over. This writer logs that exception instead: the rows it held were never
 * part of a completed checkpoint (a checkpoint flushes the writer first), so the restore re-emits
 * them and nothing is lost.
 */
public final class WarehouseSink<IN> implements Sink<IN> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WarehouseSink.class);

    private final JdbcSink<IN> jdbc;

    public WarehouseSink(JdbcSink<IN> jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code sql} per record, batched ({@code --batch-size}, {@code --flush-interval}) and retried. */
    static <IN> WarehouseSink<IN> of(JdbcConnectionOptions connection, String sql, JdbcStatementBuilder<IN> statement,
            int batchSize, Duration flushInterval, int maxRetries) {
        return new WarehouseSink<>(JdbcSink.<IN>builder()
                .withQueryStatement(sql, statement)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(flushInterval.toMillis())
                        .withMaxRetries(maxRetries)
                        .build())
                .buildAtLeastOnce(connection));
    }

    @Override
    public SinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(jdbc.createWriter(context));
    }

    static final class Writer<IN> implements SinkWriter<IN> {
        private final SinkWriter<IN> jdbc;

        Writer(SinkWriter<IN> jdbc) {
            this.jdbc = jdbc;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            jdbc.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            jdbc.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            jdbc.writeWatermark(watermark);
        }

        @Override
        public void close() {
            try {
                jdbc.close();
            } catch (Exception e) {
                LOG.warn("Closing the warehouse writer failed; rows it still held are re-emitted from"
                        + " the last checkpoint on restore", e);
            }
        }
    }
}
