package io.usageanalytics.parsing;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The attribution dimensions ({@code --dimension NAME=SOURCE}): who made each request, read from a
 * Kafka header or a JSON Pointer into the logged object. Each request carries one value per
 * dimension, in this order; {@code ""} when its record has none.
 */
public final class Dimensions implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Dimensions NONE = new Dimensions(List.of());
    public static final int MAX = 4;
    /** Longer values are rejected ({@code limit_exceeded}), like other names. */
    public static final int MAX_VALUE_LENGTH = 256;
    /** The value of every dimension in the row that sums what the cardinality guard set aside. */
    public static final String OTHER = "__other__";

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    /** Fields the parser reads itself: a pointer into them would compete with it. */
    private static final Set<String> READ_FIELDS = Set.of("object", "id", "model", "created", "choices", "usage",
            "system_fingerprint", "service_tier", "x_groq", "prompt_filter_results");

    /** One dimension: its name and either a header or a JSON Pointer's reference tokens. */
    public record Dimension(String name, String header, String[] pointer) implements Serializable {
        /** As given on the command line, e.g. {@code json:/x_gateway/tenant}. */
        public String source() {
            return header != null ? "header:" + header : "json:" + toPointer(pointer);
        }
    }

    private final List<Dimension> dimensions;
    /** The headers read, looked up for every header of every record. */
    private final Set<String> headers;

    private Dimensions(List<Dimension> dimensions) {
        this.dimensions = List.copyOf(dimensions);
        this.headers = dimensions.stream().map(Dimension::header).filter(h -> h != null).collect(Collectors.toSet());
    }

    /**
     * Reads {@code NAME=header:HEADER} or {@code NAME=json:POINTER} specs; a bad one throws with a
     * one-line message naming it.
     */
    public static Dimensions parse(List<String> specs) {
        if (specs.size() > MAX) {
            throw new IllegalArgumentException("--dimension is given " + specs.size() + " times, at most " + MAX);
        }
        List<Dimension> parsed = new ArrayList<>();
        for (String spec : specs) {
            Dimension d = parseOne(spec);
            if (parsed.stream().anyMatch(p -> p.name().equals(d.name()))) {
                throw new IllegalArgumentException("--dimension " + spec + ": " + d.name() + " is named twice");
            }
            parsed.add(d);
        }
        return new Dimensions(parsed);
    }

    private static Dimension parseOne(String spec) {
        int eq = spec.indexOf('=');
        String name = eq < 0 ? spec : spec.substring(0, eq);
        if (eq < 0 || !NAME.matcher(name).matches()) {
            throw bad(spec, "expected NAME=header:HEADER or NAME=json:POINTER, NAME matching [a-z][a-z0-9_]{0,31}");
        }
        String source = spec.substring(eq + 1);
        if (source.startsWith("header:") && source.length() > "header:".length()) {
            return new Dimension(name, source.substring("header:".length()), null);
        }
        if (source.startsWith("json:/")) {
            String[] tokens = fromPointer(source.substring("json:".length()), spec);
            if (READ_FIELDS.contains(tokens[0])) {
                throw bad(spec, "/" + tokens[0] + " is read by the job itself; point into a field it does not read");
            }
            return new Dimension(name, null, tokens);
        }
        throw bad(spec, "the source must be header:HEADER or json:POINTER (an RFC 6901 pointer such as"
                + " json:/x_gateway/tenant)");
    }

    /** The reference tokens of an RFC 6901 pointer, {@code ~1} and {@code ~0} unescaped. */
    private static String[] fromPointer(String pointer, String spec) {
        String[] tokens = pointer.substring(1).split("/", -1);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].replaceAll("~[01]", "").contains("~")) {
                throw bad(spec, "~ must be escaped as ~0 in a JSON Pointer");
            }
            tokens[i] = tokens[i].replace("~1", "/").replace("~0", "~");
        }
        return tokens;
    }

    private static String toPointer(String[] tokens) {
        StringBuilder s = new StringBuilder();
        for (String t : tokens) {
            s.append('/').append(t.replace("~", "~0").replace("/", "~1"));
        }
        return s.toString();
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("--dimension " + spec + ": " + why);
    }

    public List<Dimension> list() {
        return dimensions;
    }

    public int size() {
        return dimensions.size();
    }

    public boolean isEmpty() {
        return dimensions.isEmpty();
    }

    /** The index of dimension {@code name}, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < dimensions.size(); i++) {
            if (dimensions.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether some dimension is read from a header. */
    public boolean readsHeaders() {
        return !headers.isEmpty();
    }

    /** Whether some dimension is read from header {@code name}. */
    public boolean readsHeader(String name) {
        return headers.contains(name);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Dimension d : dimensions) {
            s.append(s.length() == 0 ? "" : ", ").append(d.name()).append('=').append(d.source());
        }
        return s.toString();
    }
}
