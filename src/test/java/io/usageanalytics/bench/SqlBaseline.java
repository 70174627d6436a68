package io.usageanalytics.bench;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

/**
 * The rollup as a user would write it in Flink SQL instead of running this job: a Kafka table in
 * the {@code json} format, a {@code TUMBLE} window on {@code created}, finish reasons through
 * {@code UNNEST}, requests as {@code COUNT(DISTINCT id)}, into a blackhole sink. It is the
 * end-to-end benchmark's baseline, run in its own JVM so its start-up is timed too.
 *
 * <p>It is not exact, which is part of the comparison: a completion with several choices adds its
 * usage once per choice, cut-off streams and duplicates are not recognised, and a malformed record
 * is dropped without a trace ({@code json.ignore-parse-errors}, or the query would fail).
 *
 * <p>Arguments: bootstrap servers, topic, parallelism, then any Kafka consumer properties as
 * {@code name=value}.
 */
public final class SqlBaseline {

    private SqlBaseline() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int parallelism = Integer.parseInt(args[2]);
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        TableEnvironment sql = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
        sql.executeSql("CREATE TABLE logged ("
                + " id STRING, `object` STRING, created BIGINT, model STRING, system_fingerprint STRING,"
                + " choices ARRAY<ROW<`index` INT, finish_reason STRING>>,"
                + " `usage` ROW<prompt_tokens BIGINT, completion_tokens BIGINT, total_tokens BIGINT>,"
                + " ts AS TO_TIMESTAMP_LTZ(created, 0),"
                + " WATERMARK FOR ts AS ts - INTERVAL '30' SECOND"
                + ") WITH ("
                + " 'connector' = 'kafka', 'topic' = '" + topic + "',"
                + " 'properties.bootstrap.servers' = '" + bootstrap + "',"
                + " 'properties.group.id' = 'sql-baseline',"
                + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
                + consumerProperties(args)
                + " 'format' = 'json', 'json.ignore-parse-errors' = 'true')");
        sql.executeSql("CREATE TABLE usage_rows ("
                + " window_start TIMESTAMP(3), window_end TIMESTAMP(3), model STRING, system_fingerprint STRING,"
                + " requests BIGINT, prompt_tokens BIGINT, completion_tokens BIGINT, total_tokens BIGINT,"
                + " finish_stop BIGINT, finish_length BIGINT, finish_tool_calls BIGINT,"
                + " finish_content_filter BIGINT"
                + ") WITH ('connector' = 'blackhole')");
        sql.executeSql("INSERT INTO usage_rows"
                + " SELECT window_start, window_end, model, system_fingerprint,"
                + "  COUNT(DISTINCT id),"
                + "  SUM(`usage`.prompt_tokens), SUM(`usage`.completion_tokens), SUM(`usage`.total_tokens),"
                + "  COUNT(*) FILTER (WHERE c.finish_reason = 'stop'),"
                + "  COUNT(*) FILTER (WHERE c.finish_reason = 'length'),"
                + "  COUNT(*) FILTER (WHERE c.finish_reason = 'tool_calls'),"
                + "  COUNT(*) FILTER (WHERE c.finish_reason = 'content_filter')"
                + " FROM TABLE(TUMBLE(TABLE logged, DESCRIPTOR(ts), INTERVAL '1' MINUTE))"
                + " LEFT JOIN UNNEST(choices) AS c(`index`, finish_reason) ON TRUE"
                + " GROUP BY window_start, window_end, model, system_fingerprint")
                .await();
    }

    /** Arguments from the fourth on, {@code name=value}, as the table's {@code properties.*} options. */
    private static String consumerProperties(String[] args) {
        StringBuilder options = new StringBuilder();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            options.append(" 'properties.").append(args[i], 0, eq).append("' = '")
                    .append(args[i].substring(eq + 1)).append("',");
        }
        return options.toString();
    }
}
