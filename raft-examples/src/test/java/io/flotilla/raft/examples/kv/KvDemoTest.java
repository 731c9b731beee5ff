package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code demo} command as the README runs it, in its own JVM: it starts three node processes, prints how to try
 * them, serves redis commands, and when it is stopped (SIGTERM, which runs the same shutdown path as Ctrl-C) stops
 * all three nodes.
 */
class KvDemoTest {
    @Test
    void theDemoStartsThreeNodesThatServeRedisAndStopsThemAllWhenStopped(@TempDir Path dir) throws Exception {
        int offset = freeOffset();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = dir.resolve("demo.out");
        Process demo = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                "io.flotilla.raft.examples.Main", "demo", "--dir", dir.resolve("demo").toString(),
                "--port-offset", Integer.toString(offset)).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        List<Long> pids = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> !demo.isAlive()
                    || Files.readString(output).contains("Press Ctrl-C"));
            String out = Files.readString(output);
            Matcher m = Pattern.compile("node (\\d)\\s+pid (\\d+)\\s+redis 127.0.0.1:(\\d+)").matcher(out);
            while (m.find()) {
                pids.add(Long.parseLong(m.group(2)));
                assertThat(Integer.parseInt(m.group(3))).isEqualTo(KvDemo.CLIENT_BASE + offset
                        + Integer.parseInt(m.group(1)));
            }
            assertThat(pids).as(out).hasSize(3);
            assertThat(out).contains("Status page: http://127.0.0.1:" + (KvDemo.ADMIN_BASE + offset + 1) + "/",
                    "redis-cli -p " + (KvDemo.CLIENT_BASE + offset + 1) + " SET greeting hello", "(leader)");
            try (Jedis a = new Jedis("127.0.0.1", KvDemo.CLIENT_BASE + offset + 1, 20_000);
                 Jedis b = new Jedis("127.0.0.1", KvDemo.CLIENT_BASE + offset + 3, 20_000)) {
                assertThat(a.set("greeting", "hello")).isEqualTo("OK");
                assertThat(b.get("greeting")).isEqualTo("hello");
            }
        } finally {
            demo.destroy(); // SIGTERM: the demo's shutdown hook stops its nodes
            demo.waitFor(60, TimeUnit.SECONDS);
        }
        assertThat(demo.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pids)
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                        .as("node process %d", pid).isFalse()));
        assertThat(Files.readString(output)).contains("stopped all nodes");
    }

    /** A port offset at which all nine of the demo's ports are free. */
    private static int freeOffset() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(30_000);
            boolean free = true;
            for (int id = 1; id <= 3 && free; id++) {
                for (int base : new int[] {KvDemo.RAFT_BASE, KvDemo.CLIENT_BASE, KvDemo.ADMIN_BASE}) {
                    try (ServerSocket s = new ServerSocket(base + offset + id, 1, InetAddress.getLoopbackAddress())) {
                        s.setReuseAddress(true);
                    } catch (IOException e) {
                        free = false;
                        break;
                    }
                }
            }
            if (free) {
                return offset;
            }
        }
        throw new IOException("no free port offset found");
    }
}
