package io.usageanalytics.sql;

import io.usageanalytics.aggregation.UsageColumn;
import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.parsing.Dimensions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.usageanalytics.aggregation.UsageColumn.ACCEPTED_PREDICTION_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.AUDIO_COMPLETION_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.AUDIO_PROMPT_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.CACHED_PROMPT_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.CACHE_WRITE_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.CHOICES;
import static io.usageanalytics.aggregation.UsageColumn.COMPLETION_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.DUPLICATES_DROPPED;
import static io.usageanalytics.aggregation.UsageColumn.ESTIMATED_REQUESTS;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_CONTENT_FILTER;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_FUNCTION_CALL;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_LENGTH;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_NONE;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_OTHER;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_STOP;
import static io.usageanalytics.aggregation.UsageColumn.FINISH_TOOL_CALLS;
import static io.usageanalytics.aggregation.UsageColumn.PROMPT_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.REASONING_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.REJECTED_PREDICTION_TOKENS;
import static io.usageanalytics.aggregation.UsageColumn.REQUESTS;
import static io.usageanalytics.aggregation.UsageColumn.STREAMED_REQUESTS;
import static io.usageanalytics.aggregation.UsageColumn.TOTAL_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warehouse as a DBA sets it up (sql/schema, sql/views, sql/alerts applied file by file, as
 * psql would) and hand-written llm_usage rows for the SQL and dashboard tests.
 */
final class WarehouseFixtures {

    static final Path SQL = Path.of("sql");

    private WarehouseFixtures() {}

    /** The .sql files of sql/&lt;dir&gt;, in the order a DBA applies them. */
    static List<Path> files(String dir) {
        return files(SQL.resolve(dir));
    }

    static List<Path> files(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Schema, views and alerts, each file as one script, as {@code psql -f} applies it. */
    static void applyAll(Connection c) throws SQLException {
        for (String dir : List.of("schema", "views", "alerts")) {
            for (Path file : files(dir)) {
                try (Statement s = c.createStatement()) {
                    s.execute(read(file));
                } catch (SQLException e) {
                    throw new SQLException(file + ": " + e.getMessage(), e);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Rows
    // ------------------------------------------------------------------------------------------

    /** The value of every dimension in the row the job's cardinality guard sums the rest into. */
    static final String OTHER = Dimensions.OTHER;

    /**
     * One llm_usage row: its measures set by column (choices are the sum of the finish reasons,
     * total tokens prompt plus completion, as the job counts them). Of service tier '' and without
     * dimensions ('{}', a job without --dimension) unless set.
     */
    static final class Row {
        final Instant start;
        Duration window = Duration.ofSeconds(60);
        final String model;
        final String fingerprint;
        String tier = "";
        final Map<String, String> dimensions = new LinkedHashMap<>();
        final UsageCounts counts = new UsageCounts();
        BigDecimal cost;
        BigDecimal standardCost;

        Row(Instant start, String model, String fingerprint) {
            this.start = start;
            this.model = model;
            this.fingerprint = fingerprint;
        }

        Row window(Duration window) {
            this.window = window;
            return this;
        }

        Row tier(String tier) {
            this.tier = tier;
            return this;
        }

        /** The values of the two dimensions of a job run with --dimension tenant=... --dimension app=.... */
        Row by(String tenant, String app) {
            dimensions.put("tenant", tenant);
            dimensions.put("app", app);
            return this;
        }

        Row requests(long requests, long streamed) {
            counts.with(REQUESTS, requests).with(STREAMED_REQUESTS, streamed);
            return this;
        }

        Row tokens(long prompt, long completion) {
            counts.with(PROMPT_TOKENS, prompt).with(COMPLETION_TOKENS, completion)
                    .with(TOTAL_TOKENS, prompt + completion);
            return this;
        }

        Row cachedAndReasoning(long cached, long reasoning) {
            counts.with(CACHED_PROMPT_TOKENS, cached).with(REASONING_TOKENS, reasoning);
            return this;
        }

        /** The details added with service tiers: parts of prompt tokens, then of completion tokens. */
        Row details(long audioPrompt, long cacheWrite, long audioCompletion, long acceptedPrediction,
                long rejectedPrediction) {
            counts.with(AUDIO_PROMPT_TOKENS, audioPrompt).with(CACHE_WRITE_TOKENS, cacheWrite)
                    .with(AUDIO_COMPLETION_TOKENS, audioCompletion).with(ACCEPTED_PREDICTION_TOKENS, acceptedPrediction)
                    .with(REJECTED_PREDICTION_TOKENS, rejectedPrediction);
            return this;
        }

        Row finish(long stop, long length, long toolCalls, long contentFilter, long functionCall,
                long other, long none) {
            counts.with(FINISH_STOP, stop).with(FINISH_LENGTH, length).with(FINISH_TOOL_CALLS, toolCalls)
                    .with(FINISH_CONTENT_FILTER, contentFilter).with(FINISH_FUNCTION_CALL, functionCall)
                    .with(FINISH_OTHER, other).with(FINISH_NONE, none)
                    .with(CHOICES, stop + length + toolCalls + contentFilter + functionCall + other + none);
            return this;
        }

        Row estimated(long estimated) {
            counts.with(ESTIMATED_REQUESTS, estimated);
            return this;
        }

        Row duplicates(long duplicates) {
            counts.with(DUPLICATES_DROPPED, duplicates);
            return this;
        }

        /** USD at a standard-tier price, which is also its standard cost; never called for an unpriced row. */
        Row cost(String usd) {
            return cost(usd, usd);
        }

        /** USD at the row's tier's prices and at standard prices; never called for an unpriced row (both NULL). */
        Row cost(String usd, String standardUsd) {
            this.cost = new BigDecimal(usd);
            this.standardCost = new BigDecimal(standardUsd);
            return this;
        }
    }

    /** A 60-second window starting at {@code start} (ISO-8601, UTC). */
    static Row row(String start, String model, String fingerprint) {
        return new Row(Instant.parse(start), model, fingerprint);
    }

    /** Inserts the rows, every timestamp moved by {@code shift}. */
    static void insert(Connection c, List<Row> rows, Duration shift) throws SQLException {
        String measures = Arrays.stream(UsageColumn.values()).map(m -> m.sql).collect(Collectors.joining(", "));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO llm_usage (window_start, window_end,"
                + " model, system_fingerprint, service_tier, dimensions, " + measures + ", cost_usd, standard_cost_usd)"
                + " VALUES (?, ?, ?, ?, ?, ?::jsonb, " + "?, ".repeat(UsageColumn.values().length) + "?, ?)")) {
            for (Row r : rows) {
                assertThat(r.counts.estimatedRequests).as("estimated requests of %s %s", r.model, r.start)
                        .isLessThanOrEqualTo(r.counts.requests);
                Instant start = r.start.plus(shift);
                int i = 1;
                ps.setTimestamp(i++, Timestamp.from(start));
                ps.setTimestamp(i++, Timestamp.from(start.plus(r.window)));
                ps.setString(i++, r.model);
                ps.setString(i++, r.fingerprint);
                ps.setString(i++, r.tier);
                ps.setString(i++, JSON.writeValueAsString(r.dimensions));
                for (UsageColumn m : UsageColumn.values()) {
                    ps.setLong(i++, m.of(r.counts));
                }
                ps.setBigDecimal(i++, r.cost);
                ps.setBigDecimal(i, r.standardCost);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static void insert(Connection c, List<Row> rows) throws SQLException {
        insert(c, rows, Duration.ZERO);
    }

    @SafeVarargs
    static List<Row> concat(List<Row>... lists) {
        return Stream.of(lists).flatMap(List::stream).toList();
    }

    /**
     * Every row of a query as "v1 | v2 | ...": timestamps as UTC instants, numbers without
     * trailing zeros (so 0.0625000000 reads 0.0625), NULL as null. Exact, and easy to read in a diff.
     */
    static List<String> query(Connection c, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData meta = r.getMetaData();
            while (r.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    values.add(text(r, i, meta.getColumnType(i)));
                }
                rows.add(String.join(" | ", values));
            }
        }
        return rows;
    }

    private static String text(ResultSet r, int i, int type) throws SQLException {
        if (r.getObject(i) == null) {
            return "null";
        }
        return switch (type) {
            case Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP -> r.getObject(i, OffsetDateTime.class).toInstant().toString();
            case Types.NUMERIC, Types.DECIMAL, Types.BIGINT, Types.INTEGER, Types.SMALLINT ->
                    r.getBigDecimal(i).stripTrailingZeros().toPlainString();
            default -> r.getString(i);
        };
    }

    static String columns(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData meta = r.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i));
            }
            return names.stream().collect(Collectors.joining(", "));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Data for the views: two days, five models, priced, partly priced and unpriced, fingerprint
    // changes, a 5-minute window across an hour and a 2-minute one across midnight, and windows
    // with a row per service tier ('' and default, flex at half and priority at double the
    // standard cost). Written by a job with two dimensions, tenant and app (values '' where the
    // records lacked one, and a window where the cardinality guard kept one combination and summed
    // the rest into __other__), except local-llama's rows: those of a job without dimensions.
    // ------------------------------------------------------------------------------------------

    static final List<Row> VIEW_ROWS = List.of(
            // gpt-4o, priced; fp_a then fp_b (a backend change at 10:59)
            row("2026-03-09T10:00:00Z", "gpt-4o", "fp_a").requests(4, 2).tokens(1000, 500)
                    .cachedAndReasoning(200, 0).finish(3, 1, 1, 0, 0, 0, 0).estimated(1).duplicates(1)
                    .cost("0.0125").by("acme", "chat"),
            row("2026-03-09T10:30:00Z", "gpt-4o", "fp_a").requests(4, 1).tokens(2000, 1000)
                    .cachedAndReasoning(0, 100).finish(3, 0, 0, 1, 0, 0, 1).cost("0.025").by("acme", "search"),
            // a 5-minute window (window size is configurable): counted in the hour it starts in
            row("2026-03-09T10:59:00Z", "gpt-4o", "fp_b").window(Duration.ofMinutes(5)).requests(2, 2)
                    .tokens(0, 500).finish(4, 1, 0, 0, 1, 0, 0).estimated(2).cost("0.0025").by("globex", "chat"),
            row("2026-03-09T11:00:00Z", "gpt-4o", "fp_b").requests(2, 0).tokens(100, 100)
                    .finish(2, 0, 0, 0, 0, 0, 0).cost("0.001").by("acme", "chat"),
            // a cut-off stream, estimated at zero tokens: priced at zero, not unpriced; without a tenant
            row("2026-03-10T09:00:00Z", "gpt-4o", "fp_b").requests(1, 1).finish(0, 0, 0, 0, 0, 0, 1)
                    .estimated(1).cost("0").by("", "chat"),
            // no fingerprint: in the rollups, not in usage_fingerprints
            row("2026-03-10T09:30:00Z", "gpt-4o", "").requests(1, 0).tokens(10, 10)
                    .finish(1, 0, 0, 0, 0, 0, 0).cost("0.0004").by("globex", "search"),
            // gpt-4o-mini, priced; fp_m1 then fp_m2
            row("2026-03-09T10:15:00Z", "gpt-4o-mini", "fp_m1").requests(8, 4).tokens(850, 400)
                    .cachedAndReasoning(100, 0).finish(6, 2, 0, 0, 0, 0, 0).cost("0.01").by("initech", "chat"),
            // the guard kept one combination of this window and summed the rest
            row("2026-03-10T09:10:00Z", "gpt-4o-mini", "fp_m2").requests(1, 0).tokens(30, 20)
                    .finish(1, 0, 0, 0, 0, 0, 0).cost("0.0012").by("acme", "chat"),
            row("2026-03-10T09:10:00Z", "gpt-4o-mini", "fp_m2").requests(1, 0).tokens(20, 30)
                    .finish(1, 0, 0, 0, 0, 0, 0).cost("0.0008").by(OTHER, OTHER),
            // gpt-4.1: unpriced on the first day, priced from 09:20 on the second, unpriced again at 09:40
            row("2026-03-09T10:45:00Z", "gpt-4.1", "fp_x").requests(3, 0).tokens(300, 300)
                    .finish(3, 0, 0, 0, 0, 0, 0).by("globex", "search"),
            // flex in the same window, unpriced too: its savings are unknown, not zero
            row("2026-03-09T10:45:00Z", "gpt-4.1", "fp_x").tier("flex").requests(1, 1).tokens(100, 100)
                    .finish(1, 0, 0, 0, 0, 0, 0).by("globex", "chat"),
            row("2026-03-10T09:20:00Z", "gpt-4.1", "fp_x").requests(2, 0).tokens(200, 200)
                    .finish(1, 1, 0, 0, 0, 0, 0).cost("0.004").by("initech", "search"),
            row("2026-03-10T09:20:00Z", "gpt-4.1", "fp_x").tier("priority").requests(1, 0).tokens(100, 100)
                    .finish(1, 0, 0, 0, 0, 0, 0).cost("0.002", "0.001").by("initech", "search"),
            row("2026-03-10T09:40:00Z", "gpt-4.1", "fp_x").requests(1, 0).tokens(100, 100)
                    .finish(2, 0, 0, 0, 0, 0, 0).by("initech", "search"), // n = 2
            // gpt-5: one window with a row of each tier ('' and default are both the standard tier),
            // the details added with tiers; flex again later in the hour; fp_g2 on the second day
            row("2026-03-09T10:05:00Z", "gpt-5", "fp_g1").requests(2, 1).tokens(1000, 200)
                    .cachedAndReasoning(200, 100).finish(2, 0, 0, 0, 0, 0, 0).cost("0.003").by("acme", "chat"),
            row("2026-03-09T10:05:00Z", "gpt-5", "fp_g1").tier("default").requests(1, 0).tokens(400, 100)
                    .details(30, 20, 10, 0, 0).finish(1, 0, 0, 0, 0, 0, 0).cost("0.002").by("acme", "chat"),
            row("2026-03-09T10:05:00Z", "gpt-5", "fp_g1").tier("flex").requests(2, 2).tokens(600, 300)
                    .details(0, 50, 0, 0, 0).finish(1, 1, 0, 0, 0, 0, 0).estimated(1).cost("0.004", "0.008")
                    .by("acme", "search"),
            row("2026-03-09T10:05:00Z", "gpt-5", "fp_g1").tier("priority").requests(1, 0).tokens(150, 100)
                    .details(0, 0, 0, 40, 15).finish(0, 0, 1, 0, 0, 0, 0).cost("0.02", "0.01").by("globex", "chat"),
            row("2026-03-09T10:40:00Z", "gpt-5", "fp_g1").tier("flex").requests(2, 0).tokens(100, 50)
                    .finish(2, 0, 0, 0, 0, 0, 0).cost("0.001", "0.002").by("acme", "search"),
            row("2026-03-10T09:15:00Z", "gpt-5", "fp_g2").tier("priority").requests(3, 0).tokens(300, 300)
                    .finish(3, 0, 0, 0, 0, 0, 0).cost("0.006", "0.003").by("globex", "chat"),
            // without an app
            row("2026-03-10T09:15:00Z", "gpt-5", "fp_g2").tier("default").requests(1, 0).tokens(100, 100)
                    .finish(1, 0, 0, 0, 0, 0, 0).cost("0.0016").by("acme", ""),
            // local-llama: never priced, never fingerprinted; a 2-minute window across midnight; from a
            // job without dimensions
            row("2026-03-09T23:59:00Z", "local-llama", "").window(Duration.ofMinutes(2)).requests(5, 5)
                    .tokens(0, 250).finish(4, 0, 0, 0, 0, 0, 1).estimated(5),
            row("2026-03-10T09:05:00Z", "local-llama", "").requests(3, 0).tokens(30, 30)
                    .finish(3, 0, 0, 0, 0, 0, 0));

    // ------------------------------------------------------------------------------------------
    // Data for the alerts, judged at AT: the last complete hour is 2026-03-10 09:00-10:00 UTC and
    // the trailing 7 days start 2026-03-03 09:00. Each alert has its own models, so one alert's
    // rows never move another's numbers; only the per-dimension cost spike's o1 is judged by the
    // model's cost spike too, and stays calm there. The calm rows hold every near miss.
    // ------------------------------------------------------------------------------------------

    static final Instant AT = Instant.parse("2026-03-10T10:20:00Z");

    /** A row of one request, one choice, priced at a standard tier unless {@code usd} is null. */
    private static Row cost(String start, String model, String usd) {
        Row r = row(start, model, "fp").requests(1, 0).tokens(100, 100).finish(1, 0, 0, 0, 0, 0, 0);
        return usd == null ? r : r.cost(usd);
    }

    /** An unpriced row of n single-choice requests. */
    private static Row choices(String start, String model, long stop, long length, long contentFilter) {
        long n = stop + length + contentFilter;
        return row(start, model, "fp").requests(n, 0).tokens(10 * n, 10 * n)
                .finish(stop, length, 0, contentFilter, 0, 0, 0);
    }

    /** An unpriced row of n single-choice requests, {@code estimated} of them estimated. */
    private static Row estimates(String start, String model, long requests, long estimated) {
        return row(start, model, "fp").requests(requests, estimated).tokens(10 * requests, 10 * requests)
                .finish(requests, 0, 0, 0, 0, 0, 0).estimated(estimated);
    }

    /** o1 rows of one tenant and app costing {@code usd} at 09:00 on each of the 7 days before AT's last hour. */
    private static List<Row> week(String usd, String tenant, String app) {
        return IntStream.rangeClosed(3, 9)
                .mapToObj(day -> cost("2026-03-%02dT09:00:00Z".formatted(day), "o1", usd).by(tenant, app)).toList();
    }

    static final List<Row> CALM = concat(List.of(
            // Cost. gpt-4o: 2.00 at 09:00 on each of the 7 days before, 5.00 in the last hour
            // (2.5x, under 3x).
            cost("2026-03-03T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-04T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-05T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-06T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-07T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-08T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-09T09:00:00Z", "gpt-4o", "2.00"),
            cost("2026-03-10T09:00:00Z", "gpt-4o", "5.00"),
            // Outside the baseline: another hour of day, and 8 days before. Counted, they would
            // raise the baseline and hide the spike below.
            cost("2026-03-09T15:00:00Z", "gpt-4o", "100.00"),
            cost("2026-03-02T09:00:00Z", "gpt-4o", "100.00"),
            // The current hour is still filling up: never judged.
            cost("2026-03-10T10:05:00Z", "gpt-4o", "50.00"),
            // New spend without history, under the 1.00 minimum.
            cost("2026-03-10T09:10:00Z", "gpt-4o-mini", "0.90"),
            // Unpriced: unknown cost is not a spike.
            cost("2026-03-03T09:00:00Z", "local-llama", null),
            cost("2026-03-10T09:10:00Z", "local-llama", null),

            // Finish reasons. gpt-4.1: length 2 % -> 5 % (+3 points, under +5), content_filter
            // 0.5 % -> 1 %.
            choices("2026-03-05T12:00:00Z", "gpt-4.1", 975, 20, 5),
            choices("2026-03-10T09:00:00Z", "gpt-4.1", 188, 10, 2),
            // Before the 7 days: counted, it would make the spike below look normal.
            choices("2026-03-03T08:00:00Z", "gpt-4.1", 0, 0, 10_000),
            // Current hour: never judged.
            choices("2026-03-10T10:05:00Z", "gpt-4.1", 100, 900, 0),
            // gpt-4.1-mini: length 10 % -> 18 % (+8 points but only 1.8x).
            choices("2026-03-06T12:00:00Z", "gpt-4.1-mini", 900, 100, 0),
            choices("2026-03-10T09:00:00Z", "gpt-4.1-mini", 164, 36, 0),
            // o3: 80 % length, but 50 choices are too few to judge.
            choices("2026-03-06T12:00:00Z", "o3", 990, 10, 0),
            choices("2026-03-10T09:00:00Z", "o3", 10, 40, 0),
            // o4-mini: no history, no baseline to judge against.
            choices("2026-03-10T09:00:00Z", "o4-mini", 250, 250, 0),

            // Estimates. gpt-5: 5 % -> 14 % (+9 points, under +10).
            estimates("2026-03-06T09:00:00Z", "gpt-5", 1000, 50),
            estimates("2026-03-10T09:00:00Z", "gpt-5", 200, 28),
            // Current hour: never judged.
            estimates("2026-03-10T10:10:00Z", "gpt-5", 500, 500),
            // gpt-5-mini: 30 % -> 45 % (+15 points but only 1.5x).
            estimates("2026-03-06T09:00:00Z", "gpt-5-mini", 1000, 300),
            estimates("2026-03-10T09:00:00Z", "gpt-5-mini", 200, 90),
            // gpt-5-nano: all estimated, but 50 requests are too few to judge.
            estimates("2026-03-06T09:00:00Z", "gpt-5-nano", 1000, 0),
            estimates("2026-03-10T09:00:00Z", "gpt-5-nano", 50, 50)),

            // Cost per dimension value, o1 by tenant and app: 1.00 of acme/chat, 2.00 of
            // globex/search and 0.50 of __other__ at 09:00 on each of the 7 days before; in the last
            // hour acme 2.50 (2.5x, under 3x), globex 2.00, __other__ 0.50, the model 5.90 (1.7x).
            week("1.00", "acme", "chat"),
            week("2.00", "globex", "search"),
            week("0.50", OTHER, OTHER),
            List.of(cost("2026-03-10T09:00:00Z", "o1", "2.50").by("acme", "chat"),
                    cost("2026-03-10T09:00:00Z", "o1", "2.00").by("globex", "search"),
                    cost("2026-03-10T09:00:00Z", "o1", "0.50").by(OTHER, OTHER),
                    // New spend of a tenant without history, under the 1.00 minimum; app search 2.90 (1.45x).
                    cost("2026-03-10T09:10:00Z", "o1", "0.90").by("initech", "search"),
                    // Another hour of day, and the current hour: counted, the first would hide the
                    // spike below, the second raise one.
                    cost("2026-03-09T15:00:00Z", "o1", "100.00").by("acme", "chat"),
                    cost("2026-03-10T10:05:00Z", "o1", "50.00").by("acme", "chat")));

    /**
     * gpt-4o: 2.00 more in the last hour, 7.00 against a 2.00 average: 3.5x. Half of it at the
     * priority tier, in the same window: without it the hour would be 6.00, 3x, and stay quiet.
     */
    static final List<Row> COST_SPIKE = List.of(cost("2026-03-10T09:30:00Z", "gpt-4o", "1.00"),
            cost("2026-03-10T09:30:00Z", "gpt-4o", null).tier("priority").cost("1.00", "0.50"));

    /** gpt-4.1: content_filter 40 of 400 choices (10 %) against 0.5 %; length 2.5 % stays quiet. */
    static final List<Row> FINISH_SPIKE = List.of(choices("2026-03-10T09:30:00Z", "gpt-4.1", 162, 0, 38));

    /** gpt-5: 80 of 400 requests estimated (20 %) against 5 %. */
    static final List<Row> ESTIMATED_SPIKE = List.of(estimates("2026-03-10T09:45:00Z", "gpt-5", 200, 52));

    /**
     * o1: acme 1.00 more in the last hour, 3.50 against a 1.00 average: 3.5x. Hidden in its app
     * (search 3.90 against 2.00) and its model (6.90 against 3.50).
     */
    static final List<Row> DIMENSION_COST_SPIKE = List.of(cost("2026-03-10T09:30:00Z", "o1", "1.00").by("acme", "search"));
}
