package io.flotilla.raft.examples.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code bench} command's flags (see docs/benchmarks.md and {@link #USAGE}). Immutable and validated: a bad value
 * throws {@link IllegalArgumentException} naming the flag, the value and the constraint.
 *
 * @param clients    closed-loop clients per run ({@code --clients 1,8,32}; one run per value)
 * @param valueBytes command sizes in bytes ({@code --value-bytes 128,4096}; one run per value, at least 16)
 * @param warmup     load before the measurement starts ({@code --warmup}, default 5s)
 * @param duration   the measured time ({@code --duration}, default 10s)
 * @param nodes      cluster size ({@code --nodes}, default 3; 1 to 7)
 * @param processes  run the nodes as OS processes ({@code --processes}) instead of in this JVM (default)
 * @param fsync      whether the log is fsync'd ({@code --fsync on|off}, default on)
 * @param dataDir    where the nodes' logs live ({@code --dir}; default a new temporary directory, deleted after)
 * @param json       a file to append each run's JSON line to ({@code --json}), or null
 * @param plot       a PNG file for the throughput/latency plot ({@code --plot}), or null
 * @param nodeHeap   the nodes' -Xmx in process mode ({@code --node-heap}, default 256m)
 * @param floors     whether to measure the machine's floors first ({@code --no-floors} turns it off)
 */
public record BenchOptions(List<Integer> clients, List<Integer> valueBytes, Duration warmup, Duration duration,
                           int nodes, boolean processes, boolean fsync, Path dataDir, Path json, Path plot,
                           String nodeHeap, boolean floors) {
    public static final String USAGE = """
            usage: bench [--clients 1,8,32,128] [--value-bytes 128,4096] [--warmup 5s] [--duration 10s] [--nodes 3]
                         [--processes] [--fsync on|off] [--dir DIR] [--json FILE] [--plot FILE.png]
                         [--node-heap 256m] [--no-floors]
                   bench --plot-from RUNS.jsonl --plot FILE.png   (redraws the plot of runs saved with --json)
              Starts a cluster (in this JVM over loopback Netty with the RocksDB log, or --processes: one OS process
              per node), drives C closed-loop clients proposing V-byte commands to a map state machine at the leader,
              and prints throughput and commit latency (p50/p99/p99.9) per run as a table and as JSON lines, after
              measuring the machine's floors (durable write, loopback round trip).""";

    public BenchOptions {
        clients = List.copyOf(clients);
        valueBytes = List.copyOf(valueBytes);
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1 || c > 4096)) {
            throw new IllegalArgumentException("--clients takes numbers from 1 to 4096, was " + clients);
        }
        if (valueBytes.isEmpty() || valueBytes.stream().anyMatch(v -> v < 16 || v > (1 << 20))) {
            throw new IllegalArgumentException("--value-bytes takes sizes from 16 to 1048576, was " + valueBytes);
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup must not be negative, was " + warmup);
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("--duration must be from 1ms to 1h, was " + duration);
        }
        if (nodes < 1 || nodes > 7) {
            throw new IllegalArgumentException("--nodes must be from 1 to 7, was " + nodes);
        }
        if (!nodeHeap.matches("[0-9]+[kmgKMG]?")) {
            throw new IllegalArgumentException("--node-heap takes a JVM size such as 256m, was " + nodeHeap);
        }
    }

    /** Parses the flags after {@code bench}. */
    public static BenchOptions parse(String[] args) {
        List<Integer> clients = List.of(1, 8, 32, 128);
        List<Integer> values = List.of(128);
        Duration warmup = Duration.ofSeconds(5);
        Duration duration = Duration.ofSeconds(10);
        int nodes = 3;
        boolean processes = false;
        boolean fsync = true;
        Path dir = null;
        Path json = null;
        Path plot = null;
        String heap = "256m";
        boolean floors = true;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--processes")) {
                processes = true;
                continue;
            }
            if (flag.equals("--no-floors")) {
                floors = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag.startsWith("--") ? flag + " needs a value" : "unknown argument " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--clients" -> clients = ints(flag, value);
                case "--value-bytes" -> values = ints(flag, value);
                case "--warmup" -> warmup = duration(flag, value);
                case "--duration" -> duration = duration(flag, value);
                case "--nodes" -> nodes = ints(flag, value).get(0);
                case "--fsync" -> {
                    if (!value.equals("on") && !value.equals("off")) {
                        throw new IllegalArgumentException("--fsync takes on or off, was " + value);
                    }
                    fsync = value.equals("on");
                }
                case "--dir" -> dir = Path.of(value);
                case "--json" -> json = Path.of(value);
                case "--plot" -> plot = Path.of(value);
                case "--node-heap" -> heap = value;
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        return new BenchOptions(clients, values, warmup, duration, nodes, processes, fsync, dir, json, plot, heap,
                floors);
    }

    private static List<Integer> ints(String flag, String value) {
        List<Integer> out = new ArrayList<>();
        for (String part : value.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " takes whole numbers separated by commas, was " + value);
            }
        }
        return out;
    }

    /** A duration such as {@code 500ms}, {@code 10s} or {@code 2m}. */
    static Duration duration(String flag, String value) {
        var m = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m)").matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " takes a duration such as 500ms, 10s or 2m, was " + value);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }
}
