package io.usageanalytics.sinks;

import io.usageanalytics.aggregation.UsageCounts;
import io.usageanalytics.aggregation.UsageRow;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.testing.MiniClusters;
import io.usageanalytics.testing.Postgres;
import io.usageanalytics.testing.Tables;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each measure lands in its own column, checked by name with SQL written here, not through the
 * job's column list: a row whose every field has a different value, set field by field.
 */
class UsageTableColumnsITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.extension();

    @TempDir
    Path dir;

    @Test
    void everyMeasureIsWrittenToTheColumnOfItsName() throws Exception {
        UsageCounts c = new UsageCounts();
        c.requests = 101;
        c.streamedRequests = 102;
        c.choices = 103;
        c.promptTokens = 104;
        c.completionTokens = 105;
        c.totalTokens = 106;
        c.cachedPromptTokens = 107;
        c.reasoningTokens = 108;
        c.finishStop = 109;
        c.finishLength = 110;
        c.finishToolCalls = 111;
        c.finishContentFilter = 112;
        c.finishFunctionCall = 113;
        c.finishOther = 114;
        c.finishNone = 115;
        c.estimatedRequests = 116;
        c.duplicatesDropped = 117;
        c.audioPromptTokens = 118;
        c.audioCompletionTokens = 119;
        c.acceptedPredictionTokens = 120;
        c.rejectedPredictionTokens = 121;
        c.cacheWriteTokens = 122;
        UsageRow row = new UsageRow(1_767_225_600_000L, 1_767_225_660_000L, "gpt-4o", "fp_1", "flex", c,
                new BigDecimal("1.234567890123"), new BigDecimal("2.469135780246"));

        try (EmbeddedWarehouse pg = Postgres.start(dir)) {
            Tables.create(pg.jdbcUrl(), "usage_columns");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.fromData(row).sinkTo(UsageTable.sink(pg.jdbcUrl(), pg.user(), null, "usage_columns", 10,
                    Duration.ofMillis(100), 0));
            env.execute("usage-columns");

            try (Connection connection = Tables.connect(pg.jdbcUrl()); Statement s = connection.createStatement();
                    ResultSet r = s.executeQuery("SELECT window_start = timestamptz '2026-01-01 00:00:00+00',"
                            + " window_end = timestamptz '2026-01-01 00:01:00+00', model, system_fingerprint,"
                            + " service_tier,"
                            + " requests, streamed_requests, choices, prompt_tokens, completion_tokens, total_tokens,"
                            + " cached_prompt_tokens, reasoning_tokens, finish_stop, finish_length, finish_tool_calls,"
                            + " finish_content_filter, finish_function_call, finish_other, finish_none,"
                            + " estimated_requests, duplicates_dropped, audio_prompt_tokens, audio_completion_tokens,"
                            + " accepted_prediction_tokens, rejected_prediction_tokens, cache_write_tokens, cost_usd,"
                            + " standard_cost_usd FROM usage_columns")) {
                assertThat(r.next()).isTrue();
                StringBuilder values = new StringBuilder();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    values.append(i == 1 ? "" : " ").append(r.getMetaData().getColumnLabel(i)).append('=')
                            .append(r.getString(i));
                }
                assertThat(values.toString()).isEqualTo("?column?=t ?column?=t model=gpt-4o"
                        + " system_fingerprint=fp_1 service_tier=flex requests=101 streamed_requests=102 choices=103 prompt_tokens=104"
                        + " completion_tokens=105 total_tokens=106 cached_prompt_tokens=107 reasoning_tokens=108"
                        + " finish_stop=109 finish_length=110 finish_tool_calls=111 finish_content_filter=112"
                        + " finish_function_call=113 finish_other=114 finish_none=115 estimated_requests=116"
                        + " duplicates_dropped=117 audio_prompt_tokens=118 audio_completion_tokens=119"
                        + " accepted_prediction_tokens=120 rejected_prediction_tokens=121 cache_write_tokens=122"
                        + " cost_usd=1.234567890123 standard_cost_usd=2.469135780246");
                assertThat(r.next()).isFalse();
            }
        }
    }
}
