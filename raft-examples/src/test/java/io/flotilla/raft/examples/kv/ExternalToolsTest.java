package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The KV cluster as a person meets it: through redis-cli, under a small redis-benchmark run, and on the status page
 * rendered by a real headless browser (Chromium), which must show each node's role as its admin port reports it.
 * The browser's screenshot is left in {@code target/status-page.png} (docs/status-page.png is one of them).
 */
class ExternalToolsTest {
    @RegisterExtension
    static final KvClusterExtension CLUSTER = new KvClusterExtension();
    @TempDir
    static Path dir;

    private static int follower() {
        return CLUSTER.follower();
    }

    private static int leader() {
        return CLUSTER.leader();
    }

    private static String cli(int node, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ExternalTools.require("redis-cli", "redis-tools").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(CLUSTER.cluster().clientPort(node))));
        command.addAll(List.of(args));
        return ExternalTools.run(command, Duration.ofSeconds(60)).output().trim();
    }

    @Test
    void redisCliTalksToAnyNode() throws Exception {
        assertThat(cli(follower(), "SET", "cli:greeting", "hello")).isEqualTo("OK");
        assertThat(cli(leader(), "GET", "cli:greeting")).isEqualTo("hello");
        assertThat(cli(follower(), "INCR", "cli:n")).isEqualTo("1");
        assertThat(cli(leader(), "SET", "cli:greeting", "again", "NX")).isEmpty(); // nil prints as an empty line
        assertThat(cli(follower(), "MGET", "cli:greeting", "cli:n")).isEqualTo("hello\n1");
        assertThat(cli(follower(), "NOSUCH", "x")).contains("ERR unknown command 'NOSUCH'");
        assertThat(cli(follower(), "INFO")).contains("role:follower", "leader_id:" + leader());
    }

    @Test
    void aSmallRedisBenchmarkRunCompletesAndEveryIncrLands() throws Exception {
        int n = 2000;
        ExternalTools.Result r = ExternalTools.run(List.of(
                ExternalTools.require("redis-benchmark", "redis-tools").toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(CLUSTER.cluster().clientPort(leader())), "-t", "set,get,incr", "-c", "10",
                "-n", Integer.toString(n), "--csv"), Duration.ofSeconds(180));
        assertThat(r.exitCode()).as(r.output()).isZero();
        Map<String, Double> rps = new TreeMap<>();
        Matcher m = Pattern.compile("^\"(SET|GET|INCR)\",\"([0-9.]+)\"", Pattern.MULTILINE).matcher(r.output());
        while (m.find()) {
            rps.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertThat(rps).as(r.output()).containsOnlyKeys("SET", "GET", "INCR");
        assertThat(rps.values()).allSatisfy(v -> assertThat(v).isPositive());
        try (Jedis j = new Jedis("127.0.0.1", CLUSTER.cluster().clientPort(follower()), 20_000)) {
            assertThat(j.get("counter:__rand_int__")).as("redis-benchmark's INCR key, read on a follower")
                    .isEqualTo(Integer.toString(n));
        }
    }

    @Test
    void theStatusPageShowsEveryNodesRoleInAHeadlessBrowser() throws Exception {
        String chromium = ExternalTools.require("chromium", "chromium").toString();
        String url = "http://127.0.0.1:" + CLUSTER.cluster().adminPort(follower()) + "/";
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        List<String> browser = List.of(chromium, "--headless", "--disable-gpu", "--no-sandbox",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--window-size=1100,400");
        List<String> dump = new ArrayList<>(browser);
        dump.addAll(List.of("--dump-dom", url));
        ExternalTools.Result r = ExternalTools.run(dump, Duration.ofSeconds(120));
        Map<Integer, String> shown = new TreeMap<>();
        Matcher m = Pattern.compile("<tr id=\"node-(\\d)\" data-role=\"([A-Z_]+)\"").matcher(r.output());
        while (m.find()) {
            shown.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        Map<Integer, String> reported = new TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            reported.put(id, CLUSTER.cluster().status(id).get("role").asText());
        }
        assertThat(shown).as("roles on the page (rendered DOM:\n%s)", r.output()).isEqualTo(reported);
        assertThat(shown.values()).containsOnlyOnce("LEADER").contains("FOLLOWER");
        assertThat(r.output()).contains("Seen from node <span id=\"self\">" + follower() + "</span>");

        Path png = Path.of("target", "status-page.png").toAbsolutePath();
        Files.deleteIfExists(png);
        List<String> shot = new ArrayList<>(browser);
        shot.addAll(List.of("--screenshot=" + png, url));
        ExternalTools.Result s = ExternalTools.run(shot, Duration.ofSeconds(120));
        assertThat(png).as(s.output()).exists();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(5_000);
        assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
}
