package io.flotilla.raft.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The throughput/latency plot of a benchmark's runs, written as a PNG with XChart: writes/s on the x axis, commit
 * latency (p50 and p99, log scale) on the y axis, one line per value size and percentile through the client counts.
 * Drawn from the runs just made, or ({@code bench --plot-from FILE.jsonl --plot FILE.png}) from the JSON lines an
 * earlier run wrote with {@code --json}.
 */
final class BenchPlot {
    private BenchPlot() {
    }

    /** One point per run: what the plot needs of it. */
    record Point(String mode, int nodes, boolean fsync, int clients, int valueBytes, double writesPerSecond,
                 double p50Ms, double p99Ms, String machine) {
        static Point of(Results.Run r, String machine) {
            return new Point(r.mode(), r.nodes(), r.fsync(), r.load().clients(), r.load().valueBytes(),
                    r.load().throughput(), r.p(50), r.p(99), machine);
        }

        static Point of(JsonNode o) {
            return new Point(o.get("mode").asText(), o.get("nodes").asInt(), o.get("fsync").asBoolean(),
                    o.get("clients").asInt(), o.get("valueBytes").asInt(), o.get("writesPerSecond").asDouble(),
                    o.get("p50Ms").asDouble(), o.get("p99Ms").asDouble(), o.get("machine").asText());
        }
    }

    static void write(Path png, List<Results.Run> runs, String machine) throws IOException {
        write(png, runs.stream().map(r -> Point.of(r, machine)).toList());
    }

    /** Plots the runs recorded in a {@code --json} file (one JSON line per run). */
    static void writeFromJson(Path png, Path jsonLines) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Point> points = new ArrayList<>();
        for (String line : Files.readAllLines(jsonLines)) {
            if (!line.isBlank()) {
                points.add(Point.of(json.readTree(line)));
            }
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException(jsonLines + " holds no runs");
        }
        write(png, points);
    }

    static void write(Path png, List<Point> points) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Point first = points.get(0);
        String clients = points.stream().map(p -> p.clients()).distinct().sorted().map(String::valueOf)
                .collect(Collectors.joining(", "));
        XYChart chart = new XYChartBuilder().width(1000).height(600)
                .title("Flotilla: commit latency vs writes/s (" + first.nodes() + " nodes, "
                        + (first.mode().equals("jvm") ? "one JVM" : "processes") + ", fsync "
                        + (first.fsync() ? "on" : "off") + ")")
                .xAxisTitle("writes/s; points: " + clients + " closed-loop clients -- " + first.machine())
                .yAxisTitle("commit latency, ms (log scale)")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(14f));
        Map<Integer, List<Point>> bySize = new TreeMap<>();
        for (Point p : points) {
            bySize.computeIfAbsent(p.valueBytes(), k -> new ArrayList<>()).add(p);
        }
        for (var e : bySize.entrySet()) {
            List<Point> ps = e.getValue().stream().sorted(Comparator.comparingInt(Point::clients)).toList();
            double[] x = ps.stream().mapToDouble(Point::writesPerSecond).toArray();
            double[] p50 = ps.stream().mapToDouble(p -> Math.max(0.001, p.p50Ms())).toArray();
            double[] p99 = ps.stream().mapToDouble(p -> Math.max(0.001, p.p99Ms())).toArray();
            XYSeries s50 = chart.addSeries(e.getKey() + " B, p50", x, p50);
            s50.setMarker(SeriesMarkers.CIRCLE);
            XYSeries s99 = chart.addSeries(e.getKey() + " B, p99", x, p99);
            s99.setMarker(SeriesMarkers.DIAMOND);
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
