package io.usageanalytics.aggregation;

import io.usageanalytics.parsing.Dimensions;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A combination of dimension values as a window's state keys it: the values in the configured
 * order, joined by {@code U+0000}, which values never contain (the parser rejects it).
 */
final class DimensionCombination {

    private static final String SEPARATOR = "\u0000";

    private DimensionCombination() {}

    /**
     * The combination of a request's {@code values} for {@code count} dimensions; a request
     * counted under another configuration (a restored savepoint) has missing values as {@code ""}.
     */
    static String of(String[] values, int count) {
        String[] padded = Arrays.copyOf(values, count);
        for (int i = 0; i < count; i++) {
            if (padded[i] == null) {
                padded[i] = "";
            }
        }
        return String.join(SEPARATOR, padded);
    }

    /** The combination of the row that sums what the guard set aside: every value {@code __other__}. */
    static String other(int count) {
        String[] values = new String[count];
        Arrays.fill(values, Dimensions.OTHER);
        return String.join(SEPARATOR, values);
    }

    /**
     * The combination as a row's dimensions: name to value, in the configured order. A window
     * restored from a job with fewer dimensions has no value for the new ones: {@code ""}.
     */
    static Map<String, String> named(String combination, Dimensions dimensions) {
        String[] values = combination.split(SEPARATOR, -1);
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < dimensions.size(); i++) {
            named.put(dimensions.list().get(i).name(), i < values.length ? values[i] : "");
        }
        return named;
    }
}
