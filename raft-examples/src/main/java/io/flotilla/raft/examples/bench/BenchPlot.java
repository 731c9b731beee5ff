package io.flotilla.raft.examples.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The throughput/latency plot of a benchmark's runs, written as a PNG with XChart: writes/s on the x axis, commit
 * latency (p50 and p99, log scale) on the y axis, one line per value size and percentile through the client counts.
 */
final class BenchPlot {
    private BenchPlot() {
    }

    private static String clientCounts(List<Results.Run> runs) {
        return runs.stream().map(r -> r.load().clients()).distinct().sorted().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    static void write(Path png, List<Results.Run> runs, String machine) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Results.Run first = runs.get(0);
        XYChart chart = new XYChartBuilder().width(1000).height(600)
                .title("Flotilla: commit latency vs writes/s (" + first.nodes() + " nodes, "
                        + (first.mode().equals("jvm") ? "one JVM" : "processes") + ", fsync "
                        + (first.fsync() ? "on" : "off") + ")")
                .xAxisTitle("writes/s; points: " + clientCounts(runs) + " closed-loop clients -- " + machine)
                .yAxisTitle("commit latency, ms (log scale)")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(14f));
        Map<Integer, List<Results.Run>> bySize = new TreeMap<>();
        for (Results.Run r : runs) {
            bySize.computeIfAbsent(r.load().valueBytes(), k -> new java.util.ArrayList<>()).add(r);
        }
        for (var e : bySize.entrySet()) {
            List<Results.Run> rs = e.getValue().stream()
                    .sorted(java.util.Comparator.comparingInt(r -> r.load().clients())).toList();
            double[] x = rs.stream().mapToDouble(r -> r.load().throughput()).toArray();
            for (double pct : new double[]{50, 99}) {
                double[] y = rs.stream().mapToDouble(r -> Math.max(0.001, r.p(pct))).toArray();
                XYSeries s = chart.addSeries(e.getKey() + " B, p" + (int) pct, x, y);
                s.setMarker(pct == 50 ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
            }
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
