package io.usageanalytics.testing;

import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded in-memory source of raw records that parses exactly like the Kafka source does. Its
 * index range is split between the parallel readers, each with its own watermarks, like partitions.
 */
public final class RecordsSource implements GeneratorFunction<Long, ParsedRecord> {

    private static final long serialVersionUID = 1L;

    private final ArrayList<byte[]> records;
    private transient LoggedObjectParser parser;

    private RecordsSource(List<byte[]> records) {
        this.records = new ArrayList<>(records);
    }

    public static DataGeneratorSource<ParsedRecord> of(List<byte[]> records) {
        return new DataGeneratorSource<>(new RecordsSource(records), records.size(),
                TypeInformation.of(ParsedRecord.class));
    }

    /** Paced, so that periodic watermarks fall between records: for tests of lateness. */
    public static DataGeneratorSource<ParsedRecord> paced(List<byte[]> records, double perSecond) {
        return new DataGeneratorSource<>(new RecordsSource(records), records.size(),
                RateLimiterStrategy.perSecond(perSecond), TypeInformation.of(ParsedRecord.class));
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        parser = new LoggedObjectParser();
    }

    @Override
    public ParsedRecord map(Long index) {
        return parser.parse(LoggedRecord.of(records.get(index.intValue())));
    }
}
