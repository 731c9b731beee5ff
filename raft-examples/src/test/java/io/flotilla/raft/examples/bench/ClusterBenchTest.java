package io.flotilla.raft.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code bench} command works end to end on a short run (in this JVM and as processes), and its checks catch a
 * node that lacks an acknowledged write. It measures nothing here: timings are the benchmark's business, not a
 * test's (docs/benchmarks.md).
 */
class ClusterBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Output(int code, String out, String err) {
    }

    private static Output bench(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClusterBench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> jsonLines(String out) throws Exception {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void aShortRunInThisJvmPrintsATableJsonLinesAndAPlot(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("runs.jsonl");
        Path plot = dir.resolve("plot.png");
        Output o = bench("--clients", "1,4", "--value-bytes", "64", "--warmup", "200ms", "--duration", "700ms",
                "--dir", dir.resolve("data").toString(), "--json", json.toString(), "--plot", plot.toString());

        assertThat(o.code()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).contains("floor: durable write").contains("floor: loopback TCP round trip")
                .contains("writes/s").contains("ratios to the floors");
        List<JsonNode> runs = jsonLines(o.out());
        assertThat(runs).hasSize(2);
        for (JsonNode r : runs) {
            assertThat(r.get("verified").asBoolean()).isTrue();
            assertThat(r.get("errors").asLong()).isZero();
            assertThat(r.get("completed").asLong()).isPositive();
            assertThat(r.get("p50Ms").asDouble()).isPositive();
            assertThat(r.get("p99Ms").asDouble()).isGreaterThanOrEqualTo(r.get("p50Ms").asDouble());
            assertThat(r.get("floorFsyncP50Us").asDouble()).isPositive();
        }
        assertThat(runs).extracting(r -> r.get("clients").asInt()).containsExactly(1, 4);
        assertThat(Files.readAllLines(json)).hasSize(2);
        byte[] png = Files.readAllBytes(plot);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');

        Path again = dir.resolve("again.png");
        Output replot = bench("--plot-from", json.toString(), "--plot", again.toString());
        assertThat(replot.code()).as(replot.err()).isZero();
        assertThat(Files.readAllBytes(again)).startsWith(0x89, 'P', 'N', 'G');
        assertThat(bench("--plot-from", json.toString()).code()).isEqualTo(2);
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        assertThat(bench("--plot-from", empty.toString(), "--plot", again.toString()).err()).contains("holds no runs");
    }

    @Test
    void aShortRunAsProcessesVerifiesEveryNode(@TempDir Path dir) throws Exception {
        Output o = bench("--processes", "--clients", "3", "--value-bytes", "32", "--warmup", "200ms", "--duration",
                "700ms", "--no-floors", "--fsync", "off", "--dir", dir.toString());

        assertThat(o.code()).as(o.out() + o.err()).isZero();
        List<JsonNode> runs = jsonLines(o.out());
        assertThat(runs).singleElement().satisfies(r -> {
            assertThat(r.get("mode").asText()).isEqualTo("process");
            assertThat(r.get("fsync").asBoolean()).isFalse();
            assertThat(r.get("verified").asBoolean()).isTrue();
            assertThat(r.get("completed").asLong()).isPositive();
            assertThat(r.get("peakHeapAfterGcBytes").asLong()).isNotNegative();
        });
    }

    @Test
    void badFlagsAreRefusedWithTheUsage() throws Exception {
        Output o = bench("--clients", "0");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("--clients takes numbers from 1 to 4096").contains("usage: bench");
        assertThat(bench("--value-bytes", "8").err()).contains("--value-bytes");
        assertThat(bench("--duration", "ten").err()).contains("--duration takes a duration");
        assertThat(bench("--fsync", "maybe").err()).contains("--fsync takes on or off");
        assertThat(bench("--frobnicate", "1").err()).contains("unknown flag --frobnicate");
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--nodes", "9"}))
                .hasMessageContaining("--nodes must be from 1 to 7");
    }

    @Test
    void verificationCatchesALostAcknowledgedWriteAndDivergentNodes() {
        var full = new BenchStateMachine.Check(10, 42, Map.of(1L, 4L, 2L, 4L));
        var lacking = new BenchStateMachine.Check(10, 42, Map.of(1L, 4L, 2L, 3L));
        var divergent = new BenchStateMachine.Check(10, 43, Map.of(1L, 4L, 2L, 4L));
        Map<Long, Long> acked = Map.of(1L, 4L, 2L, 4L);

        assertThat(BenchCluster.verify(List.of(full, full, full), acked)).isNull();
        assertThat(BenchCluster.verify(List.of(full, lacking, full), acked))
                .contains("node 2 lacks client 2's acknowledged command 4");
        assertThat(BenchCluster.verify(List.of(full, full, divergent), acked)).contains("node 3 applied 10 commands");
    }

    @Test
    void aNodeProcessesLoadResultSurvivesTheTripToTheDriver() {
        Histogram h = new Histogram(3);
        h.recordValue(1_000_000);
        h.recordValue(2_500_000);
        var load = new LoadGenerator.Load(2, 128, 1.5, 2, 0, h, Map.of(7L, 9L), 123_456);

        var back = Results.parseLoad(Results.loadJson(load));

        assertThat(back.completed()).isEqualTo(2);
        assertThat(back.latency().getTotalCount()).isEqualTo(2);
        assertThat(back.latency().getMaxValue()).isEqualTo(h.getMaxValue());
        assertThat(back.lastAcknowledged()).isEqualTo(Map.of(7L, 9L));
        assertThat(back.cpuNanos()).isEqualTo(123_456);
        var check = new BenchStateMachine.Check(3, -5, Map.of(1L, 2L));
        assertThat(BenchStateMachine.Check.decode(check.encode())).isEqualTo(check);
    }
}
