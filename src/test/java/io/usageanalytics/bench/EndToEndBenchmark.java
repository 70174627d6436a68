package io.usageanalytics.bench;

import io.usageanalytics.cli.CommandLines;
import io.usageanalytics.local.EmbeddedWarehouse;
import io.usageanalytics.local.KafkaBroker;
import io.usageanalytics.local.TrafficGenerator;
import io.usageanalytics.testing.FlinkCluster;
import io.usageanalytics.testing.Tables;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark: loads N generated records into a real two-partition topic, then times,
 * one after the other on that topic, this job ({@code usage-analytics job --bounded}, parallelism
 * 2, into a real PostgreSQL table) and {@link SqlBaseline}, each as a whole JVM process from launch
 * to exit, as a user would time them. Prints wall time, records/s, MB/s and peak RSS of each, the
 * ratio, and medians over the runs; checks every run's table against the generator's own tally.
 * With {@code --dimensions}, each run also times the job with two dimensions against the same topic;
 * with {@code --compare-opts}, the job with other JVM options (an A/B on the same topic, interleaved).
 */
@CommandLine.Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Time the job against the Flink SQL baseline on the same topic.")
public final class EndToEndBenchmark implements Callable<Integer> {

    @Option(names = "--records", defaultValue = "5000000", description = "Records to generate (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--runs", defaultValue = "3", description = "Job/baseline pairs to run (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--parallelism", defaultValue = "2", description = "Parallelism of both (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--heap", defaultValue = "2g", description = "-Xmx of both JVMs (default ${DEFAULT-VALUE}).")
    String heap;

    /** The launcher's own JVM options for the job (its garbage collector), so the job runs as users run it. */
    List<String> launcherOpts = Arrays.asList(System.getProperty("usage.java.opts", "").trim().split("\\s+"));
    /** The job's classpath as the launcher builds it. */
    String jobClasspath = System.getProperty("usage.classes") + ":" + System.getProperty("usage.local.classpath");
    String log4jConfiguration = System.getProperty("usage.log4j");

    @Option(names = "--job-opts", defaultValue = "", description = "Extra JVM options for the job, e.g. -XX:StartFlightRecording=filename=job.jfr")
    String jobOpts;

    @Option(names = "--job-arg", paramLabel = "ARG", description = "An extra option for the job, e.g."
            + " --job-arg=--checkpoint-interval=0 (repeatable).")
    List<String> jobArgs = new ArrayList<>();

    @Option(names = "--state-trace", description = "Also log the job's GC and checkpoints and print its heap after"
            + " GC and checkpointed state size across the run (to see that they stop growing).")
    boolean stateTrace;

    @Option(names = "--dimensions", description = "Also time, each run, the job with two dimensions: tenant from"
            + " Kafka header " + GatewayFields.TENANT_HEADER + " and user from json:/x_bench/user, which the benchmark"
            + " then adds to every record (both jobs read the same topic).")
    boolean dimensions;

    @Option(names = "--compare-opts", description = "Also time, each run right after the job, the job with these"
            + " JVM options in place of --job-opts: an A/B of JVM options on the same topic, interleaved.")
    String compareOpts;

    @Option(names = "--compare-build", paramLabel = "DIR", description = "Also time, each run right after the job,"
            + " the job as the launcher of the checkout DIR runs it (built; with its class archive if its launcher"
            + " made one): an A/B of two builds on the same topic, interleaved.")
    Path compareBuild;

    @Option(names = "--baseline-opts", defaultValue = "", description = "Extra JVM options for the baseline, e.g."
            + " the launcher's to compare like with like (by default it runs as a Flink SQL user's would).")
    String baselineOpts;

    @Option(names = "--contender-kafka", paramLabel = "PROPERTY=VALUE", description = "A Kafka consumer property"
            + " for the baseline and the read floor, e.g. max.poll.records=4000 (repeatable): the job's own consumer"
            + " settings for them too, to compare like with like (by default they read with Kafka's defaults).")
    List<String> contenderKafka = new ArrayList<>();

    @Option(names = "--users", defaultValue = "100000", description = "Distinct users with --dimensions"
            + " (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--mix", defaultValue = "default", description = "default: the local runner's traffic, streams of"
            + " 3 to 12 content chunks per choice; long: the same with 100 to 600, as the API streams answers of that"
            + " many tokens (default ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--skip-baseline", description = "Time the job only.")
    boolean skipBaseline;

    @Option(names = "--floor", description = "Also time ReadFloor each run: a Flink job that only reads the"
            + " topic's bytes, the least any job over it can take here.")
    boolean floor;

    @Option(names = "--work", defaultValue = "target/benchmark", description = "Scratch directory (default ${DEFAULT-VALUE}).")
    Path work;

    private static final String TOPIC = "bench";

    /** Linux's USER_HZ, the unit of {@code /proc/stat}; 100 on every common kernel build. */
    private static final double CLOCK_TICKS_PER_SECOND = 100;

    /** Where the report goes (a test reads it). */
    PrintStream out = System.out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(CommandLines.of(new EndToEndBenchmark(), CommandLine.defaultFactory(), System.out, System.err)
                .execute(args));
    }

    /**
     * One timed process: wall time, peak RSS, the CPU time of the process itself, and how busy the
     * machine's cores were meanwhile (all processes: the contender, the broker serving it, the
     * database, anything else; 1 is every core all the time), to show whether a run was bound by
     * the CPU. On a machine shared with other work the wall time mostly measures the others; the
     * process's own CPU time is its work, whatever else runs.
     */
    record Timing(double seconds, long peakRssBytes, double cpuSeconds, double coresBusy) {}

    @Override
    public Integer call() throws Exception {
        // Checked before anything starts, as every command does.
        if (records < 1 || runs < 1 || parallelism < 1 || users < 1) {
            throw CommandLines.badUsage(spec, "--records, --runs, --parallelism and --users must be positive");
        }
        if (!mix.equals("default") && !mix.equals("long")) {
            throw CommandLines.badUsage(spec, "--mix must be default or long, not " + mix);
        }
        if (compareBuild != null && !Files.isDirectory(compareBuild.resolve("target/classes"))) {
            throw CommandLines.badUsage(spec, "--compare-build " + compareBuild + " has no target/classes: build it first");
        }
        for (String property : contenderKafka) {
            if (property.indexOf('=') < 1) {
                throw CommandLines.badUsage(spec, "--contender-kafka must be PROPERTY=VALUE, not " + property);
            }
        }
        if (!heap.matches("[0-9]+[kKmMgG]")) {
            throw CommandLines.badUsage(spec, "--heap must be a size such as 2g or 512m, not " + heap);
        }
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work.toAbsolutePath(), "run");
        int code = run(dir);
        // Kept after a failure, for its logs; the topic alone is about 1.5 GB per 5 million records.
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        return code;
    }

    private int run(Path dir) throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(dir, true);
                EmbeddedWarehouse pg = EmbeddedWarehouse.start(dir.resolve("pg"), dir.resolve("pg-work"), 0, true)) {
            kafka.createTopic(TOPIC, 2);
            out.printf("generating %,d records into %s (2 partitions)...%n", records, TOPIC);
            long start = System.nanoTime();
            Load load = load(kafka.bootstrapServers());
            out.printf("loaded %,d records, %.1f MB, %,d requests (%,d streamed, %,d retried, %,d malformed) in %.0f s%n",
                    load.tally.records, load.bytes / 1e6, load.tally.requests, load.tally.streamedRequests,
                    load.tally.duplicates, load.tally.malformed, (System.nanoTime() - start) / 1e9);
            awaitWriteback();
            warmUp(dir, kafka);

            List<Timing> job = new ArrayList<>();
            List<Variant> variants = variants();
            List<List<Timing>> varied = new ArrayList<>();
            variants.forEach(v -> varied.add(new ArrayList<>()));
            List<Timing> baseline = new ArrayList<>();
            List<Timing> floors = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                Timing j = timeJob(dir, kafka, pg, load, run, Variant.job(jobOpts));
                job.add(j);
                for (int v = 0; v < variants.size(); v++) {
                    Timing d = timeJob(dir, kafka, pg, load, run, variants.get(v));
                    varied.get(v).add(d);
                    out.printf("  run %d ratio %s/job: %.2fx by wall time, %.2fx by CPU time%n", run,
                            variants.get(v).ratioLabel, j.seconds / d.seconds, j.cpuSeconds / d.cpuSeconds);
                }
                if (!skipBaseline) {
                    Timing b = time(dir, "baseline-" + run, contenderCommand(SqlBaseline.class, kafka, baselineOpts));
                    baseline.add(b);
                    print("baseline, run " + run, b, load);
                    out.printf("  run %d ratio job/baseline: %.2fx%n", run, b.seconds / j.seconds);
                }
                if (floor) {
                    Timing f = time(dir, "floor-" + run, contenderCommand(ReadFloor.class, kafka, ""));
                    floors.add(f);
                    print("read floor, run " + run, f, load);
                }
            }
            out.println();
            print("job, median", median(job), load);
            for (int v = 0; v < variants.size(); v++) {
                print(variants.get(v).label + ", median", median(varied.get(v)), load);
                out.printf("ratio %s/job (records/s), median of %d runs: %.2fx by wall time, %.2fx by CPU time%n",
                        variants.get(v).ratioLabel, runs, speedup(varied.get(v), job, Timing::seconds),
                        speedup(varied.get(v), job, Timing::cpuSeconds));
            }
            if (!skipBaseline) {
                print("baseline, median", median(baseline), load);
                out.printf("ratio job/baseline (records/s), median of %d runs: %.2fx%n", runs,
                        speedup(job, baseline, Timing::seconds));
            }
            if (floor) {
                print("read floor, median", median(floors), load);
            }
            return 0;
        }
    }

    private record Load(TrafficGenerator.Tally tally, long bytes) {}

    /** A way to run the job: how its lines are labelled, its runs named, its options and JVM options. */
    private record Variant(String label, String ratioLabel, String name, List<String> args, String opts, Path build) {
        static Variant job(String opts) {
            return new Variant("job", "job", "job-", List.of(), opts, null);
        }
    }

    /** The variants of the job timed after it in each run, each against the same topic. */
    private List<Variant> variants() {
        List<Variant> variants = new ArrayList<>();
        if (dimensions) {
            variants.add(new Variant("job + dimensions", "job with dimensions", "job-dimensions-",
                    GatewayFields.JOB_ARGS, jobOpts, null));
        }
        if (compareOpts != null) {
            variants.add(new Variant("job + compare-opts", "job with compare-opts", "job-compare-", List.of(),
                    compareOpts, null));
        }
        if (compareBuild != null) {
            if (!Files.exists(archive(compareBuild))) {
                out.printf("%s has no class archive (its launcher has not run since it was built): its job starts"
                        + " slower than this build's%n", compareBuild);
            }
            variants.add(new Variant("job of " + compareBuild.getFileName(), "job of " + compareBuild.getFileName(),
                    "job-build-", List.of(), jobOpts, compareBuild));
        }
        return variants;
    }

    /**
     * The local runner's mix (1% malformed, 2% retried completions), 1,000 requests per second of
     * event time; with {@code --mix long} its streams 100 to 600 content chunks per choice.
     */
    private Load load(String servers) {
        GatewayFields gateway = new GatewayFields(users);
        TrafficGenerator generator = new TrafficGenerator(20261127L, 1_767_225_600L, 1000, 0.01, 0.02);
        if (mix.equals("long")) {
            generator.contentChunks(100, 600);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (generator.tally().records < records) {
                // Half the requests the records left take on average so far: stop within one
                // request of the target (about six records each, or two hundred in the long mix).
                TrafficGenerator.Tally tally = generator.tally();
                double perRequest = tally.requests == 0 ? 200 : (double) tally.records / tally.requests;
                long left = records - tally.records;
                for (TrafficGenerator.Record r : generator.next((int) Math.max(1, Math.min(1000, left / perRequest / 2)))) {
                    ProducerRecord<byte[], byte[]> record =
                            dimensions ? gateway.record(TOPIC, r) : r.to(TOPIC);
                    producer.send(record);
                    bytes += record.key().length + record.value().length;
                }
            }
            producer.flush();
        }
        return new Load(generator.tally(), bytes);
    }

    /**
     * Lets the kernel write the freshly loaded topic to disk before anything is timed: left to
     * itself it does so during the first run (1.5 GB of dirty pages for 5 million records), which
     * then measured about a quarter slower than the next.
     */
    private void awaitWriteback() throws InterruptedException {
        long start = System.nanoTime();
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            out.printf("flushed to disk in %.0f s%n", (System.nanoTime() - start) / 1e9);
        } catch (IOException noSync) {
            out.println("no sync command here: the first run may be slowed by the topic's writeback");
        }
    }

    /**
     * The first contender to read the topic after it was written took about 7 s longer than every
     * later one (the job, 5M records: 43.5 and 44.4 s against 36.2 to 37.8 s), so the first run's
     * ratios were skewed by whatever went first. One untimed read of the whole topic beforehand
     * gives every timed run the same start.
     */
    private void warmUp(Path dir, KafkaBroker kafka) throws Exception {
        Timing t = time(dir, "warm-up", contenderCommand(ReadFloor.class, kafka, ""));
        out.printf("read the topic once, untimed, so that no timed run is its first read (%.0f s)%n", t.seconds);
    }

    /**
     * Times the job as a variant runs it into a table and dead-letter topic of its own, checks both
     * and prints the timing.
     */
    private Timing timeJob(Path dir, KafkaBroker kafka, EmbeddedWarehouse pg, Load load, int run,
            Variant variant) throws Exception {
        String name = variant.name + run;
        String table = "usage_bench_" + name.replace('-', '_');
        String rejectsTopic = TOPIC + ".rejects-" + name;
        Timing t = time(dir, name, jobCommand(dir, kafka, pg, name, table, rejectsTopic, variant));
        long rows = check(pg, table, load.tally);
        int rejects = kafka.consumeAll(rejectsTopic, Duration.ofSeconds(60)).size();
        if (rejects != load.tally.malformed) {
            throw new IllegalStateException(name + " dead-lettered " + rejects
                    + " records, the generator made " + load.tally.malformed + " malformed ones");
        }
        print(variant.label + ", run " + run, t, load);
        out.printf("    %,d rows in the table%n", rows);
        if (stateTrace) {
            StateTrace.print(dir.resolve(name + "-gc.log"), dir.resolve(name + ".log"), out);
        }
        return t;
    }

    private List<String> jobCommand(Path dir, KafkaBroker kafka, EmbeddedWarehouse pg, String name, String table,
            String rejectsTopic, Variant variant) throws IOException {
        List<String> c = java(variant.build == null ? jobClasspath : buildClasspath(variant.build));
        c.addAll(c.indexOf("-cp"), launcherOpts.stream()
                .filter(o -> !o.isEmpty() && !o.startsWith("-Xmx"))
                .filter(o -> variant.build == null || !o.startsWith(ARCHIVE_OPTION))
                .toList());
        if (variant.build != null && Files.exists(archive(variant.build))) {
            c.add(c.indexOf("-cp"), ARCHIVE_OPTION + archive(variant.build));
        }
        if (stateTrace) {
            c.addAll(c.indexOf("-cp"), StateTrace.jvmOptions(dir, name));
        }
        addJvmOptions(c, variant.opts);
        c.addAll(List.of("io.usageanalytics.local.UsageAnalyticsCli", "job",
                "--bootstrap-servers", kafka.bootstrapServers(), "--topic", TOPIC, "--group", "bench-" + name,
                "--rejects-topic", rejectsTopic, "--alerts-topic", TOPIC + ".alerts-" + name,
                "--start", "earliest", "--bounded", "--parallelism", String.valueOf(parallelism),
                "--checkpoint-dir", dir.resolve("checkpoints").toUri().toString(),
                "--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--table", table, "--create-schema"));
        c.addAll(jobArgs);
        c.addAll(variant.args);
        return c;
    }

    private static final String ARCHIVE_OPTION = "-XX:SharedArchiveFile=";

    /**
     * Another build's classes as its launcher runs them (from the jar its class archive was made
     * of, if it made one), with this build's dependencies: the same, or the A/B says little.
     */
    private String buildClasspath(Path build) {
        Path jar = build.resolve("target/launcher/usage-analytics-classes.jar");
        Path classes = Files.exists(archive(build)) ? jar : build.resolve("target/classes");
        return classes.toAbsolutePath() + ":" + jobClasspath.substring(jobClasspath.indexOf(':') + 1);
    }

    private static Path archive(Path build) {
        return build.resolve("target/launcher/usage-analytics.jsa").toAbsolutePath();
    }

    /**
     * The baseline or the floor: a main taking bootstrap servers, topic, parallelism and Kafka
     * consumer properties ({@code name=value}).
     */
    private List<String> contenderCommand(Class<?> main, KafkaBroker kafka, String opts) {
        List<String> c = java(System.getProperty("java.class.path"));
        addJvmOptions(c, opts);
        c.addAll(List.of(main.getName(), kafka.bootstrapServers(), TOPIC, String.valueOf(parallelism)));
        c.addAll(contenderKafka);
        return c;
    }

    /** Before -cp and after the defaults, so that they override those. */
    private static void addJvmOptions(List<String> command, String opts) {
        if (!opts.isBlank()) {
            command.addAll(command.indexOf("-cp"), Arrays.asList(opts.trim().split("\\s+")));
        }
    }

    private List<String> java(String classpath) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("-Xmx" + heap);
        c.addAll(FlinkCluster.JVM_OPENS);
        c.add("-Dlog4j2.configurationFile=" + log4jConfiguration);
        c.add("-cp");
        c.add(classpath);
        return c;
    }

    /** Runs the command to its exit, polling its peak resident set size as it goes. */
    private static Timing time(Path dir, String name, List<String> command) throws Exception {
        Path log = dir.resolve(name + ".log");
        long busyBefore = busyTicks();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long peak = 0;
        Duration cpu = Duration.ZERO;
        while (!p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, peakRss(p.pid()));
            // The last reading before exit: it misses at most the final 100 ms.
            cpu = p.info().totalCpuDuration().orElse(cpu);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double busy = (busyTicks() - busyBefore) / CLOCK_TICKS_PER_SECOND
                / (seconds * Runtime.getRuntime().availableProcessors());
        if (p.exitValue() != 0) {
            // The log's end too: a test's work directory, and with it the log, is gone once it fails.
            throw new IllegalStateException(name + " exited with " + p.exitValue() + ", see " + log
                    + FlinkCluster.tail(log));
        }
        return new Timing(seconds, peak, cpu.toMillis() / 1e3, busy);
    }

    /** Busy CPU time of the whole machine so far (all but idle and I/O wait), in ticks; 0 off Linux. */
    private static long busyTicks() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(cpu[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {@code VmHWM} of a live process on Linux, 0 elsewhere or once it is gone. */
    private static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The process ended between polls: keep the last reading.
        }
        return 0;
    }

    /**
     * The table's totals must be the generator's: every request once, retries dropped; and with
     * the {@link GatewayFields} dimensions no row may lack a tenant or user (a job without them has
     * neither key). Returns the table's rows.
     */
    private static long check(EmbeddedWarehouse pg, String table, TrafficGenerator.Tally expected) throws Exception {
        try (Connection c = Tables.connect(pg.jdbcUrl());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sum(requests), sum(streamed_requests), sum(duplicates_dropped),"
                        + " count(*), count(*) FILTER (WHERE dimensions->>'tenant' = '' OR dimensions->>'user' = '')"
                        + " FROM " + table)) {
            r.next();
            long[] actual = {r.getLong(1), r.getLong(2), r.getLong(3)};
            long[] want = {expected.requests, expected.streamedRequests, expected.duplicates};
            if (!Arrays.equals(actual, want)) {
                throw new IllegalStateException("table " + table + " has requests/streamed/duplicates "
                        + Arrays.toString(actual) + ", the generator made " + Arrays.toString(want));
            }
            if (r.getLong(5) > 0) {
                throw new IllegalStateException("table " + table + " has " + r.getLong(5)
                        + " rows without a tenant or user: the job did not read them");
            }
            return r.getLong(4);
        }
    }

    private void print(String what, Timing t, Load load) {
        out.printf("  %-24s %7.2f s  %,10.0f records/s  %6.1f MB/s  peak RSS %,5d MB  CPU %6.1f s  cores busy %3.0f%%%n",
                what, t.seconds, load.tally.records / t.seconds, load.bytes / 1e6 / t.seconds, t.peakRssBytes >> 20,
                t.cpuSeconds, 100 * t.coresBusy);
    }

    /**
     * The records/s of {@code timings} relative to those of {@code reference} in the same run, by
     * {@code time}, median over runs.
     */
    private static double speedup(List<Timing> timings, List<Timing> reference, ToDoubleFunction<Timing> time) {
        double[] ratios = new double[timings.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = time.applyAsDouble(reference.get(i)) / time.applyAsDouble(timings.get(i));
        }
        Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }

    private static Timing median(List<Timing> timings) {
        double[] s = timings.stream().mapToDouble(Timing::seconds).sorted().toArray();
        long[] rss = timings.stream().mapToLong(Timing::peakRssBytes).sorted().toArray();
        double[] cpu = timings.stream().mapToDouble(Timing::cpuSeconds).sorted().toArray();
        double[] busy = timings.stream().mapToDouble(Timing::coresBusy).sorted().toArray();
        return new Timing(s[s.length / 2], rss[rss.length / 2], cpu[cpu.length / 2], busy[busy.length / 2]);
    }
}
