package io.usageanalytics;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.aggregation.WindowPartial;
import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.assembly.StreamAssembly;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.cost.CostBaseline;
import io.usageanalytics.parsing.ChoicePart;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Reject;
import io.usageanalytics.parsing.Usage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

/**
 * Every type passed between stages or kept in state is a Flink POJO, so savepoints can evolve;
 * all but {@link io.usageanalytics.parsing.LoggedObject}, never kept in state, which has its own
 * serializer for speed ({@code LoggedObjectSerializerTest}).
 */
class PojoTest {

    @ParameterizedTest
    @ValueSource(classes = {
        LoggedRecord.class, ChoicePart.class, Usage.class, Reject.class,
        ParsedRecord.class, RequestUsage.class, StreamAssembly.class, UsageCounts.class, WindowPartial.class,
        UsageRow.class, CostAlert.class, CostBaseline.class
    })
    void isPojoWithoutKryo(Class<?> type) {
        assertSerializedAsPojoWithoutKryo(type);
    }
}
