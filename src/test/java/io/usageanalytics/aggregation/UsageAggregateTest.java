package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.Usage;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Windows whose state was counted under another configuration of dimensions (a restored savepoint). */
class UsageAggregateTest {

    private static RequestUsage request(long tokens, String... dimensions) {
        RequestUsage r = new RequestUsage("r" + tokens, "m", "fp", "", 0);
        r.usage = new Usage(tokens, 0, tokens, 0, 0);
        r.dimensions = dimensions;
        return r;
    }

    @Test
    void whatAWindowCountedWithoutDimensionsCountsAsNoValuesOnceTheyAreOn() {
        UsageCounts window = new UsageAggregate(0, 0).add(request(10), new UsageCounts());
        new UsageAggregate(2, 100).add(request(5, "acme", "chat"), window);

        assertThat(window.totalTokens).isEqualTo(15);
        assertThat(window.byDimensions).hasSize(2);
        assertThat(window.byDimensions.get("\u0000")[UsageColumn.TOTAL_TOKENS.ordinal()]).isEqualTo(10);
        assertThat(window.byDimensions.get("acme\u0000chat")[UsageColumn.TOTAL_TOKENS.ordinal()]).isEqualTo(5);
    }

    @Test
    void aCombinationOfFewerDimensionsHasNoValueForTheNewOnes() {
        Dimensions two = Dimensions.parse(List.of("tenant=header:x-tenant", "app=json:/x_gateway/app"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("tenant", "acme");
        expected.put("app", "");
        assertThat(DimensionCombination.named("acme", two)).isEqualTo(expected);
        assertThat(DimensionCombination.of(new String[] {"acme"}, 2)).isEqualTo("acme\u0000");
    }
}
