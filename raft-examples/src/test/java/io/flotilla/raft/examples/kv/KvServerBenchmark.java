package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On demand ({@code -Dflotilla.bench=true}; the class name keeps it out of the default build): redis-benchmark
 * {@code -t set,get,incr -c 50 -n 100000} against the three-process KV cluster, on the leader and on a follower, and
 * in the same run against one unreplicated {@code redis-server} on loopback (no persistence), the ceiling. A
 * warm-up run of a fifth of the requests against the leader comes first and is not reported. Prints a Markdown table
 * for docs/benchmarks.md:
 *
 * <pre>
 * mvn -B -o -pl raft-examples -am test -Dtest=KvServerBenchmark -Dflotilla.bench=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * {@code flotilla.bench.requests} (100000) and {@code flotilla.bench.clients} (50) change the run.
 */
@EnabledIfSystemProperty(named = "flotilla.bench", matches = "true")
class KvServerBenchmark {
    private static final Pattern ROW = Pattern.compile(
            "^\"(SET|GET|INCR)\",\"([0-9.]+)\",\"([0-9.]+)\",\"([0-9.]+)\",\"([0-9.]+)\",\"([0-9.]+)\",\"([0-9.]+)\",\"([0-9.]+)\"",
            Pattern.MULTILINE);

    @Test
    void redisBenchmarkAgainstTheClusterAndAgainstRedisServer(@TempDir Path dir) throws Exception {
        int requests = Integer.getInteger("flotilla.bench.requests", 100_000);
        int clients = Integer.getInteger("flotilla.bench.clients", 50);
        Map<String, Map<String, double[]>> results = new LinkedHashMap<>();
        String load = ExternalTools.run(List.of("uptime"), Duration.ofSeconds(10)).output().trim();
        try (KvCluster cluster = new KvCluster(dir)) {
            int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            int follower = leader == 1 ? 2 : 1;
            bench(cluster.clientPort(leader), requests / 5, clients); // warm-up: JIT, connections, RocksDB; discarded
            results.put("Flotilla KV, 3 processes, via the leader", bench(cluster.clientPort(leader), requests, clients));
            results.put("Flotilla KV, 3 processes, via a follower",
                    bench(cluster.clientPort(follower), requests, clients));
        }
        int port = KvCluster.freePorts(1)[0];
        Process redis = new ProcessBuilder(ExternalTools.require("redis-server", "redis-server").toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no").redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (var j = new redis.clients.jedis.Jedis("127.0.0.1", port, 1000)) {
                    return "PONG".equals(j.ping());
                }
            });
            results.put("redis-server 7 (one process, no persistence)", bench(port, requests, clients));
        } finally {
            redis.destroy();
            if (!redis.waitFor(10, TimeUnit.SECONDS)) {
                redis.destroyForcibly();
            }
        }
        String loadAfter = ExternalTools.run(List.of("uptime"), Duration.ofSeconds(10)).output().trim();
        StringBuilder table = new StringBuilder("\n| target | SET req/s | SET p99 ms | GET req/s | GET p99 ms | "
                + "INCR req/s | INCR p99 ms |\n|---|---|---|---|---|---|---|\n");
        results.forEach((target, rows) -> {
            table.append("| ").append(target);
            for (String t : List.of("SET", "GET", "INCR")) {
                double[] row = rows.get(t);
                table.append(String.format(" | %.0f | %.2f", row[0], row[5]));
            }
            table.append(" |\n");
        });
        Map<String, double[]> ceiling = results.get("redis-server 7 (one process, no persistence)");
        Map<String, double[]> viaLeader = results.values().iterator().next();
        table.append("\nleader / redis-server throughput:");
        for (String t : List.of("SET", "GET", "INCR")) {
            table.append(String.format(" %s %.1f%%", t, 100 * viaLeader.get(t)[0] / ceiling.get(t)[0]));
        }
        table.append("\nload before: ").append(load).append("\nload after: ").append(loadAfter).append('\n');
        System.out.println(table);
        assertThat(results).hasSize(3);
    }

    /** redis-benchmark's CSV rows: test → {rps, avg, min, p50, p95, p99, max} (latencies in ms). */
    private static Map<String, double[]> bench(int port, int requests, int clients) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                ExternalTools.require("redis-benchmark", "redis-tools").toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(port), "-t", "set,get,incr", "-c", Integer.toString(clients),
                "-n", Integer.toString(requests), "--csv"));
        ExternalTools.Result r = ExternalTools.run(command, Duration.ofMinutes(15));
        System.out.println(String.join(" ", command) + "\n" + r.output());
        assertThat(r.exitCode()).as(r.output()).isZero();
        Map<String, double[]> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(r.output());
        while (m.find()) {
            double[] v = new double[7];
            for (int i = 0; i < 7; i++) {
                v[i] = Double.parseDouble(m.group(i + 2));
            }
            rows.put(m.group(1), v);
        }
        assertThat(rows).as(r.output()).containsOnlyKeys("SET", "GET", "INCR");
        return rows;
    }
}
