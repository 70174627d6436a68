package io.usageanalytics.sinks;

import org.apache.flink.api.connector.sink2.SinkWriter;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WarehouseSinkTest {

    /** Stands in for the connector's writer after a failed reconnect: writes work, flush and close throw. */
    private static final class BrokenWriter implements SinkWriter<String> {
        final List<String> written = new ArrayList<>();

        @Override
        public void write(String element, Context context) {
            written.add(element);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            throw new IOException("connection refused");
        }

        @Override
        public void close() {
            throw new RuntimeException("Writing records to JDBC failed.", new NullPointerException("ps is null"));
        }
    }

    @Test
    void closeAfterAFailedFlushDoesNotThrowSoTheTaskManagerSurvives() throws Exception {
        BrokenWriter jdbc = new BrokenWriter();
        WarehouseSink.Writer<String> writer = new WarehouseSink.Writer<>(jdbc);
        writer.write("row", null);
        // the failed flush fails the task; its tear-down then closes the writer
        assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class);

        assertThatCode(writer::close).doesNotThrowAnyException();
    }

    @Test
    void writesAndFlushFailuresStillReachTheTask() throws Exception {
        BrokenWriter jdbc = new BrokenWriter();
        WarehouseSink.Writer<String> writer = new WarehouseSink.Writer<>(jdbc);

        writer.write("row", null);

        assertThat(jdbc.written).containsExactly("row");
        assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class).hasMessage("connection refused");
    }
}
