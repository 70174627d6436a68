package io.usageanalytics.testing;

import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded in-memory source of raw records that parses exactly like the Kafka source does. Its
 * index range is split between the parallel readers, each with its own watermarks, like partitions.
 * When watermarks are emitted between its records is up to timing; tests of lateness use {@link
 * PipelineRun#paced} instead, which waits on the watermark itself.
 */
public final class RecordsSource implements GeneratorFunction<Long, ParsedRecord> {

    private static final long serialVersionUID = 1L;

    private final ArrayList<byte[]> records;
    /** Each record's Kafka headers that a dimension reads; {@code null} for none. */
    private final ArrayList<HashMap<String, byte[]>> headers = new ArrayList<>();
    private final Dimensions dimensions;
    private transient LoggedObjectParser parser;

    private RecordsSource(List<byte[]> records, List<Map<String, byte[]>> headers, Dimensions dimensions) {
        this.records = new ArrayList<>(records);
        this.dimensions = dimensions;
        for (Map<String, byte[]> h : headers) {
            // Only those a dimension reads, as the Kafka source keeps them.
            HashMap<String, byte[]> read = new HashMap<>(h);
            read.keySet().removeIf(name -> !dimensions.readsHeader(name));
            this.headers.add(read.isEmpty() ? null : read);
        }
    }

    public static DataGeneratorSource<ParsedRecord> of(List<byte[]> records) {
        return of(records, Dimensions.NONE);
    }

    /** Records whose values of {@code dimensions} are read, as the Kafka source reads them (no headers here). */
    public static DataGeneratorSource<ParsedRecord> of(List<byte[]> records, Dimensions dimensions) {
        return of(records, Collections.nCopies(records.size(), Map.of()), dimensions);
    }

    /** Records with the Kafka headers each came with ({@code headers.get(i)} for record i). */
    public static DataGeneratorSource<ParsedRecord> of(List<byte[]> records, List<Map<String, byte[]>> headers,
            Dimensions dimensions) {
        if (headers.size() != records.size()) {
            throw new IllegalArgumentException(records.size() + " records, " + headers.size() + " headers");
        }
        return new DataGeneratorSource<>(new RecordsSource(records, headers, dimensions), records.size(),
                TypeInformation.of(ParsedRecord.class));
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        parser = new LoggedObjectParser(dimensions);
    }

    @Override
    public ParsedRecord map(Long index) {
        LoggedRecord record = LoggedRecord.of(records.get(index.intValue()));
        record.headers = headers.get(index.intValue());
        return parser.parse(record);
    }
}
