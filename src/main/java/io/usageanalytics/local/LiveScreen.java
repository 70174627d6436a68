package io.usageanalytics.local;

import io.usageanalytics.core.Accounting;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.dashboard.JobAccounting;
import io.usageanalytics.sinks.Warehouse;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the local runner shows, at most {@link #WIDTH} columns: usage and cost per model over a span
 * of windows (the current UTC day while live) and, with dimensions, the cost per value of the first
 * one; when the next rows are due, and the accounting of the running job, whose terms add up at
 * every refresh because the records still in flight are shown too.
 */
final class LiveScreen {

    static final int WIDTH = 100;
    private static final int MODEL_WIDTH = 22;
    /** A dimension value is clipped to this on the screen; values can have 256 characters. */
    private static final int VALUE_WIDTH = 24;
    private static final String ROW = "%-" + MODEL_WIDTH + "s %8s %12s %11s %5s %5s %5s %5s %5s %5s %5s";

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private LiveScreen() {}

    /** One model's totals over the span: a row of the screen. */
    record ModelUsage(String model, long requests, long tokens, BigDecimal costUsd, long unpricedRows, long choices,
            long stop, long length, long toolCalls, long contentFilter, long cutOff, long estimated,
            long duplicates) {

        static final ModelUsage TOTAL = new ModelUsage("total", 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        ModelUsage plus(ModelUsage o) {
            return new ModelUsage("total", requests + o.requests, tokens + o.tokens,
                    costUsd == null ? o.costUsd : o.costUsd == null ? costUsd : costUsd.add(o.costUsd),
                    unpricedRows + o.unpricedRows, choices + o.choices, stop + o.stop, length + o.length,
                    toolCalls + o.toolCalls, contentFilter + o.contentFilter, cutOff + o.cutOff,
                    estimated + o.estimated, duplicates + o.duplicates);
        }
    }

    /** One value of a dimension and its cost, {@code null} when none of its rows has a price. */
    record ValueCost(String value, BigDecimal costUsd) {}

    /**
     * The cost per value of dimension {@code name} of the rows whose windows start in [from, to),
     * the most expensive first; rows without the dimension (written without it) left out.
     */
    static List<ValueCost> readValues(Connection c, String table, String name, Instant from, Instant to)
            throws SQLException {
        String sql = "SELECT value, sum(cost_usd) FROM (SELECT"
                + " dimensions ->> ? AS value, cost_usd FROM " + table + " WHERE window_start >= ? AND window_start < ?)"
                + " v WHERE value IS NOT NULL GROUP BY value ORDER BY sum(cost_usd) DESC NULLS LAST, value";
        List<ValueCost> values = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            s.setTimestamp(2, Timestamp.from(from));
            s.setTimestamp(3, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    values.add(new ValueCost(r.getString(1), r.getBigDecimal(2)));
                }
            }
        }
        return values;
    }

    /** The table's rows per model whose windows start in [from, to), the most expensive first. */
    static List<ModelUsage> read(Connection c, String table, Instant from, Instant to) throws SQLException {
        String sql = "SELECT model, sum(requests), sum(total_tokens), sum(cost_usd),"
                + " count(*) FILTER (WHERE cost_usd IS NULL), sum(choices), sum(finish_stop), sum(finish_length),"
                + " sum(finish_tool_calls), sum(finish_content_filter), sum(finish_none), sum(estimated_requests),"
                + " sum(duplicates_dropped) FROM " + table + " WHERE window_start >= ? AND window_start < ?"
                + " GROUP BY model ORDER BY sum(cost_usd) DESC NULLS LAST, model";
        List<ModelUsage> rows = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(new ModelUsage(r.getString(1), r.getLong(2), r.getLong(3), r.getBigDecimal(4),
                            r.getLong(5), r.getLong(6), r.getLong(7), r.getLong(8), r.getLong(9), r.getLong(10),
                            r.getLong(11), r.getLong(12), r.getLong(13)));
                }
            }
        }
        return rows;
    }

    /** The end of the latest window in the table that starts in [from, to), if any. */
    static Optional<Instant> lastWindowEnd(Connection c, String table, Instant from, Instant to) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT max(window_end) FROM " + table + " WHERE window_start >= ? AND window_start < ?")) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                Timestamp t = r.getTimestamp(1);
                return t == null ? Optional.empty() : Optional.of(t.toInstant());
            }
        }
    }

    /**
     * The live screen: today's rows (UTC), the cost per value of {@code dimension} if there is
     * one, when more rows are due, and the running job's accounting.
     */
    static List<String> live(String url, String user, String password, String table, Optional<String> dimension,
            EventTime time, Instant now, Optional<Map<String, Object>> accumulators) {
        Instant day = now.truncatedTo(ChronoUnit.DAYS);
        List<String> lines = new ArrayList<>();
        try (Connection c = Warehouse.connect(url, user, password, Duration.ofSeconds(5))) {
            Optional<Instant> last = lastWindowEnd(c, table, day, day.plus(1, ChronoUnit.DAYS));
            lines.add(title(now, last, time));
            lines.addAll(rows(c, table, dimension, day, day.plus(1, ChronoUnit.DAYS)));
        } catch (SQLException e) {
            lines.add("-- " + clock(now) + " UTC: the warehouse did not answer: " + oneLine(e.getMessage()));
        }
        lines.addAll(accounting(accumulators));
        return lines;
    }

    /**
     * The first line: the span shown and when rows are due. A window's row is written once the
     * watermark passes its end, that is once records created an out-of-orderness after it arrive.
     */
    static String title(Instant now, Optional<Instant> lastWindowEnd, EventTime time) {
        Duration window = time.window();
        Duration outOfOrderness = time.outOfOrderness();
        String head = "-- " + clock(now) + " UTC; today's windows of " + human(window);
        if (lastWindowEnd.isEmpty()) {
            Instant firstEnd = Instant.ofEpochMilli(time.windowStart(now.toEpochMilli())).plus(window);
            return head + ": no rows yet, the first are due about " + clock(firstEnd.plus(outOfOrderness)) + " --";
        }
        Instant nextDue = lastWindowEnd.get().plus(window).plus(outOfOrderness);
        // A little past due is normal (watermarks and the sink's flush take a moment); a window or
        // more past due means the input has gone quiet.
        return head + " closed up to " + clock(lastWindowEnd.get())
                + (nextDue.plus(window).isAfter(now) ? "; next rows due about " + clock(nextDue)
                        : "; next rows as records arrive")
                + " --";
    }

    /** The per-model table of the rows in [from, to), then the cost per value of {@code dimension} if any. */
    static List<String> rows(Connection c, String table, Optional<String> dimension, Instant from, Instant to)
            throws SQLException {
        List<String> lines = new ArrayList<>(table(read(c, table, from, to)));
        if (dimension.isPresent()) {
            List<ValueCost> values = readValues(c, table, dimension.get(), from, to);
            if (!values.isEmpty()) {
                lines.add(byValue(dimension.get(), values));
            }
        }
        return lines;
    }

    /**
     * The values' cost in one line, the most expensive first; when they do not all fit, how many
     * more there are. {@code ''} is the cost of requests that carried no value. Unpriced rows count
     * as no cost: the table above says which models have none, and a {@code +?} on nearly every
     * value would take the room of one.
     */
    static String byValue(String dimension, List<ValueCost> values) {
        StringBuilder line = new StringBuilder("cost_usd by " + dimension + ":");
        for (int i = 0; i < values.size(); i++) {
            ValueCost v = values.get(i);
            String value = v.value().isEmpty() ? "''" : v.value().length() > VALUE_WIDTH
                    ? v.value().substring(0, VALUE_WIDTH - 1) + "~" : v.value();
            String item = (i == 0 ? " " : ", ") + value + " " + cost(v.costUsd(), 0);
            int left = values.size() - i - 1;
            // Room for saying how many more there are, should the next one not fit.
            int reserve = left == 0 ? 0 : (", " + left + " more").length();
            if (line.length() + item.length() + reserve > WIDTH) {
                return line.append(i == 0 ? " " : ", ").append(left + 1).append(" more").toString();
            }
            line.append(item);
        }
        return line.toString();
    }

    /** The per-model table with a total row; shares are of choices, cost in USD at list prices. */
    static List<String> table(List<ModelUsage> rows) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(ROW, "model", "requests", "tokens", "cost_usd", "stop%", "len%", "tool%",
                "filt%", "cut%", "estim", "dupes"));
        if (rows.isEmpty()) {
            lines.add("(no rows)");
            return lines;
        }
        ModelUsage total = ModelUsage.TOTAL;
        for (ModelUsage r : rows) {
            lines.add(row(r));
            total = total.plus(r);
        }
        if (rows.size() > 1) {
            lines.add(row(total));
        }
        return lines;
    }

    private static String row(ModelUsage r) {
        String model = r.model().length() > MODEL_WIDTH ? r.model().substring(0, MODEL_WIDTH - 1) + "~" : r.model();
        return String.format(ROW, model, fit(r.requests(), 8), fit(r.tokens(), 12), cost(r.costUsd(), r.unpricedRows()),
                share(r.stop(), r.choices()), share(r.length(), r.choices()), share(r.toolCalls(), r.choices()),
                share(r.contentFilter(), r.choices()), share(r.cutOff(), r.choices()), fit(r.estimated(), 5),
                fit(r.duplicates(), 5));
    }

    /** {@code n} in at most {@code width} characters: exact while it fits, else 12.3M or 12M. */
    static String fit(long n, int width) {
        String exact = Long.toString(n);
        if (exact.length() <= width) {
            return exact;
        }
        double v = n;
        int unit = 0;
        while (Math.abs(v) >= 1000 && unit < 4) {
            v /= 1000;
            unit++;
        }
        String suffix = " kMGT".substring(unit, unit + 1);
        String oneDecimal = String.format("%.1f%s", v, suffix);
        return oneDecimal.length() <= width ? oneDecimal : String.format("%.0f%s", v, suffix);
    }

    /**
     * USD to the cent's hundredth (whole dollars past a million); {@code +?} when some rows have no
     * price, {@code ?} when none has.
     */
    private static String cost(BigDecimal costUsd, long unpricedRows) {
        if (costUsd == null) {
            return "?";
        }
        int scale = costUsd.abs().compareTo(BigDecimal.valueOf(1_000_000)) < 0 ? 4 : 0;
        return costUsd.setScale(scale, RoundingMode.HALF_EVEN).toPlainString() + (unpricedRows > 0 ? "+?" : "");
    }

    /** Percent with one decimal, rounded half up. */
    private static String share(long part, long whole) {
        return whole == 0 ? "-" : BigDecimal.valueOf(part * 100).divide(BigDecimal.valueOf(whole), 1,
                RoundingMode.HALF_UP).toPlainString();
    }

    /**
     * The job's accounting since this run started: records in, and where each went, with those
     * still in flight (read, not yet in a closed window) so that the terms always add up; terms
     * that do not fit the line go on the next.
     */
    static List<String> accounting(Optional<Map<String, Object>> accumulators) {
        if (accumulators.isEmpty()) {
            return List.of("accounting: " + JobAccounting.STARTING);
        }
        Map<String, Object> a = accumulators.get();
        long skipped = Accounting.count(a, Accounting.SKIPPED);
        List<String> terms = new ArrayList<>(List.of("aggregated " + Accounting.count(a, Accounting.RECORDS_AGGREGATED),
                "rejected " + Accounting.count(a, Accounting.REJECTED),
                "duplicates " + Accounting.count(a, Accounting.DUPLICATES_DROPPED)));
        if (skipped > 0) {
            terms.add("skipped " + skipped);
        }
        terms.add("in_flight " + Accounting.inFlight(a));
        List<String> lines = new ArrayList<>();
        String head = "this run: ";
        StringBuilder line = new StringBuilder(head + "records_in " + Accounting.count(a, Accounting.RECORDS_IN)
                + " = " + terms.get(0));
        for (String term : terms.subList(1, terms.size())) {
            if (line.length() + " + ".length() + term.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(" ".repeat(head.length() - 1));
            }
            line.append(" + ").append(term);
        }
        lines.add(line.toString());
        StringBuilder reasons = new StringBuilder();
        Accounting.rejectsByReason(a).forEach((reason, count) ->
                reasons.append(reasons.length() == 0 ? "rejected by reason:" : ",").append(' ').append(reason)
                        .append(' ').append(count));
        if (reasons.length() > 0) {
            lines.add(reasons.toString());
        }
        return lines;
    }

    private static String clock(Instant t) {
        return CLOCK.format(LocalTime.ofInstant(t, ZoneOffset.UTC));
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toSeconds() > 0 ? d.toMinutes() + "min" : d.toMillis() % 1000 == 0
                ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
