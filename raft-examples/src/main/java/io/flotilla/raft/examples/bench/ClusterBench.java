package io.flotilla.raft.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The {@code bench} command: for each value size and client count, starts a fresh cluster, runs the closed-loop
 * clients at its leader (warm-up, then the measured time), checks that every node applied every acknowledged
 * command in the same order, and prints a table row and a JSON line. Before the runs it measures the machine's
 * floors on the same disk and loopback ({@link Floors}) so that the results can be quoted as ratios to them.
 * Method and results: docs/benchmarks.md.
 */
public final class ClusterBench {
    private ClusterBench() {
    }

    /** Runs {@code bench} with these flags; returns the exit code (0: every run verified, no errors). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            out.println(BenchOptions.USAGE);
            return 0;
        }
        List<String> argList = java.util.Arrays.asList(args);
        int plotFrom = argList.indexOf("--plot-from");
        if (plotFrom >= 0) {
            int plot = argList.indexOf("--plot");
            if (plotFrom + 1 >= args.length || plot < 0 || plot + 1 >= args.length || args.length != 4) {
                err.println("error: --plot-from FILE.jsonl takes --plot FILE.png and nothing else");
                return 2;
            }
            try {
                BenchPlot.writeFromJson(Path.of(args[plot + 1]), Path.of(args[plotFrom + 1]));
            } catch (IOException | RuntimeException e) {
                err.println("error: cannot plot " + args[plotFrom + 1] + ": " + e.getMessage());
                return 1;
            }
            out.println("plot: " + Path.of(args[plot + 1]).toAbsolutePath());
            return 0;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(BenchOptions.USAGE);
            return 2;
        }
        Path dir = options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("flotilla-bench");
        Files.createDirectories(dir);
        String machine = machine();
        out.println("flotilla bench: " + machine);
        out.println("data directory: " + dir.toAbsolutePath());
        Floors floors = null;
        if (options.floors()) {
            floors = Floors.measure(dir, options.valueBytes().get(0) + 64, Duration.ofSeconds(2));
            out.printf(Locale.ROOT, "floor: durable write (%d B append + FileChannel.force) p50 %d us, p99 %d us, "
                            + "%,.0f/s one after another%n", options.valueBytes().get(0) + 64,
                    floors.fsyncLatency().getValueAtPercentile(50), floors.fsyncLatency().getValueAtPercentile(99),
                    floors.fsyncsPerSecond());
            out.printf(Locale.ROOT, "floor: loopback TCP round trip (64 B) p50 %d us, p99 %d us%n",
                    floors.roundTrip().getValueAtPercentile(50), floors.roundTrip().getValueAtPercentile(99));
        }
        out.println(Results.header());
        List<Results.Run> runs = new ArrayList<>();
        boolean ok = true;
        long firstClient = 0;
        int n = 0;
        for (int value : options.valueBytes()) {
            for (int clients : options.clients()) {
                Path runDir = dir.resolve("run-" + (++n));
                Results.Run r = runOnce(options, runDir, firstClient, clients, value);
                firstClient += clients;
                runs.add(r);
                ok &= r.verified() && r.load().errors() == 0;
                out.println(Results.row(r));
                if (!r.verified()) {
                    out.println("  verification failed: " + r.verification());
                }
                String json = Results.json(r, floors, machine);
                out.println(json);
                if (options.json() != null) {
                    Files.writeString(options.json(), json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
                deleteTree(runDir);
            }
        }
        if (floors != null) {
            printRatios(out, runs, floors);
        }
        if (options.plot() != null) {
            BenchPlot.write(options.plot(), runs, machine);
            out.println("plot: " + options.plot().toAbsolutePath());
        }
        if (options.dataDir() == null) {
            deleteTree(dir);
        }
        return ok ? 0 : 1;
    }

    private static Results.Run runOnce(BenchOptions o, Path dir, long firstClient, int clients, int value)
            throws Exception {
        try (BenchCluster cluster = o.processes() ? new ProcessCluster(o.nodes(), dir, o.fsync(), o.nodeHeap())
                : new InProcessCluster(o.nodes(), dir, o.fsync())) {
            LoadGenerator.Load load = cluster.load(firstClient, clients, value, o.warmup(), o.duration());
            long heap = cluster.peakHeapAfterGc();
            String problem = BenchCluster.verify(cluster.checks(Duration.ofSeconds(30)), load.lastAcknowledged());
            return new Results.Run(o.processes() ? "process" : "jvm", o.nodes(), o.fsync(), load, heap,
                    problem == null, problem == null ? "" : problem);
        }
    }

    private static void printRatios(PrintStream out, List<Results.Run> runs, Floors floors) {
        out.printf(Locale.ROOT, "ratios to the floors (commit floor = durable write p50 + round trip p50 = %.0f us; "
                + "one after another: %,.0f durable writes/s):%n", floors.commitFloorMicros(), floors.fsyncsPerSecond());
        for (Results.Run r : runs) {
            out.printf(Locale.ROOT, "  clients %4d, value %6d B: %.2f x the commit floor at p50; %.1f commits per "
                            + "durable write's time%n", r.load().clients(), r.load().valueBytes(),
                    floors.overFloor(r.p(50)), floors.writesPerFsync(r.load().throughput()));
        }
    }

    /** The machine, for the record: cores, JVM, OS and the load average at the start. */
    static String machine() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return String.format(Locale.ROOT, "%d cores, %s %s, Java %s, load average %.2f",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.arch"), System.getProperty("java.version"), os.getSystemLoadAverage());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
