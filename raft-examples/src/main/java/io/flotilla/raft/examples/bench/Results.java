package io.flotilla.raft.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;

/**
 * The benchmark's output: one {@link Run} per (clients, value size), printed as a table row and as one JSON line, and
 * the transfer of a {@link LoadGenerator.Load} from a node process to the driver.
 */
final class Results {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Results() {
    }

    /**
     * One measured run.
     *
     * @param peakHeapAfterGc the most heap any node held right after a collection (in-process: the whole JVM, all
     *                        nodes and the clients)
     * @param verified        every node applied the same commands in the same order, including every acknowledged one
     */
    record Run(String mode, int nodes, boolean fsync, LoadGenerator.Load load, long peakHeapAfterGc, boolean verified,
               String verification) {
        /** Commit latency at a percentile, in milliseconds. */
        double p(double percentile) {
            return load.latency().getValueAtPercentile(percentile) / 1e6;
        }
    }

    static String header() {
        return String.format(Locale.ROOT, "%-8s %5s %7s %7s %12s %9s %9s %9s %9s %9s %7s %9s %8s",
                "mode", "fsync", "clients", "value", "writes/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms",
                "cpu us/w", "errors", "heap MiB", "verified");
    }

    static String row(Run r) {
        LoadGenerator.Load l = r.load();
        return String.format(Locale.ROOT, "%-8s %5s %7d %7d %,12.0f %9.3f %9.3f %9.3f %9.3f %9.1f %7d %9.1f %8s",
                r.mode(), r.fsync() ? "on" : "off", l.clients(), l.valueBytes(), l.throughput(), r.p(50), r.p(99),
                r.p(99.9), l.latency().getMaxValue() / 1e6, l.cpuMicrosPerWrite(), l.errors(),
                r.peakHeapAfterGc() / 1048576.0,
                r.verified() ? "yes" : "NO");
    }

    /** The run as one JSON line, with the floors and the ratios to them. */
    static String json(Run r, Floors floors, String machine) {
        LoadGenerator.Load l = r.load();
        ObjectNode o = JSON.createObjectNode();
        o.put("mode", r.mode()).put("nodes", r.nodes()).put("fsync", r.fsync()).put("clients", l.clients())
                .put("valueBytes", l.valueBytes()).put("seconds", round(l.seconds())).put("completed", l.completed())
                .put("writesPerSecond", round(l.throughput())).put("p50Ms", round(r.p(50)))
                .put("p99Ms", round(r.p(99))).put("p999Ms", round(r.p(99.9)))
                .put("maxMs", round(l.latency().getMaxValue() / 1e6)).put("errors", l.errors())
                .put("cpuMicrosPerWrite", round(l.cpuMicrosPerWrite()))
                .put("peakHeapAfterGcBytes", r.peakHeapAfterGc()).put("verified", r.verified())
                .put("machine", machine);
        if (floors != null) {
            o.put("floorFsyncP50Us", floors.fsyncLatency().getValueAtPercentile(50))
                    .put("floorFsyncsPerSecond", round(floors.fsyncsPerSecond()))
                    .put("floorLoopbackRttP50Us", floors.roundTrip().getValueAtPercentile(50))
                    .put("writesPerFsync", round(floors.writesPerFsync(l.throughput())))
                    .put("p50OverFloor", round(floors.overFloor(r.p(50))));
        }
        return o.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A node process's load result, with its latency histogram, as JSON. */
    static String loadJson(LoadGenerator.Load l) {
        ByteBuffer buf = ByteBuffer.allocate(l.latency().getNeededByteBufferCapacity());
        int n = l.latency().encodeIntoCompressedByteBuffer(buf);
        ObjectNode o = JSON.createObjectNode();
        o.put("clients", l.clients()).put("valueBytes", l.valueBytes()).put("seconds", l.seconds())
                .put("completed", l.completed()).put("errors", l.errors()).put("cpuNanos", l.cpuNanos())
                .put("histogram", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n)));
        ObjectNode acked = o.putObject("lastAcknowledged");
        l.lastAcknowledged().forEach((c, s) -> acked.put(Long.toString(c), s));
        return o.toString();
    }

    /** The inverse of {@link #loadJson}. */
    static LoadGenerator.Load parseLoad(String json) {
        try {
            JsonNode o = JSON.readTree(json);
            Histogram h = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(o.get("histogram").asText())), 0);
            Map<Long, Long> acked = new TreeMap<>();
            o.get("lastAcknowledged").fields().forEachRemaining(e -> acked.put(Long.parseLong(e.getKey()),
                    e.getValue().asLong()));
            return new LoadGenerator.Load(o.get("clients").asInt(), o.get("valueBytes").asInt(),
                    o.get("seconds").asDouble(), o.get("completed").asLong(), o.get("errors").asLong(), h, acked,
                    o.get("cpuNanos").asLong());
        } catch (java.io.IOException | DataFormatException e) {
            throw new IllegalStateException("a node's load result is not readable: " + json, e);
        }
    }
}
