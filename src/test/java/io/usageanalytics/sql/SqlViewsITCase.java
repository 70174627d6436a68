package io.usageanalytics.sql;

import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sinks.Warehouse;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.usageanalytics.sql.WarehouseFixtures.AT;
import static io.usageanalytics.sql.WarehouseFixtures.CALM;
import static io.usageanalytics.sql.WarehouseFixtures.COST_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.DIMENSION_COST_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.ESTIMATED_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.FINISH_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.VIEW_ROWS;
import static io.usageanalytics.sql.WarehouseFixtures.columns;
import static io.usageanalytics.sql.WarehouseFixtures.concat;
import static io.usageanalytics.sql.WarehouseFixtures.insert;
import static io.usageanalytics.sql.WarehouseFixtures.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * sql/views and sql/alerts on a real PostgreSQL with hand-written llm_usage rows: every view
 * returns exactly the expected numbers, and every alert is silent on calm data and returns
 * exactly its row on spiky data, judged at a fixed time. Each case runs in a transaction that is
 * rolled back, so cases never see each other's rows.
 */
class SqlViewsITCase {

    private static final Pattern VIEW = Pattern.compile("(?m)^CREATE OR REPLACE VIEW (\\w+)");
    private static final Pattern FUNCTION = Pattern.compile("(?m)^CREATE OR REPLACE FUNCTION (\\w+)");
    /** The views of the version before service tiers, to upgrade from. */
    private static final Path PREVIOUS_VIEWS = Path.of("src/test/resources/sql/previous/views");

    @TempDir
    static Path dir;

    static EmbeddedWarehouse pg;

    @BeforeAll
    static void startPostgres() throws SQLException {
        pg = Postgres.start(dir);
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            WarehouseFixtures.applyAll(c);
            WarehouseFixtures.applyAll(c); // idempotent, as a DBA re-running the files expects
        }
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    interface Check {
        void run(Connection c) throws Exception;
    }

    /** Runs {@code check} on llm_usage holding exactly {@code rows}, then rolls back. */
    static void withRows(List<WarehouseFixtures.Row> rows, Duration shift, Check check) throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            c.setAutoCommit(false);
            try {
                insert(c, rows, shift);
                check.run(c);
            } finally {
                c.rollback();
            }
        }
    }

    static void withRows(List<WarehouseFixtures.Row> rows, Check check) throws Exception {
        withRows(rows, Duration.ZERO, check);
    }

    /** Names created by every file of sql/&lt;dir&gt;; each file must create at least one and say why in a comment. */
    static Map<String, Path> created(String dir, Pattern pattern) {
        Map<String, Path> names = new LinkedHashMap<>();
        for (Path file : WarehouseFixtures.files(dir)) {
            String sql = WarehouseFixtures.read(file);
            assertThat(sql).as("%s starts with a comment saying what it is for", file).startsWith("--");
            Matcher m = pattern.matcher(sql);
            int before = names.size();
            while (m.find()) {
                assertThat(names.put(m.group(1), file)).as("%s created twice", m.group(1)).isNull();
            }
            assertThat(names.size()).as("%s creates something", file).isGreaterThan(before);
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    private static final String ROLLUP_COLUMNS = "model, requests, streamed_requests, choices, prompt_tokens,"
            + " completion_tokens, total_tokens, cached_prompt_tokens, reasoning_tokens, estimated_requests,"
            + " duplicates_dropped, unpriced_requests, cost_usd, audio_prompt_tokens, cache_write_tokens,"
            + " audio_completion_tokens, accepted_prediction_tokens, rejected_prediction_tokens";

    private static final String DIMENSION_COLUMNS = "dimension, value, requests, prompt_tokens, completion_tokens,"
            + " total_tokens, unpriced_requests, cost_usd";

    /** Every view, its columns, and its exact rows for VIEW_ROWS. A view of sql/views missing here fails. */
    private static final Map<String, Check> VIEWS = Map.of(
            "usage_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_hourly")).isEqualTo("hour, " + ROLLUP_COLUMNS);
                assertThat(query(c, "SELECT * FROM usage_hourly ORDER BY hour, model COLLATE \"C\"")).containsExactly(
                        // 10:59 + 5 min window: in the hour it starts in
                        "2026-03-09T10:00:00Z | gpt-4.1 | 4 | 1 | 4 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 4 | null | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T10:00:00Z | gpt-4o | 10 | 5 | 16 | 3000 | 2000 | 5000 | 200 | 100 | 3 | 1 | 0 | 0.04 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T10:00:00Z | gpt-4o-mini | 8 | 4 | 8 | 850 | 400 | 1250 | 100 | 0 | 0 | 0 | 0 | 0.01 | 0 | 0 | 0 | 0 | 0",
                        // the rows of every tier, summed
                        "2026-03-09T10:00:00Z | gpt-5 | 8 | 3 | 8 | 2250 | 750 | 3000 | 200 | 100 | 1 | 0 | 0 | 0.03 | 30 | 70 | 10 | 40 | 15",
                        "2026-03-09T11:00:00Z | gpt-4o | 2 | 0 | 2 | 100 | 100 | 200 | 0 | 0 | 0 | 0 | 0 | 0.001 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T23:00:00Z | local-llama | 5 | 5 | 5 | 0 | 250 | 250 | 0 | 0 | 5 | 0 | 5 | null | 0 | 0 | 0 | 0 | 0",
                        // partly priced: the priced part, and how many requests are missing from it
                        "2026-03-10T09:00:00Z | gpt-4.1 | 4 | 0 | 5 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 1 | 0.006 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T09:00:00Z | gpt-4o | 2 | 1 | 2 | 10 | 10 | 20 | 0 | 0 | 1 | 0 | 0 | 0.0004 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T09:00:00Z | gpt-4o-mini | 2 | 0 | 2 | 50 | 50 | 100 | 0 | 0 | 0 | 0 | 0 | 0.002 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T09:00:00Z | gpt-5 | 4 | 0 | 4 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 0 | 0.0076 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T09:00:00Z | local-llama | 3 | 0 | 3 | 30 | 30 | 60 | 0 | 0 | 0 | 0 | 3 | null | 0 | 0 | 0 | 0 | 0");
            },
            "usage_daily", c -> {
                assertThat(columns(c, "SELECT * FROM usage_daily")).isEqualTo("day, " + ROLLUP_COLUMNS);
                assertThat(query(c, "SELECT * FROM usage_daily ORDER BY day, model COLLATE \"C\"")).containsExactly(
                        "2026-03-09T00:00:00Z | gpt-4.1 | 4 | 1 | 4 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 4 | null | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T00:00:00Z | gpt-4o | 12 | 5 | 18 | 3100 | 2100 | 5200 | 200 | 100 | 3 | 1 | 0 | 0.041 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T00:00:00Z | gpt-4o-mini | 8 | 4 | 8 | 850 | 400 | 1250 | 100 | 0 | 0 | 0 | 0 | 0.01 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-09T00:00:00Z | gpt-5 | 8 | 3 | 8 | 2250 | 750 | 3000 | 200 | 100 | 1 | 0 | 0 | 0.03 | 30 | 70 | 10 | 40 | 15",
                        // 23:59 + 2 min window: in the day it starts in
                        "2026-03-09T00:00:00Z | local-llama | 5 | 5 | 5 | 0 | 250 | 250 | 0 | 0 | 5 | 0 | 5 | null | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T00:00:00Z | gpt-4.1 | 4 | 0 | 5 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 1 | 0.006 | 0 | 0 | 0 | 0 | 0",
                        // a zero cost is a price, not an unknown
                        "2026-03-10T00:00:00Z | gpt-4o | 2 | 1 | 2 | 10 | 10 | 20 | 0 | 0 | 1 | 0 | 0 | 0.0004 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T00:00:00Z | gpt-4o-mini | 2 | 0 | 2 | 50 | 50 | 100 | 0 | 0 | 0 | 0 | 0 | 0.002 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T00:00:00Z | gpt-5 | 4 | 0 | 4 | 400 | 400 | 800 | 0 | 0 | 0 | 0 | 0 | 0.0076 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T00:00:00Z | local-llama | 3 | 0 | 3 | 30 | 30 | 60 | 0 | 0 | 0 | 0 | 3 | null | 0 | 0 | 0 | 0 | 0");
            },
            "usage_cost_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_cost_hourly")).isEqualTo("hour, model, requests,"
                        + " total_tokens, priced_requests, priced_tokens, unpriced_requests, unpriced_tokens, cost_usd,"
                        + " usd_per_request, usd_per_1k_tokens, hour_cost_share");
                assertThat(query(c, "SELECT * FROM usage_cost_hourly ORDER BY hour, model COLLATE \"C\"")).containsExactly(
                        "2026-03-09T10:00:00Z | gpt-4.1 | 4 | 800 | 0 | 0 | 4 | 800 | null | null | null | null",
                        "2026-03-09T10:00:00Z | gpt-4o | 10 | 5000 | 10 | 5000 | 0 | 0 | 0.04 | 0.004 | 0.008 | 0.5",
                        "2026-03-09T10:00:00Z | gpt-4o-mini | 8 | 1250 | 8 | 1250 | 0 | 0 | 0.01 | 0.00125 | 0.008 | 0.125",
                        "2026-03-09T10:00:00Z | gpt-5 | 8 | 3000 | 8 | 3000 | 0 | 0 | 0.03 | 0.00375 | 0.01 | 0.375",
                        "2026-03-09T11:00:00Z | gpt-4o | 2 | 200 | 2 | 200 | 0 | 0 | 0.001 | 0.0005 | 0.005 | 1",
                        "2026-03-09T23:00:00Z | local-llama | 5 | 250 | 0 | 0 | 5 | 250 | null | null | null | null",
                        // unit costs over the priced rows only: 0.006 for 3 requests, 600 tokens
                        "2026-03-10T09:00:00Z | gpt-4.1 | 4 | 800 | 3 | 600 | 1 | 200 | 0.006 | 0.002 | 0.01 | 0.375",
                        "2026-03-10T09:00:00Z | gpt-4o | 2 | 20 | 2 | 20 | 0 | 0 | 0.0004 | 0.0002 | 0.02 | 0.025",
                        "2026-03-10T09:00:00Z | gpt-4o-mini | 2 | 100 | 2 | 100 | 0 | 0 | 0.002 | 0.001 | 0.02 | 0.125",
                        "2026-03-10T09:00:00Z | gpt-5 | 4 | 800 | 4 | 800 | 0 | 0 | 0.0076 | 0.0019 | 0.0095 | 0.475",
                        "2026-03-10T09:00:00Z | local-llama | 3 | 60 | 0 | 0 | 3 | 60 | null | null | null | null");
                // the share is of all models' cost, also when the dashboard filters one model
                assertThat(query(c, "SELECT hour_cost_share FROM usage_cost_hourly WHERE model = 'gpt-4o-mini'"
                        + " ORDER BY hour")).containsExactly("0.125", "0.125");
            },
            "usage_finish_reasons_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_finish_reasons_hourly")).isEqualTo("hour, model, choices,"
                        + " finish_stop, finish_length, finish_tool_calls, finish_content_filter, finish_function_call,"
                        + " finish_other, finish_none, stop_share, length_share, tool_calls_share,"
                        + " content_filter_share, function_call_share, other_share, none_share");
                assertThat(query(c, "SELECT * FROM usage_finish_reasons_hourly ORDER BY hour, model COLLATE \"C\""))
                        .containsExactly(
                                "2026-03-09T10:00:00Z | gpt-4.1 | 4 | 4 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-09T10:00:00Z | gpt-4o | 16 | 10 | 2 | 1 | 1 | 1 | 0 | 1"
                                        + " | 0.625 | 0.125 | 0.0625 | 0.0625 | 0.0625 | 0 | 0.0625",
                                "2026-03-09T10:00:00Z | gpt-4o-mini | 8 | 6 | 2 | 0 | 0 | 0 | 0 | 0 | 0.75 | 0.25 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-09T10:00:00Z | gpt-5 | 8 | 6 | 1 | 1 | 0 | 0 | 0 | 0"
                                        + " | 0.75 | 0.125 | 0.125 | 0 | 0 | 0 | 0",
                                "2026-03-09T11:00:00Z | gpt-4o | 2 | 2 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-09T23:00:00Z | local-llama | 5 | 4 | 0 | 0 | 0 | 0 | 0 | 1 | 0.8 | 0 | 0 | 0 | 0 | 0 | 0.2",
                                // shares of choices, not requests: 4 requests, 5 choices
                                "2026-03-10T09:00:00Z | gpt-4.1 | 5 | 4 | 1 | 0 | 0 | 0 | 0 | 0 | 0.8 | 0.2 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-4o | 2 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0.5 | 0 | 0 | 0 | 0 | 0 | 0.5",
                                "2026-03-10T09:00:00Z | gpt-4o-mini | 2 | 2 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-5 | 4 | 4 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | local-llama | 3 | 3 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0");
            },
            "usage_estimated_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_estimated_hourly")).isEqualTo("hour, model, requests,"
                        + " estimated_requests, estimated_request_share, total_tokens, all_estimated_tokens,"
                        + " any_estimated_tokens, estimated_token_share_min, estimated_token_share_max");
                assertThat(query(c, "SELECT * FROM usage_estimated_hourly ORDER BY hour, model COLLATE \"C\""))
                        .containsExactly(
                                "2026-03-09T10:00:00Z | gpt-4.1 | 4 | 0 | 0 | 800 | 0 | 0 | 0 | 0",
                                // 500 tokens in a fully estimated row, 1500 more in a row with 1 of 4 estimated
                                "2026-03-09T10:00:00Z | gpt-4o | 10 | 3 | 0.3 | 5000 | 500 | 2000 | 0.1 | 0.4",
                                "2026-03-09T10:00:00Z | gpt-4o-mini | 8 | 0 | 0 | 1250 | 0 | 0 | 0 | 0",
                                // the flex row's 900 tokens, 1 of its 2 requests estimated
                                "2026-03-09T10:00:00Z | gpt-5 | 8 | 1 | 0.125 | 3000 | 0 | 900 | 0 | 0.3",
                                "2026-03-09T11:00:00Z | gpt-4o | 2 | 0 | 0 | 200 | 0 | 0 | 0 | 0",
                                "2026-03-09T23:00:00Z | local-llama | 5 | 5 | 1 | 250 | 250 | 250 | 1 | 1",
                                "2026-03-10T09:00:00Z | gpt-4.1 | 4 | 0 | 0 | 800 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-4o | 2 | 1 | 0.5 | 20 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-4o-mini | 2 | 0 | 0 | 100 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-5 | 4 | 0 | 0 | 800 | 0 | 0 | 0 | 0",
                                "2026-03-10T09:00:00Z | local-llama | 3 | 0 | 0 | 60 | 0 | 0 | 0 | 0");
            },
            "usage_fingerprints", c -> {
                assertThat(columns(c, "SELECT * FROM usage_fingerprints"))
                        .isEqualTo("model, system_fingerprint, first_seen, last_seen, previous_fingerprint, requests");
                // local-llama never sends a fingerprint, gpt-4o's '' row is left out
                assertThat(query(c, "SELECT * FROM usage_fingerprints ORDER BY model COLLATE \"C\", first_seen"))
                        .containsExactly(
                                "gpt-4.1 | fp_x | 2026-03-09T10:45:00Z | 2026-03-10T09:41:00Z | null | 8",
                                "gpt-4o | fp_a | 2026-03-09T10:00:00Z | 2026-03-09T10:31:00Z | null | 8",
                                "gpt-4o | fp_b | 2026-03-09T10:59:00Z | 2026-03-10T09:01:00Z | fp_a | 5",
                                "gpt-4o-mini | fp_m1 | 2026-03-09T10:15:00Z | 2026-03-09T10:16:00Z | null | 8",
                                "gpt-4o-mini | fp_m2 | 2026-03-10T09:10:00Z | 2026-03-10T09:11:00Z | fp_m1 | 2",
                                // a fingerprint is one row whatever its tiers: fp_g1 has five rows of four tiers
                                "gpt-5 | fp_g1 | 2026-03-09T10:05:00Z | 2026-03-09T10:41:00Z | null | 8",
                                "gpt-5 | fp_g2 | 2026-03-10T09:15:00Z | 2026-03-10T09:16:00Z | fp_g1 | 4");
            },
            "usage_tiers_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_tiers_hourly")).isEqualTo("hour, model, tier, requests,"
                        + " prompt_tokens, completion_tokens, total_tokens, unpriced_requests, cost_usd, standard_cost_usd,"
                        + " flex_savings_usd, priority_premium_usd");
                assertThat(query(c, "SELECT * FROM usage_tiers_hourly ORDER BY hour, model COLLATE \"C\", tier COLLATE \"C\""))
                        .containsExactly(
                                "2026-03-09T10:00:00Z | gpt-4.1 | default | 3 | 300 | 300 | 600 | 3 | null | null | 0 | 0",
                                // unpriced flex: savings unknown, not zero
                                "2026-03-09T10:00:00Z | gpt-4.1 | flex | 1 | 100 | 100 | 200 | 1 | null | null | null | 0",
                                "2026-03-09T10:00:00Z | gpt-4o | default | 10 | 3000 | 2000 | 5000 | 0 | 0.04 | 0.04 | 0 | 0",
                                "2026-03-09T10:00:00Z | gpt-4o-mini | default | 8 | 850 | 400 | 1250 | 0 | 0.01 | 0.01 | 0 | 0",
                                // the '' row and the default row: both served at the standard tier
                                "2026-03-09T10:00:00Z | gpt-5 | default | 3 | 1400 | 300 | 1700 | 0 | 0.005 | 0.005 | 0 | 0",
                                // two windows: 0.004 + 0.001 against 0.008 + 0.002 at standard prices
                                "2026-03-09T10:00:00Z | gpt-5 | flex | 4 | 700 | 350 | 1050 | 0 | 0.005 | 0.01 | 0.005 | 0",
                                "2026-03-09T10:00:00Z | gpt-5 | priority | 1 | 150 | 100 | 250 | 0 | 0.02 | 0.01 | 0 | 0.01",
                                "2026-03-09T11:00:00Z | gpt-4o | default | 2 | 100 | 100 | 200 | 0 | 0.001 | 0.001 | 0 | 0",
                                "2026-03-09T23:00:00Z | local-llama | default | 5 | 0 | 250 | 250 | 5 | null | null | 0 | 0",
                                // partly priced: the priced part, as in usage_hourly
                                "2026-03-10T09:00:00Z | gpt-4.1 | default | 3 | 300 | 300 | 600 | 1 | 0.004 | 0.004 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-4.1 | priority | 1 | 100 | 100 | 200 | 0 | 0.002 | 0.001 | 0 | 0.001",
                                "2026-03-10T09:00:00Z | gpt-4o | default | 2 | 10 | 10 | 20 | 0 | 0.0004 | 0.0004 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-4o-mini | default | 2 | 50 | 50 | 100 | 0 | 0.002 | 0.002 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-5 | default | 1 | 100 | 100 | 200 | 0 | 0.0016 | 0.0016 | 0 | 0",
                                "2026-03-10T09:00:00Z | gpt-5 | priority | 3 | 300 | 300 | 600 | 0 | 0.006 | 0.003 | 0 | 0.003",
                                "2026-03-10T09:00:00Z | local-llama | default | 3 | 30 | 30 | 60 | 3 | null | null | 0 | 0");
            },
            // local-llama's rows, of a job without dimensions, are in none of the dimension views
            "usage_dimensions_hourly", c -> {
                assertThat(columns(c, "SELECT * FROM usage_dimensions_hourly")).isEqualTo("hour, " + DIMENSION_COLUMNS);
                assertThat(query(c, "SELECT * FROM usage_dimensions_hourly"
                        + " ORDER BY hour, dimension, value COLLATE \"C\"")).containsExactly(
                        // every model; partly priced: the priced part, and how many requests are missing from it
                        "2026-03-09T10:00:00Z | app | chat | 19 | 3500 | 1900 | 5400 | 1 | 0.05",
                        "2026-03-09T10:00:00Z | app | search | 11 | 3000 | 1650 | 4650 | 3 | 0.03",
                        "2026-03-09T10:00:00Z | tenant | acme | 15 | 5100 | 2150 | 7250 | 0 | 0.0475",
                        "2026-03-09T10:00:00Z | tenant | globex | 7 | 550 | 1000 | 1550 | 4 | 0.0225",
                        "2026-03-09T10:00:00Z | tenant | initech | 8 | 850 | 400 | 1250 | 0 | 0.01",
                        "2026-03-09T11:00:00Z | app | chat | 2 | 100 | 100 | 200 | 0 | 0.001",
                        "2026-03-09T11:00:00Z | tenant | acme | 2 | 100 | 100 | 200 | 0 | 0.001",
                        // records without an app, and what the guard did not attribute
                        "2026-03-10T09:00:00Z | app |  | 1 | 100 | 100 | 200 | 0 | 0.0016",
                        "2026-03-10T09:00:00Z | app | __other__ | 1 | 20 | 30 | 50 | 0 | 0.0008",
                        "2026-03-10T09:00:00Z | app | chat | 5 | 330 | 320 | 650 | 0 | 0.0072",
                        "2026-03-10T09:00:00Z | app | search | 5 | 410 | 410 | 820 | 1 | 0.0064",
                        "2026-03-10T09:00:00Z | tenant |  | 1 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T09:00:00Z | tenant | __other__ | 1 | 20 | 30 | 50 | 0 | 0.0008",
                        "2026-03-10T09:00:00Z | tenant | acme | 2 | 130 | 120 | 250 | 0 | 0.0028",
                        "2026-03-10T09:00:00Z | tenant | globex | 4 | 310 | 310 | 620 | 0 | 0.0064",
                        "2026-03-10T09:00:00Z | tenant | initech | 4 | 400 | 400 | 800 | 1 | 0.006");
            },
            "usage_dimensions_daily", c -> {
                assertThat(columns(c, "SELECT * FROM usage_dimensions_daily")).isEqualTo("day, " + DIMENSION_COLUMNS);
                assertThat(query(c, "SELECT * FROM usage_dimensions_daily"
                        + " ORDER BY day, dimension, value COLLATE \"C\"")).containsExactly(
                        "2026-03-09T00:00:00Z | app | chat | 21 | 3600 | 2000 | 5600 | 1 | 0.051",
                        "2026-03-09T00:00:00Z | app | search | 11 | 3000 | 1650 | 4650 | 3 | 0.03",
                        "2026-03-09T00:00:00Z | tenant | acme | 17 | 5200 | 2250 | 7450 | 0 | 0.0485",
                        "2026-03-09T00:00:00Z | tenant | globex | 7 | 550 | 1000 | 1550 | 4 | 0.0225",
                        "2026-03-09T00:00:00Z | tenant | initech | 8 | 850 | 400 | 1250 | 0 | 0.01",
                        "2026-03-10T00:00:00Z | app |  | 1 | 100 | 100 | 200 | 0 | 0.0016",
                        "2026-03-10T00:00:00Z | app | __other__ | 1 | 20 | 30 | 50 | 0 | 0.0008",
                        "2026-03-10T00:00:00Z | app | chat | 5 | 330 | 320 | 650 | 0 | 0.0072",
                        "2026-03-10T00:00:00Z | app | search | 5 | 410 | 410 | 820 | 1 | 0.0064",
                        "2026-03-10T00:00:00Z | tenant |  | 1 | 0 | 0 | 0 | 0 | 0",
                        "2026-03-10T00:00:00Z | tenant | __other__ | 1 | 20 | 30 | 50 | 0 | 0.0008",
                        "2026-03-10T00:00:00Z | tenant | acme | 2 | 130 | 120 | 250 | 0 | 0.0028",
                        "2026-03-10T00:00:00Z | tenant | globex | 4 | 310 | 310 | 620 | 0 | 0.0064",
                        "2026-03-10T00:00:00Z | tenant | initech | 4 | 400 | 400 | 800 | 1 | 0.006");
            },
            "usage_top_spenders_24h", c -> {
                assertThat(columns(c, "SELECT * FROM usage_top_spenders_24h")).isEqualTo("dimension, value, rank,"
                        + " requests, prompt_tokens, completion_tokens, total_tokens, unpriced_requests, cost_usd,"
                        + " cost_share");
                assertThat(query(c, "SELECT * FROM usage_top_spenders_24h")).as("VIEW_ROWS are long past").isEmpty();
                // VIEW_ROWS again as if now were AT: the 24 hours start at 2026-03-09T10:20 of VIEW_ROWS
                insert(c, VIEW_ROWS, Duration.between(AT, now(c)));
                assertThat(query(c, "SELECT * FROM usage_top_spenders_24h ORDER BY dimension, rank NULLS LAST"))
                        .containsExactly(
                                // shares of 0.0455
                                "app | search | 1 | 14 | 2810 | 1760 | 4570 | 4 | 0.0324 | 0.71208791208791208791",
                                "app | chat | 2 | 10 | 530 | 1020 | 1550 | 1 | 0.0107 | 0.23516483516483516484",
                                "app |  | 3 | 1 | 100 | 100 | 200 | 0 | 0.0016 | 0.03516483516483516484",
                                // not ranked: not a spender but the rest
                                "app | __other__ | null | 1 | 20 | 30 | 50 | 0 | 0.0008 | 0.01758241758241758242",
                                "tenant | acme | 1 | 10 | 2330 | 1270 | 3600 | 0 | 0.0298 | 0.65494505494505494505",
                                "tenant | globex | 2 | 10 | 710 | 1210 | 1920 | 4 | 0.0089 | 0.1956043956043956044",
                                "tenant | initech | 3 | 4 | 400 | 400 | 800 | 1 | 0.006 | 0.13186813186813186813",
                                // a zero cost is a price: ranked by it
                                "tenant |  | 4 | 1 | 0 | 0 | 0 | 0 | 0 | 0",
                                "tenant | __other__ | null | 1 | 20 | 30 | 50 | 0 | 0.0008 | 0.01758241758241758242");
            });

    @TestFactory
    Stream<DynamicTest> everyViewReturnsExactlyTheExpectedRows() {
        Map<String, Path> views = created("views", VIEW);
        assertThat(views.keySet()).as("views asserted here that sql/views does not create")
                .containsAll(VIEWS.keySet());
        return views.entrySet().stream().map(view -> DynamicTest.dynamicTest(view.getKey(), () -> {
            Check check = VIEWS.get(view.getKey());
            assertThat(check).as("%s creates view %s but SqlViewsITCase has no assertion for it",
                    view.getValue(), view.getKey()).isNotNull();
            withRows(VIEW_ROWS, check);
        }));
    }

    @Test
    void viewsAreEmptyOnAnEmptyTable() throws Exception {
        withRows(List.of(), c -> {
            for (String view : created("views", VIEW).keySet()) {
                assertThat(query(c, "SELECT * FROM " + view)).as(view).isEmpty();
            }
        });
    }

    /**
     * What {@code --create-schema=all} does at start ({@link Warehouse#applySchema}, then
     * {@link Warehouse#applyViewsAndAlerts}), over a warehouse of the version before service tiers:
     * its schema files, its views (src/test/resources/sql/previous/views, copied unchanged from
     * sql/views of commit dbf3c6e) and a row in its layout. PostgreSQL refuses CREATE OR REPLACE
     * VIEW when a column is dropped, renamed or moved, so this fails if a view changes shape other
     * than by appending columns. Done in a schema of its own, in a transaction rolled back.
     */
    @Test
    void createSchemaAllUpgradesTheViewsOfThePreviousVersion() throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl()); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                s.execute("CREATE SCHEMA previous_version");
                s.execute("SET LOCAL search_path TO previous_version");
                for (String file : List.of("001_llm_usage.sql", "002_cost_usd.sql", "003_llm_cost_alerts.sql")) {
                    s.execute(Warehouse.sqlFile("schema", file));
                }
                for (Path file : WarehouseFixtures.files(PREVIOUS_VIEWS)) {
                    s.execute(WarehouseFixtures.read(file));
                }
                s.execute("INSERT INTO llm_usage VALUES ('2026-03-09T10:00:00Z', '2026-03-09T10:01:00Z', 'gpt-4o',"
                        + " 'fp_a', 2, 1, 2, 100, 50, 150, 20, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, now(), 0.0008)");

                Warehouse.applySchema(c, UsageTable.DEFAULT_TABLE);
                Warehouse.applyViewsAndAlerts(c, UsageTable.DEFAULT_TABLE);

                for (String view : created("views", VIEW).keySet()) {
                    assertThat(columns(c, "SELECT * FROM " + view)).as(view)
                            .isEqualTo(columns(c, "SELECT * FROM public." + view));
                }
                // the old row: no tier, so the standard tier, at its standard cost; no details
                assertThat(query(c, "SELECT * FROM usage_hourly")).containsExactly("2026-03-09T10:00:00Z | gpt-4o"
                        + " | 2 | 1 | 2 | 100 | 50 | 150 | 20 | 0 | 0 | 0 | 0 | 0.0008 | 0 | 0 | 0 | 0 | 0");
                assertThat(query(c, "SELECT * FROM usage_tiers_hourly")).containsExactly("2026-03-09T10:00:00Z"
                        + " | gpt-4o | default | 2 | 100 | 50 | 150 | 0 | 0.0008 | 0.0008 | 0 | 0");
            } finally {
                c.rollback();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Alerts
    // ------------------------------------------------------------------------------------------

    record Spike(List<WarehouseFixtures.Row> rows, String expected) {}

    /** Every alert function, the rows that make it fire and the one row it must then return. */
    private static final Map<String, Spike> ALERTS = Map.of(
            "usage_alert_cost_spike", new Spike(COST_SPIKE,
                    // model | hour | cost_usd | baseline_usd | ratio
                    "gpt-4o | 2026-03-10T09:00:00Z | 7 | 2 | 3.5"),
            "usage_alert_finish_quality", new Spike(FINISH_SPIKE,
                    // model | hour | finish_reason | choices | rate | baseline_rate
                    "gpt-4.1 | 2026-03-10T09:00:00Z | content_filter | 400 | 0.1 | 0.005"),
            "usage_alert_estimated_share", new Spike(ESTIMATED_SPIKE,
                    // model | hour | requests | estimated_share | baseline_share
                    "gpt-5 | 2026-03-10T09:00:00Z | 400 | 0.2 | 0.05"),
            "usage_alert_cost_spike_by_dimension", new Spike(DIMENSION_COST_SPIKE,
                    // dimension | value | hour | cost_usd | baseline_usd | ratio
                    "tenant | acme | 2026-03-10T09:00:00Z | 3.5 | 1 | 3.5"));

    /** now() of the connection's transaction: what views of "the last 24 hours" count from. */
    static Instant now(Connection c) throws SQLException {
        return Instant.parse(query(c, "SELECT now()").get(0));
    }

    static String at(Instant at) {
        return "'" + at + "'::timestamptz";
    }

    /** What every alert function returns at {@code at}, by function. */
    static Map<String, List<String>> alerts(Connection c, Instant at) throws SQLException {
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (String function : created("alerts", FUNCTION).keySet()) {
            result.put(function, query(c, "SELECT * FROM " + function + "(" + (at == null ? "" : at(at)) + ")"));
        }
        return result;
    }

    @TestFactory
    Stream<DynamicTest> everyAlertIsSilentOnCalmDataAndFiresExactlyOnItsSpike() {
        Map<String, Path> functions = created("alerts", FUNCTION);
        assertThat(functions.keySet()).as("alerts tested here that sql/alerts does not create")
                .containsAll(ALERTS.keySet());
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("calm data: no alert", () -> withRows(CALM, c -> {
            assertThat(alerts(c, AT)).as("alerts on calm data").allSatisfy((f, rows) -> assertThat(rows).as(f).isEmpty())
                    .containsOnlyKeys(functions.keySet());
        })));
        functions.forEach((function, file) -> tests.add(DynamicTest.dynamicTest(function, () -> {
            Spike spike = ALERTS.get(function);
            assertThat(spike).as("%s creates %s but SqlViewsITCase has no spike for it", file, function).isNotNull();
            assertThat(WarehouseFixtures.read(file)).as("%s ends by showing what fires now", file)
                    .endsWith("SELECT * FROM " + function + "();\n");
            withRows(concat(CALM, spike.rows()), c -> {
                Map<String, List<String>> fired = alerts(c, AT);
                assertThat(fired.remove(function)).as(function).containsExactly(spike.expected());
                assertThat(fired).as("the other alerts").allSatisfy((f, rows) -> assertThat(rows).as(f).isEmpty());
            });
        })));
        return tests.stream();
    }

    @Test
    void thresholdsAreParameters() throws Exception {
        withRows(CALM, c -> {
            String at = at(AT);
            // gpt-4o's 5.00 is 2.5x its baseline; gpt-4o-mini's 0.90 is new spend (no ratio)
            assertThat(query(c, "SELECT * FROM usage_alert_cost_spike(" + at + ", factor => 2)"))
                    .containsExactly("gpt-4o | 2026-03-10T09:00:00Z | 5 | 2 | 2.5");
            assertThat(query(c, "SELECT * FROM usage_alert_cost_spike(" + at + ", min_usd => 0.5)"))
                    .containsExactly("gpt-4o-mini | 2026-03-10T09:00:00Z | 0.9 | 0 | null");
            // gpt-4.1-mini's length 10 % -> 18 %; o3's 50 choices
            assertThat(query(c, "SELECT * FROM usage_alert_finish_quality(" + at + ", factor => 1.5)"))
                    .containsExactly("gpt-4.1-mini | 2026-03-10T09:00:00Z | length | 200 | 0.18 | 0.1");
            assertThat(query(c, "SELECT * FROM usage_alert_finish_quality(" + at + ", min_choices => 50)"))
                    .containsExactly("o3 | 2026-03-10T09:00:00Z | length | 50 | 0.8 | 0.01");
            // gpt-5's 5 % -> 14 %
            assertThat(query(c, "SELECT * FROM usage_alert_estimated_share(" + at + ", min_increase => 0.05)"))
                    .containsExactly("gpt-5 | 2026-03-10T09:00:00Z | 200 | 0.14 | 0.05");
            // o1's acme and chat 1.00 -> 2.50; initech's 0.90 is new spend (no ratio)
            assertThat(query(c, "SELECT * FROM usage_alert_cost_spike_by_dimension(" + at + ", factor => 2)"))
                    .containsExactly("app | chat | 2026-03-10T09:00:00Z | 2.5 | 1 | 2.5",
                            "tenant | acme | 2026-03-10T09:00:00Z | 2.5 | 1 | 2.5");
            assertThat(query(c, "SELECT * FROM usage_alert_cost_spike_by_dimension(" + at + ", min_usd => 0.5)"))
                    .containsExactly("tenant | initech | 2026-03-10T09:00:00Z | 0.9 | 0 | null");
        });
    }

    @Test
    void withoutArgumentsAlertsJudgeTheHourBeforeNow() throws Exception {
        Duration shift = shiftToNow();
        String hour = Instant.parse("2026-03-10T09:00:00Z").plus(shift).toString();
        withRows(concat(CALM, COST_SPIKE, FINISH_SPIKE, ESTIMATED_SPIKE, DIMENSION_COST_SPIKE), shift, c -> {
            Map<String, List<String>> fired = alerts(c, null);
            assertThat(fired.get("usage_alert_cost_spike")).containsExactly("gpt-4o | " + hour + " | 7 | 2 | 3.5");
            assertThat(fired.get("usage_alert_finish_quality"))
                    .containsExactly("gpt-4.1 | " + hour + " | content_filter | 400 | 0.1 | 0.005");
            assertThat(fired.get("usage_alert_estimated_share")).containsExactly("gpt-5 | " + hour + " | 400 | 0.2 | 0.05");
            assertThat(fired.get("usage_alert_cost_spike_by_dimension"))
                    .containsExactly("tenant | acme | " + hour + " | 3.5 | 1 | 3.5");
        });
    }

    /**
     * Whole hours that move AT into the current hour, so that now() judges what AT judges. Waits
     * out the last seconds of an hour so the hour cannot turn during the test.
     */
    static Duration shiftToNow() throws InterruptedException {
        Instant now = Instant.now();
        Instant next = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        if (Duration.between(now, next).toSeconds() < 30) {
            Thread.sleep(Duration.between(now, next).toMillis() + 1000);
            now = Instant.now();
        }
        return Duration.between(AT.truncatedTo(ChronoUnit.HOURS), now.truncatedTo(ChronoUnit.HOURS));
    }
}
