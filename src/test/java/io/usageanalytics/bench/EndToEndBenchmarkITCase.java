package io.usageanalytics.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark command on a small topic, so it keeps working: all six processes (job, job with
 * dimensions, job with other JVM options, job of another build, baseline, read floor) run to exit, every run's table and dead letters are checked
 * against the generator's tally (the command fails otherwise), and the report has its lines.
 * Timings are not asserted.
 */
class EndToEndBenchmarkITCase {

    @Test
    void aSmallRunChecksItsTableAndReportsEverySide(@TempDir Path work) throws Exception {
        EndToEndBenchmark benchmark = new EndToEndBenchmark();
        benchmark.records = 20_000;
        benchmark.runs = 1;
        benchmark.parallelism = 2;
        benchmark.heap = "1g";
        benchmark.jobOpts = "";
        benchmark.floor = true;
        benchmark.dimensions = true;
        benchmark.users = 1000;
        benchmark.compareOpts = "-XX:TieredStopAtLevel=1";
        benchmark.baselineOpts = "-XX:+UseParallelGC";
        // The job's consumer settings for the baseline and the floor too: each must take them.
        benchmark.contenderKafka = List.of("max.poll.records=4000", "max.partition.fetch.bytes=4194304",
                "receive.buffer.bytes=-1");
        // This checkout as the other build: the variant's classpath and archive are swapped in.
        benchmark.compareBuild = Path.of("").toAbsolutePath();
        // The long mix: its streams of hundreds of chunks through every contender and the checks.
        benchmark.mix = "long";
        benchmark.work = work;
        benchmark.launcherOpts = List.of("-XX:+UseParallelGC");
        benchmark.jobClasspath = Path.of("target/classes").toAbsolutePath() + ":"
                + Files.readString(Path.of("target/local-classpath.txt")).trim() + ":"
                + Files.readString(Path.of("target/local-runtime-classpath.txt")).trim();
        benchmark.log4jConfiguration = Path.of("src/test/resources/log4j2-test.properties").toAbsolutePath().toString();
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        benchmark.out = new PrintStream(report, true, StandardCharsets.UTF_8);

        assertThat(benchmark.call()).isZero();

        String text = report.toString(StandardCharsets.UTF_8);
        // Within one request (up to about 1,200 records in the long mix) of the 20,000 asked for.
        assertThat(text).containsPattern("loaded 2[01],[0-9]{3} records");
        assertThat(text).contains("read the topic once, untimed, so that no timed run is its first read");
        assertThat(text).contains( "  job, run 1 ", "  baseline, run 1 ", "  job, median ",
                "  baseline, median ", "ratio job/baseline (records/s), median of 1 runs: ", "  read floor, run 1 ",
                "  read floor, median ", "  job + dimensions, run 1 ", "  job + dimensions, median ",
                "ratio job with dimensions/job (records/s), median of 1 runs: ", "by CPU time",
                "  job + compare-opts, run 1 ", "  run 1 ratio job with compare-opts/job: ",
                "ratio job with compare-opts/job (records/s), median of 1 runs: ",
                "  job of " + benchmark.compareBuild.getFileName() + ", run 1 ",
                "ratio job of " + benchmark.compareBuild.getFileName() + "/job (records/s), median of 1 runs: ");
        assertThat(text).containsPattern("  job, run 1 .* CPU +[0-9.]+ s  cores busy +[0-9]+%");
        try (var left = Files.list(work)) {
            assertThat(left).as("the run's topic and database are deleted").isEmpty();
        }
    }
}
