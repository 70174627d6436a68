package io.usageanalytics.sources;

import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.util.LinkedHashMap;

/**
 * Parses each Kafka record in the source, keeping its coordinates. Never throws: a record that is
 * not a valid logged object becomes a reject, so one bad record cannot fail or stall the job.
 */
public class LoggedRecordDeserializer implements KafkaRecordDeserializationSchema<ParsedRecord> {

    private static final long serialVersionUID = 1L;

    private final Dimensions dimensions;
    private transient LoggedObjectParser parser;

    public LoggedRecordDeserializer(Dimensions dimensions) {
        this.dimensions = dimensions;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        parser = new LoggedObjectParser(dimensions);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedRecord> out) {
        LoggedRecord logged = new LoggedRecord(
                record.value(), record.key(), record.topic(), record.partition(), record.offset());
        // Only then: Kafka decodes each header's name anew for every record, about 3% of a job's
        // CPU time when the records carry a header.
        if (dimensions.readsHeaders()) {
            for (Header header : record.headers()) {
                // The last of a repeated header counts: it is the one a proxy added last.
                if (dimensions.readsHeader(header.key())) {
                    if (logged.headers == null) {
                        logged.headers = new LinkedHashMap<>();
                    }
                    logged.headers.put(header.key(), header.value());
                }
            }
        }
        out.collect(parser.parse(logged));
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }
}
