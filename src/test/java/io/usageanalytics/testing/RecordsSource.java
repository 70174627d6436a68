package io.usageanalytics.testing;

import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded in-memory source of raw records that parses exactly like the Kafka source does. Its
 * index range is split between the parallel readers, each with its own watermarks, like partitions.
 */
public final class RecordsSource implements GeneratorFunction<Long, ParsedRecord> {

    private static final long serialVersionUID = 1L;

    private final ArrayList<byte[]> records;
    private final long gapMillis;
    private transient LoggedObjectParser parser;

    private RecordsSource(List<byte[]> records, Duration gap) {
        this.records = new ArrayList<>(records);
        this.gapMillis = gap.toMillis();
    }

    public static DataGeneratorSource<ParsedRecord> of(List<byte[]> records) {
        return new DataGeneratorSource<>(new RecordsSource(records, Duration.ZERO), records.size(),
                TypeInformation.of(ParsedRecord.class));
    }

    /**
     * One reader, sleeping {@code gap} before each record after the first, for tests of lateness:
     * with a gap longer than the periodic watermark interval (200 ms), the source task emits the
     * watermark of each record before it reads the next. (A rate limiter is not enough: it saves
     * up unused permits while the task starts, then lets records through in a burst.)
     */
    public static DataGeneratorSource<ParsedRecord> paced(List<byte[]> records, Duration gap) {
        return new DataGeneratorSource<>(new RecordsSource(records, gap), records.size(),
                TypeInformation.of(ParsedRecord.class));
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        parser = new LoggedObjectParser();
    }

    @Override
    public ParsedRecord map(Long index) throws InterruptedException {
        if (index > 0 && gapMillis > 0) {
            Thread.sleep(gapMillis);
        }
        return parser.parse(LoggedRecord.of(records.get(index.intValue())));
    }
}
