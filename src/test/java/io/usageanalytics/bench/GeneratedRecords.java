package io.usageanalytics.bench;

import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;

import java.util.ArrayList;
import java.util.List;

/** Benchmark inputs: the local runner's mix, none malformed, parsed as the Kafka source parses it (skipped ones left out). */
final class GeneratedRecords {

    private GeneratedRecords() {}

    /** The first {@code count} records, each with its key and made-up Kafka coordinates. */
    static LoggedObject[] parsed(int count) {
        LoggedObjectParser parser = new LoggedObjectParser();
        List<LoggedObject> parsed = new ArrayList<>();
        TrafficGenerator generator = new TrafficGenerator(42, 1_767_225_600L, 1000, 0, 0);
        while (parsed.size() < count) {
            for (TrafficGenerator.Record r : generator.next(100)) {
                LoggedObject o = parser.parse(new LoggedRecord(r.value(), r.key(), "llm-responses", 0,
                        parsed.size())).object;
                // Azure's preambles are skipped by the source: no object
                if (o != null && parsed.size() < count) {
                    parsed.add(o);
                }
            }
        }
        return parsed.toArray(new LoggedObject[0]);
    }
}
