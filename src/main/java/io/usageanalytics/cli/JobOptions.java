package io.usageanalytics.cli;

import io.usageanalytics.PipelineSettings;
import io.usageanalytics.core.EventTime;
import io.usageanalytics.cost.CostAlert;
import io.usageanalytics.cost.SpikeRule;
import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.pricing.PriceList;
import io.usageanalytics.sinks.UsageTable;
import io.usageanalytics.sources.KafkaInput;

import org.apache.flink.util.TimeUtils;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/** The job's command-line options; {@code --help} lists them with their defaults. */
public class JobOptions {

    /** The environment variable with the warehouse password (kept out of process lists). */
    public static final String PASSWORD_ENV = "USAGE_ANALYTICS_JDBC_PASSWORD";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.", defaultValue = "127.0.0.1:9092")
    public String bootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC", split = ",",
            description = "Input topic(s), comma-separated or repeated.", defaultValue = "llm-responses")
    public List<String> topics = new ArrayList<>();

    @Option(names = "--topic-pattern", paramLabel = "REGEX",
            description = "Read every topic matching this regex instead of --topic.",
            converter = PatternConverter.class)
    public Pattern topicPattern;

    @Option(names = "--group", paramLabel = "ID", description = "Kafka consumer group.",
            defaultValue = "usage-analytics")
    public String group;

    @Option(names = "--start", paramLabel = "POSITION", defaultValue = "committed",
            converter = StartConverter.class,
            description = "Where to start: committed (earliest for a new group), earliest, latest,"
                    + " epoch ms or an ISO-8601 instant.")
    public String start;

    @Option(names = "--bounded", description = "Read up to the offsets that are latest at start,"
            + " close every window, then exit (backfills, replays).")
    public boolean bounded;

    @Option(names = "--rejects-topic", paramLabel = "TOPIC",
            description = "Dead-letter topic (default: <first input topic>.rejects).")
    public String rejectsTopic;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = EventTime.DEFAULT_WINDOW,
            converter = DurationConverter.class, description = "Tumbling window size.")
    public Duration window;

    @Option(names = "--out-of-orderness", paramLabel = "DURATION", defaultValue = EventTime.DEFAULT_OUT_OF_ORDERNESS,
            converter = DurationConverter.class, description = "Watermark delay behind the latest created time.")
    public Duration outOfOrderness;

    @Option(names = "--allowed-lateness", paramLabel = "DURATION", defaultValue = EventTime.DEFAULT_ALLOWED_LATENESS,
            converter = DurationConverter.class,
            description = "How long a closed window still takes late records (its row is re-emitted).")
    public Duration allowedLateness;

    @Option(names = "--idleness", paramLabel = "DURATION", defaultValue = PipelineSettings.DEFAULT_IDLENESS,
            converter = DurationConverter.class,
            description = "A partition quiet this long no longer holds back the watermark (0: never;"
                    + " a --bounded run never marks one idle).")
    public Duration idleness;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Checkpoint interval; 0 disables checkpoints (and exactly-once rejects).")
    public Duration checkpointInterval;

    @Option(names = "--checkpoint-dir", paramLabel = "URI",
            description = "Where checkpoints are stored (file:///..., s3://...; default: the cluster's"
                    + " execution.checkpointing.dir; the launcher uses a directory in its state).")
    public String checkpointDir;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait for Kafka and the database at start.")
    public Duration connectTimeout;

    @Option(names = "--parallelism", paramLabel = "N",
            description = "Job parallelism (default: the cluster's).")
    public Integer parallelism;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "Warehouse JDBC URL, e.g. jdbc:postgresql://host:5432/db. Without it rows"
                    + " are printed to stdout.")
    public String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "Warehouse user.")
    public String jdbcUser;

    @Option(names = "--jdbc-password", paramLabel = "PASSWORD",
            defaultValue = "${env:" + PASSWORD_ENV + "}", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Warehouse password; better set USAGE_ANALYTICS_JDBC_PASSWORD, which keeps it"
                    + " out of process lists.")
    public String jdbcPassword;

    @Option(names = "--table", paramLabel = "NAME", defaultValue = UsageTable.DEFAULT_TABLE,
            description = "Warehouse table (optionally schema.table).")
    public String table;

    @Option(names = "--create-schema", paramLabel = "WHAT", arity = "0..1", fallbackValue = "tables",
            defaultValue = "none",
            description = "Apply sql/schema (idempotent) before starting, creating the table if missing;"
                    + " --create-schema=all also applies sql/views and sql/alerts (dashboard views and alert"
                    + " functions). One of: ${COMPLETION-CANDIDATES}.")
    public SchemaSetup createSchema = SchemaSetup.none;

    @Option(names = "--batch-size", paramLabel = "ROWS", defaultValue = "500",
            description = "Rows per JDBC batch.")
    public int batchSize;

    @Option(names = "--flush-interval", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Longest a row waits in the batch before it is written.")
    public Duration flushInterval;

    @Option(names = "--max-retries", paramLabel = "N", defaultValue = "3",
            description = "Retries of a failed batch before the job fails over to its last checkpoint.")
    public int maxRetries;

    @Option(names = "--prices", paramLabel = "FILE",
            description = "Price list replacing the bundled one: CSV whose header names its columns (model,"
                    + "input_per_1m,output_per_1m; optional service_tier,effective_from,cached_input_per_1m,"
                    + "cache_write_per_1m,audio_input_per_1m,audio_output_per_1m) or LiteLLM's "
                    + "model_prices_and_context_window.json.")
    public Path pricesFile;

    @Option(names = "--alerts-topic", paramLabel = "TOPIC",
            description = "Cost-spike alerts topic (default: <first input topic>.alerts).")
    public String alertsTopic;

    @Option(names = "--spike-factor", paramLabel = "X", defaultValue = SpikeRule.DEFAULT_FACTOR,
            description = "Alert when a model's window cost exceeds X × its baseline.")
    public double spikeFactor;

    @Option(names = "--spike-min-usd", paramLabel = "USD", defaultValue = SpikeRule.DEFAULT_MINIMUM_USD,
            description = "... and is at least this much (also the bar for new spend without history).")
    public BigDecimal spikeMinUsd;

    @Option(names = "--spike-warmup", paramLabel = "WINDOWS", defaultValue = SpikeRule.DEFAULT_WARMUP,
            description = "Windows of history a model needs before ratio alerts.")
    public int spikeWarmup;

    @Option(names = "--spike-smoothing", paramLabel = "ALPHA", defaultValue = SpikeRule.DEFAULT_SMOOTHING,
            description = "Weight of the newest window in the baseline (exponentially weighted mean).")
    public double spikeSmoothing;

    @Option(names = "--dimension", paramLabel = "NAME=SOURCE",
            description = "Attribute usage and cost to a dimension (repeatable, up to 4): NAME=header:HEADER"
                    + " (a Kafka header's value) or NAME=json:POINTER (an RFC 6901 pointer into the logged"
                    + " object, e.g. tenant=json:/x_gateway/tenant). NAME matches [a-z][a-z0-9_]{0,31}.")
    public List<String> dimensionSpecs = new ArrayList<>();

    @Option(names = "--max-dimension-values", paramLabel = "N",
            defaultValue = PipelineSettings.DEFAULT_MAX_DIMENSION_VALUES,
            description = "Rows per window, model, fingerprint and tier: the N combinations of dimension values with"
                    + " the most tokens; the rest are summed into one row whose dimensions are __other__.")
    public int maxDimensionValues;

    @Option(names = "--spike-by", paramLabel = "NAME",
            description = "Also judge each value of dimension NAME (all models together) for cost spikes"
                    + " (repeatable).")
    public List<String> spikeBy = new ArrayList<>();

    /** What {@code --create-schema} applies. */
    public enum SchemaSetup {
        none, tables, all
    }

    /** {@code --kafka.<property>=<value>} options, passed to every Kafka client. */
    public final Properties kafkaProperties = new Properties();

    /**
     * Checks the values picocli cannot check one by one; the message names the option. Called when
     * options are parsed, so a bad value is reported before anything starts.
     */
    public void validate() {
        require(!window.isZero(), "--window must be positive");
        require(topicPattern != null || !topics.isEmpty(), "--topic or --topic-pattern is required");
        require(parallelism == null || parallelism > 0, "--parallelism must be positive");
        require(batchSize > 0, "--batch-size must be positive");
        require(maxRetries >= 0, "--max-retries must not be negative");
        require(!connectTimeout.isZero(), "--connect-timeout must be positive");
        if (jdbcUrl != null) {
            try {
                UsageTable.checkTableName(table);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--table: " + e.getMessage());
            }
        }
        try {
            prices();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--prices: " + e.getMessage());
        }
        require(maxDimensionValues > 0 && maxDimensionValues <= 1_000_000,
                "--max-dimension-values must be between 1 and 1,000,000");
        Dimensions dimensions = dimensions();
        Set<String> judged = new HashSet<>();
        for (String name : spikeBy) {
            require(dimensions.indexOf(name) >= 0, "--spike-by " + name + ": no --dimension " + name);
            // Alerts name their scope: "model", or the dimension's name.
            require(!name.equals(CostAlert.MODEL), "--spike-by model: its alerts could not be told apart from"
                    + " the per-model alerts; give the dimension another name");
            require(judged.add(name), "--spike-by " + name + " is given twice");
        }
        try {
            spikeRule();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--spike-factor, --spike-min-usd, --spike-warmup, --spike-smoothing: "
                    + e.getMessage());
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public EventTime eventTime() {
        return new EventTime(window, outOfOrderness, allowedLateness);
    }

    /** The bundled price list, or {@code --prices}. */
    public PriceList prices() {
        if (pricesFile == null) {
            return PriceList.bundled();
        }
        try {
            return PriceList.load(pricesFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + pricesFile + ": " + e.getMessage());
        }
    }

    public String rejectsTopic() {
        return rejectsTopic != null ? rejectsTopic : derivedTopic("rejects");
    }

    public String alertsTopic() {
        return alertsTopic != null ? alertsTopic : derivedTopic("alerts");
    }

    private String derivedTopic(String suffix) {
        return (topicPattern != null ? "usage-analytics" : topics.get(0)) + "." + suffix;
    }

    public SpikeRule spikeRule() {
        return new SpikeRule(spikeFactor, spikeMinUsd, spikeWarmup, spikeSmoothing);
    }

    /** The {@code --dimension} options, read; a bad one throws with a one-line message. */
    public Dimensions dimensions() {
        return Dimensions.parse(dimensionSpecs);
    }

    public PipelineSettings settings() {
        return new PipelineSettings(eventTime(), idleness, prices(), spikeRule(), dimensions(), maxDimensionValues,
                spikeBy);
    }

    /** Parses Flink-style durations: 60s, 10min, 1h, 500ms. */
    public static class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = TimeUtils.parseDuration(value);
            if (d.isNegative()) {
                throw new IllegalArgumentException("must not be negative");
            }
            return d;
        }
    }

    /** Checks a starting position when options are parsed, not when the job is built. */
    public static class StartConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            KafkaInput.startingOffsets(value);
            return value;
        }
    }

    /** Compiles a topic regex. */
    public static class PatternConverter implements ITypeConverter<Pattern> {
        @Override
        public Pattern convert(String value) {
            return Pattern.compile(value);
        }
    }
}
