package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.Usage;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Windows whose state was counted under another configuration of dimensions (a restored savepoint). */
class UsageAggregateTest {

    /** A partial of one request with {@code tokens} and these dimension values. */
    private static WindowPartial request(long tokens, String... dimensions) {
        RequestUsage r = new RequestUsage("r" + tokens, "m", "fp", "", 0);
        r.usage = new Usage(tokens, 0, tokens, 0, 0);
        r.dimensions = dimensions;
        WindowPartial partial = new WindowPartial(r);
        partial.add(r, dimensions.length);
        return partial;
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
    void foldingSumsEveryCombinationNotKeptIntoOtherAndKeepsTheTotal() {
        UsageAggregate aggregate = new UsageAggregate(1, 100);
        UsageCounts window = new UsageCounts();
        for (String[] r : new String[][] {{"30", "acme"}, {"20", "beta"}, {"7", "corp"}, {"5", "corp"}, {"1", "dyn"}}) {
            aggregate.add(request(Long.parseLong(r[0]), r[1]), window);
        }
        window.add("__other__", new UsageCounts().with(UsageColumn.TOTAL_TOKENS, 100).with(UsageColumn.REQUESTS, 4).columns());

        long[] rest = window.foldInto("__other__", Set.of("acme", "beta"));

        int tokens = UsageColumn.TOTAL_TOKENS.ordinal();
        int requests = UsageColumn.REQUESTS.ordinal();
        assertThat(window.byDimensions).containsOnlyKeys("acme", "beta", "__other__");
        assertThat(window.byDimensions.get("__other__")).isSameAs(rest);
        assertThat(rest[tokens]).isEqualTo(113);
        assertThat(rest[requests]).isEqualTo(7);
        assertThat(window.byDimensions.values().stream().mapToLong(c -> c[tokens]).sum()).isEqualTo(163);
        // Again at a late firing: __other__ folds into itself, nothing changes.
        assertThat(window.foldInto("__other__", Set.of("acme", "beta"))[tokens]).isEqualTo(113);
        assertThat(window.byDimensions).containsOnlyKeys("acme", "beta", "__other__");
        assertThat(window.foldInto("__other__", Set.of("acme", "beta", "corp", "dyn", "__other__"))).isNull();
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
