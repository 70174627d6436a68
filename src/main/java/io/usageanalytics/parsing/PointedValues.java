package io.usageanalytics.parsing;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.List;

/**
 * The values the {@code json:} dimensions point at in one record, read while the parser passes
 * their fields instead of skipping them: a string as it is, a number or boolean as its JSON text,
 * anything else {@code null} (no value). Fields no pointer leads into are skipped as before.
 */
final class PointedValues {

    /** Per dimension, its pointer's reference tokens; {@code null} for a header dimension. */
    private final String[][] pointers;
    /** Per dimension, the value found; {@code null} until found or when it has none. */
    final String[] values;
    /** Dimensions whose pointer was met, to refuse a repeated field as the parser does. */
    private int met;

    PointedValues(Dimensions dimensions) {
        List<Dimensions.Dimension> list = dimensions.list();
        pointers = new String[list.size()][];
        for (int i = 0; i < pointers.length; i++) {
            pointers[i] = list.get(i).pointer();
        }
        values = new String[pointers.length];
    }

    /** The dimensions (as a bit set) whose pointer starts at top-level field {@code name}. */
    int startingAt(String name) {
        return matching(-1 >>> (32 - pointers.length), 0, name);
    }

    /**
     * Reads the value at the current token {@code t}, {@code depth} reference tokens deep, for the
     * dimensions in {@code candidates} (whose pointers match the path so far), skipping the rest.
     */
    void read(JsonParser p, JsonToken t, int depth, int candidates) throws IOException {
        int deeper = 0;
        for (int i = 0; i < pointers.length; i++) {
            if ((candidates & 1 << i) == 0) {
                continue;
            }
            if (pointers[i].length == depth) {
                if ((met & 1 << i) != 0) {
                    throw new JsonParseException(p, "Duplicate field '" + pointers[i][depth - 1] + "'");
                }
                met |= 1 << i;
                values[i] = scalar(p, t);
            } else {
                deeper |= 1 << i;
            }
        }
        if (deeper == 0 || (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY)) {
            p.skipChildren();
            return;
        }
        int index = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_OBJECT && e != JsonToken.END_ARRAY; e = p.nextToken()) {
            String name = t == JsonToken.START_OBJECT ? p.currentName() : String.valueOf(index++);
            JsonToken v = t == JsonToken.START_OBJECT ? p.nextToken() : e;
            int next = matching(deeper, depth, name);
            if (next == 0) {
                p.skipChildren();
            } else {
                read(p, v, depth + 1, next);
            }
        }
    }

    private int matching(int candidates, int depth, String name) {
        int matching = 0;
        for (int i = 0; i < pointers.length; i++) {
            if ((candidates & 1 << i) != 0 && pointers[i] != null && pointers[i].length > depth
                    && pointers[i][depth].equals(name)) {
                matching |= 1 << i;
            }
        }
        return matching;
    }

    private static String scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
            case VALUE_TRUE:
            case VALUE_FALSE:
                return p.getText();
            default:
                return null;
        }
    }
}
