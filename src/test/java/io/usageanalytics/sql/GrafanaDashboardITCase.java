package io.usageanalytics.sql;

import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.usageanalytics.sql.WarehouseFixtures.AT;
import static io.usageanalytics.sql.WarehouseFixtures.CALM;
import static io.usageanalytics.sql.WarehouseFixtures.COST_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.DIMENSION_COST_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.ESTIMATED_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.FINISH_SPIKE;
import static io.usageanalytics.sql.WarehouseFixtures.VIEW_ROWS;
import static io.usageanalytics.sql.WarehouseFixtures.insert;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard and alert rules against the real schema and views: every panel queries
 * the warehouse data source with raw SQL, and that SQL, its Grafana macros expanded as Grafana's
 * PostgreSQL data source expands them, runs and returns rows of the shape its panel needs.
 */
class GrafanaDashboardITCase {

    static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/usage-analytics.json");
    static final Path RULES = Path.of("deploy/grafana/provisioning/alerting/rules.yaml");
    static final String DATASOURCE = "usage-warehouse";
    static final String DATASOURCE_TYPE = "grafana-postgresql-datasource";

    /** The dashboard's time range in these tests: both days of VIEW_ROWS. */
    static final Instant FROM = Instant.parse("2026-03-09T00:00:00Z");
    static final Instant TO = Instant.parse("2026-03-10T23:59:59Z");

    @TempDir
    static Path dir;

    static EmbeddedWarehouse pg;

    @BeforeAll
    static void startPostgres() throws SQLException {
        pg = Postgres.start(dir);
        try (Connection c = Tables.connect(pg.jdbcUrl()); Statement s = c.createStatement()) {
            WarehouseFixtures.applyAll(c);
            insert(c, VIEW_ROWS);
            // Again as if now were AT, for the panels of the last 24 hours (outside the test range).
            insert(c, VIEW_ROWS, Duration.between(AT, SqlViewsITCase.now(c)));
            s.execute("INSERT INTO llm_cost_alerts (scope, scope_value, model, window_start, window_end, cost_usd,"
                    + " baseline_usd, ratio, raised_at) VALUES"
                    + " ('model', 'gpt-4o', 'gpt-4o', '2026-03-09T10:30:00Z', '2026-03-09T10:31:00Z', 0.025, 0.005,"
                    + " 5.0, '2026-03-09T10:31:05Z'),"
                    + " ('model', 'gpt-4o-mini', 'gpt-4o-mini', '2026-03-09T10:15:00Z', '2026-03-09T10:16:00Z', 0.01,"
                    + " NULL, NULL, '2026-03-09T10:16:05Z'),"
                    // a model without usage in range: the $model variable does not offer it
                    + " ('model', 'o3', 'o3', '2026-03-09T10:30:00Z', '2026-03-09T10:31:00Z', 2, NULL, NULL,"
                    + " '2026-03-09T10:31:05Z'),"
                    + " ('tenant', 'acme', '', '2026-03-09T10:30:00Z', '2026-03-09T10:31:00Z', 0.02, 0.004, 5.0,"
                    + " '2026-03-09T10:31:05Z')");
        }
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    // ------------------------------------------------------------------------------------------
    // Dashboard
    // ------------------------------------------------------------------------------------------

    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every panel, those inside collapsed rows included; row panels themselves hold no query. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                panel.path("panels").forEach(panels::add);
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    @Test
    void everyPanelQueriesTheWarehouseWithRawSql() throws IOException {
        JsonNode dashboard = dashboard();
        assertThat(dashboard.path("uid").asText()).isEqualTo("usage-analytics");
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(39, 41);
        List<JsonNode> panels = panels(dashboard);
        assertThat(panels).hasSizeGreaterThanOrEqualTo(7);
        assertThat(panels.stream().map(p -> p.path("id").asInt()).collect(Collectors.toSet()))
                .as("panel ids are unique").hasSize(panels.size());
        assertThat(panels.stream().map(p -> p.path("title").asText()).toList()).contains(
                "Cost by model (USD per hour)", "Tokens by model (per hour)", "Requests by model (per hour)",
                "Finish-reason shares (selected models)", "Estimated share of requests by model",
                "Fingerprint changes", "Recent cost alerts (job)", COST_BY_TIER, FLEX_AND_PRIORITY, TOP_SPENDERS,
                COST_BY_VALUE);
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(title).as("panel %s has a title", panel.path("id")).isNotBlank();
            assertThat(panel.path("gridPos").path("w").asInt()).as("%s width", title).isBetween(1, 24);
            assertDatasource(panel.path("datasource"), title);
            assertThat(panel.path("targets")).as("%s targets", title).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertDatasource(target.path("datasource"), title);
                assertThat(target.path("rawQuery").asBoolean()).as("%s rawQuery", title).isTrue();
                assertThat(target.path("editorMode").asText()).as("%s editorMode", title).isEqualTo("code");
                assertThat(target.path("rawSql").asText()).as("%s rawSql", title).isNotBlank();
                assertThat(target.path("format").asText()).as("%s format", title).isIn("table", "time_series");
            }
        }
    }

    static final String COST_BY_TIER = "Cost by service tier (USD per hour)";
    static final String FLEX_AND_PRIORITY = "Flex savings / priority premium";

    /** The exact rows of the service-tier panels over VIEW_ROWS, every model selected. */
    private static final Map<String, List<String>> TIER_PANEL_ROWS = Map.of(
            COST_BY_TIER, List.of(
                    // gpt-4o 0.04, gpt-4o-mini 0.01, gpt-5's '' and default rows 0.005; gpt-4.1 unpriced
                    "2026-03-09T10:00:00Z | default | 0.055",
                    "2026-03-09T10:00:00Z | flex | 0.005",
                    "2026-03-09T10:00:00Z | priority | 0.02",
                    "2026-03-09T11:00:00Z | default | 0.001",
                    // only unpriced local-llama: no cost known, not a cost of 0
                    "2026-03-09T23:00:00Z | default | null",
                    "2026-03-10T09:00:00Z | default | 0.008",
                    "2026-03-10T09:00:00Z | priority | 0.008"),
            // flex: gpt-5 0.01 at standard prices for 0.005; priority: gpt-5 0.01 + 0.003, gpt-4.1 0.001
            FLEX_AND_PRIORITY, List.of("0.005 | 0.014"));

    @Test
    void serviceTierPanelsShowExactlyTheTiersCost() throws Exception {
        JsonNode dashboard = dashboard();
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            for (Map.Entry<String, List<String>> expected : TIER_PANEL_ROWS.entrySet()) {
                String sql = panelSql(c, dashboard, expected.getKey(), Map.of());
                assertThat(WarehouseFixtures.query(c, sql)).as(expected.getKey())
                        .containsExactlyElementsOf(expected.getValue());
            }
        }
    }

    static final String TOP_SPENDERS = "Top spenders (24 h)";
    static final String COST_BY_VALUE = "Cost by value over time";

    /** The attribution panels with tenant as $dimension: top spenders of the shifted VIEW_ROWS, cost of the range. */
    @Test
    void dimensionPanelsShowExactlyEachValuesCost() throws Exception {
        JsonNode dashboard = dashboard();
        Map<String, String> tenant = Map.of("dimension", "tenant");
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            // rank | value | cost_usd | cost_share | requests | total_tokens | unpriced_requests
            assertThat(WarehouseFixtures.query(c, panelSql(c, dashboard, TOP_SPENDERS, tenant))).containsExactly(
                    "1 | acme | 0.0298 | 0.65494505494505494505 | 10 | 3600 | 0",
                    "2 | globex | 0.0089 | 0.1956043956043956044 | 10 | 1920 | 4",
                    "3 | initech | 0.006 | 0.13186813186813186813 | 4 | 800 | 1",
                    "4 | (not set) | 0 | 0 | 1 | 0 | 0",
                    // last, without a rank: the cost not attributed to a value
                    "null | __other__ | 0.0008 | 0.01758241758241758242 | 1 | 50 | 0");
            // Series within an hour come in the database's collation order.
            assertThat(WarehouseFixtures.query(c, panelSql(c, dashboard, COST_BY_VALUE, tenant)))
                    .containsExactlyInAnyOrder(
                            "2026-03-09T10:00:00Z | acme | 0.0475",
                            "2026-03-09T10:00:00Z | globex | 0.0225",
                            "2026-03-09T10:00:00Z | initech | 0.01",
                            "2026-03-09T11:00:00Z | acme | 0.001",
                            "2026-03-10T09:00:00Z | (not set) | 0",
                            "2026-03-10T09:00:00Z | __other__ | 0.0008",
                            "2026-03-10T09:00:00Z | acme | 0.0028",
                            "2026-03-10T09:00:00Z | globex | 0.0064",
                            "2026-03-10T09:00:00Z | initech | 0.006");
        }
    }

    /** The SQL of the one query of the panel titled {@code title}, expanded (see {@link #expand}). */
    private static String panelSql(Connection c, JsonNode dashboard, String title, Map<String, String> chosen)
            throws SQLException {
        JsonNode panel = panels(dashboard).stream().filter(p -> p.path("title").asText().equals(title))
                .findFirst().orElseThrow();
        assertThat(panel.path("targets")).as(title).hasSize(1);
        return expand(c, dashboard, panel.path("targets").get(0).path("rawSql").asText(), chosen);
    }

    @Test
    void recentAlertsPanelShowsTheSelectedModelsAndEveryDimensionValue() throws Exception {
        JsonNode dashboard = dashboard();
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            String sql = panelSql(c, dashboard, "Recent cost alerts (job)", Map.of());
            assertThat(WarehouseFixtures.query(c, sql)).containsExactly(
                    "2026-03-09T10:30:00Z | model | gpt-4o | 0.025 | 0.005 | 5 | 2026-03-09T10:31:05Z",
                    "2026-03-09T10:30:00Z | tenant | acme | 0.02 | 0.004 | 5 | 2026-03-09T10:31:05Z",
                    "2026-03-09T10:15:00Z | model | gpt-4o-mini | 0.01 | null | null | 2026-03-09T10:16:05Z");
        }
    }

    private static void assertDatasource(JsonNode ds, String where) {
        assertThat(ds.path("uid").asText()).as("%s datasource uid", where).isEqualTo(DATASOURCE);
        assertThat(ds.path("type").asText()).as("%s datasource type", where).isEqualTo(DATASOURCE_TYPE);
    }

    @TestFactory
    Stream<DynamicTest> everyPanelsSqlRunsAgainstTheViews() throws IOException {
        JsonNode dashboard = dashboard();
        return panels(dashboard).stream().flatMap(panel -> {
            List<DynamicTest> tests = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                String name = panel.path("title").asText() + " / " + target.path("refId").asText();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    try (Connection c = Tables.connect(pg.jdbcUrl())) {
                        String sql = expand(c, dashboard, target.path("rawSql").asText());
                        List<Map<String, Object>> rows = rows(c, sql);
                        assertThat(rows).as("%s returns rows for the test data:%n%s", name, sql).isNotEmpty();
                        if ("time_series".equals(target.path("format").asText())) {
                            assertTimeSeries(rows, name);
                        }
                    }
                }));
            }
            return tests.stream();
        });
    }

    /** Grafana needs a "time" column, in order, and numbers in every other column but the metric. */
    private static void assertTimeSeries(List<Map<String, Object>> rows, String name) {
        assertThat(rows.get(0).keySet()).as("%s columns", name).contains("time");
        List<Instant> times = rows.stream().map(r -> (Instant) r.get("time")).toList();
        assertThat(times).as("%s ordered by time", name).isSorted();
        for (Map<String, Object> row : rows) {
            row.forEach((column, value) -> {
                if (!column.equals("time") && !column.equals("metric")) {
                    assertThat(value == null || value instanceof Number).as("%s: %s is a number", name, column).isTrue();
                }
            });
        }
    }

    /** Every variable and the values it offers for the test range. */
    private static final Map<String, List<String>> VARIABLE_VALUES = Map.of(
            "model", List.of("gpt-4.1", "gpt-4o", "gpt-4o-mini", "gpt-5", "local-llama"),
            // the job's dimensions; local-llama's rows have none
            "dimension", List.of("app", "tenant"));

    @Test
    void templateVariablesRunAndOfferEveryValueInRange() throws Exception {
        JsonNode dashboard = dashboard();
        List<String> names = new ArrayList<>();
        try (Connection c = Tables.connect(pg.jdbcUrl())) {
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                String name = variable.path("name").asText();
                names.add(name);
                assertDatasource(variable.path("datasource"), "variable " + name);
                assertThat(values(c, variable)).as("variable %s", name)
                        .containsExactlyElementsOf(VARIABLE_VALUES.get(name));
            }
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(VARIABLE_VALUES.keySet());
    }

    private static List<String> values(Connection c, JsonNode variable) throws SQLException {
        JsonNode query = variable.path("query");
        String sql = query.isTextual() ? query.asText() : query.path("rawSql").asText();
        List<String> values = new ArrayList<>();
        for (Map<String, Object> row : rows(c, expand(c, null, sql))) {
            values.add(String.valueOf(row.values().iterator().next()));
        }
        values.sort(String::compareTo);
        return values;
    }

    // ------------------------------------------------------------------------------------------
    // Alert rules
    // ------------------------------------------------------------------------------------------

    record Rule(String uid, String sql, Map<String, Object> yaml) {}

    @SuppressWarnings("unchecked")
    static List<Rule> rules() throws IOException {
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(WarehouseFixtures.read(RULES));
        assertThat(doc).containsEntry("apiVersion", 1);
        List<Rule> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                List<Map<String, Object>> queries = ((List<Map<String, Object>>) rule.get("data")).stream()
                        .filter(d -> DATASOURCE.equals(d.get("datasourceUid"))).toList();
                assertThat(queries).as("rule %s queries the warehouse once", rule.get("uid")).hasSize(1);
                Map<String, Object> model = (Map<String, Object>) queries.get(0).get("model");
                assertThat(model).as("rule %s query", rule.get("uid")).containsEntry("rawQuery", true)
                        .containsEntry("format", "table");
                rules.add(new Rule((String) rule.get("uid"), (String) model.get("rawSql"), rule));
            }
        }
        return rules;
    }

    /** The sql/alerts function a rule runs, and the rows that make it fire. */
    private static final Map<String, List<WarehouseFixtures.Row>> SPIKES = Map.of(
            "usage_alert_cost_spike", COST_SPIKE,
            "usage_alert_finish_quality", FINISH_SPIKE,
            "usage_alert_estimated_share", ESTIMATED_SPIKE,
            "usage_alert_cost_spike_by_dimension", DIMENSION_COST_SPIKE);

    private static final Pattern ALERT_FUNCTION = Pattern.compile("FROM\\s+(usage_alert_\\w+)\\(\\)");

    @Test
    void everySqlAlertHasARule() throws IOException {
        Set<String> functions = new HashSet<>();
        for (Rule rule : rules()) {
            Matcher m = ALERT_FUNCTION.matcher(rule.sql());
            assertThat(m.find()).as("rule %s runs a sql/alerts function with its defaults", rule.uid()).isTrue();
            functions.add(m.group(1));
        }
        Set<String> created = SqlViewsITCase.created("alerts", Pattern.compile("(?m)^CREATE OR REPLACE FUNCTION (\\w+)"))
                .keySet();
        assertThat(functions).as("functions run by rules").isEqualTo(created);
        assertThat(SPIKES.keySet()).isEqualTo(created);
    }

    /**
     * Each rule fires when its query returns rows: a threshold "> 0" on the query's one numeric
     * column, string columns as labels (Grafana's numeric data), no rows meaning calm.
     */
    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> everyRuleIsSilentOnCalmDataAndFiresOnItsSpike() throws IOException {
        return rules().stream().map(rule -> DynamicTest.dynamicTest(rule.uid(), () -> {
            Map<String, Object> yaml = rule.yaml();
            assertThat(yaml).containsEntry("noDataState", "OK").containsEntry("execErrState", "Error");
            Map<String, Object> condition = ((List<Map<String, Object>>) yaml.get("data")).stream()
                    .filter(d -> d.get("refId").equals(yaml.get("condition"))).findFirst().orElseThrow();
            Map<String, Object> threshold = (Map<String, Object>) condition.get("model");
            assertThat(threshold).containsEntry("type", "threshold").containsEntry("expression", "A");
            Map<String, Object> evaluator = (Map<String, Object>) ((List<Map<String, Object>>) threshold
                    .get("conditions")).get(0).get("evaluator");
            assertThat(evaluator).containsEntry("type", "gt").containsEntry("params", List.of(0));

            Matcher m = ALERT_FUNCTION.matcher(rule.sql());
            assertThat(m.find()).isTrue();
            Duration shift = SqlViewsITCase.shiftToNow();
            try (Connection c = Tables.connect(pg.jdbcUrl())) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("DELETE FROM llm_usage"); // rolled back below
                }
                insert(c, CALM, shift);
                assertThat(rows(c, rule.sql())).as("%s on calm data", rule.uid()).isEmpty();
                insert(c, SPIKES.get(m.group(1)), shift);
                List<Map<String, Object>> fired = rows(c, rule.sql());
                assertThat(fired).as("%s on its spike", rule.uid()).hasSize(1);
                Map<String, Object> row = fired.get(0);
                assertThat(row.values().stream().filter(v -> v instanceof Number).toList())
                        .as("one numeric column, above 0").singleElement()
                        .satisfies(v -> assertThat(((Number) v).longValue()).isPositive());
                assertThat(row.values().stream().filter(v -> !(v instanceof Number)).toList())
                        .as("the rest are string labels").allSatisfy(v -> assertThat(v).isInstanceOf(String.class))
                        .isNotEmpty();
                c.rollback();
            }
        }));
    }

    // ------------------------------------------------------------------------------------------
    // Grafana macros, as the PostgreSQL data source expands them
    // ------------------------------------------------------------------------------------------

    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(\\s*([^)]+?)\\s*\\)");
    private static final Pattern TIME_GROUP = Pattern.compile(
            "\\$__timeGroup(Alias)?\\(\\s*([^,)]+?)\\s*,\\s*'?([^,')]+)'?\\s*(?:,[^)]*)?\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\$(\\w+)");

    /** The SQL Grafana would send for the test range, every variable at "All" or its first value. */
    static String expand(Connection c, JsonNode dashboard, String sql) throws SQLException {
        return expand(c, dashboard, sql, Map.of());
    }

    /**
     * The SQL Grafana would send for the test range: each variable with "All" at All, each
     * single-value one at its value in {@code chosen}, else at the first it offers (what Grafana
     * selects when the dashboard saved none).
     */
    static String expand(Connection c, JsonNode dashboard, String sql, Map<String, String> chosen)
            throws SQLException {
        String from = "'" + FROM + "'";
        String to = "'" + TO + "'";
        String expanded = TIME_FILTER.matcher(sql).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1) + " BETWEEN " + from + " AND " + to));
        expanded = TIME_GROUP.matcher(expanded).replaceAll(m -> {
            long seconds = seconds(m.group(3));
            return Matcher.quoteReplacement("floor(extract(epoch from " + m.group(2) + ")/" + seconds + ")*" + seconds
                    + (m.group(1) != null ? " AS \"time\"" : ""));
        });
        expanded = expanded.replace("$__timeFrom()", from).replace("$__timeTo()", to)
                .replace("$__unixEpochFrom()", String.valueOf(FROM.getEpochSecond()))
                .replace("$__unixEpochTo()", String.valueOf(TO.getEpochSecond()))
                .replace("$__interval_ms", "60000").replace("$__interval", "1m");
        assertThat(expanded).as("a Grafana macro this test does not expand").doesNotContain("$__");
        if (dashboard == null) {
            return expanded;
        }
        Matcher m = VARIABLE.matcher(expanded);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            JsonNode variable = null;
            for (JsonNode v : dashboard.path("templating").path("list")) {
                if (v.path("name").asText().equals(name)) {
                    variable = v;
                }
            }
            assertThat(variable).as("dashboard variable $%s", name).isNotNull();
            List<String> offered = values(c, variable);
            String values;
            if (variable.path("multi").asBoolean() || variable.path("includeAll").asBoolean()) {
                // Multi-value or All: Grafana quotes each value for SQL and joins them with commas.
                values = offered.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(","));
            } else {
                // One value: Grafana puts it in as it is, the SQL quotes it.
                values = chosen.getOrDefault(name, offered.get(0));
                assertThat(offered).as("values of $%s", name).contains(values);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(values));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static long seconds(String interval) {
        if (interval.equals("$__interval")) {
            return 60;
        }
        Matcher m = Pattern.compile("(\\d+)([smhd])").matcher(interval.trim());
        assertThat(m.matches()).as("interval %s", interval).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86400;
        };
    }

    /** Rows by column label: timestamps as Instant, numbers as Number, the rest as String. */
    static List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData meta = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = switch (meta.getColumnType(i)) {
                        case Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP -> r.getTimestamp(i) == null
                                ? null : r.getTimestamp(i).toInstant();
                        case Types.NUMERIC, Types.DECIMAL, Types.BIGINT, Types.INTEGER, Types.DOUBLE, Types.REAL ->
                                r.getBigDecimal(i);
                        default -> r.getString(i);
                    };
                    assertThat(row.put(meta.getColumnLabel(i), value)).as("column %s twice", meta.getColumnLabel(i))
                            .isNull();
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
