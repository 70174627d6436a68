package io.usageanalytics.sources;

import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses each Kafka record in the source, keeping its coordinates. Never throws: a record that is
 * not a valid logged object becomes a reject, so one bad record cannot fail or stall the job.
 */
public class LoggedRecordDeserializer implements KafkaRecordDeserializationSchema<ParsedRecord> {

    private static final long serialVersionUID = 1L;

    private transient LoggedObjectParser parser;

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        parser = new LoggedObjectParser();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedRecord> out) {
        out.collect(parser.parse(new LoggedRecord(
                record.value(), record.key(), record.topic(), record.partition(), record.offset())));
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }
}
