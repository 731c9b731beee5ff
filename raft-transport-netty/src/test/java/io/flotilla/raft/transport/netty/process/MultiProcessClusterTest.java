package io.flotilla.raft.transport.netty.process;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three cluster members as three OS processes on loopback, each with its own RocksDB log and the Netty transport:
 * the cluster elects a leader and replicates; the leader is killed with SIGKILL in the middle of a stream of
 * writes; the others elect a new leader and go on; the killed node restarts from its log and catches up; and no
 * acknowledged write is lost on any node.
 */
class MultiProcessClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int KEYS = 10;

    @TempDir
    Path dir;
    private final Map<Long, ChildNode> nodes = new TreeMap<>();
    private String ports;

    @AfterEach
    void stopAll() throws Exception {
        for (ChildNode n : nodes.values()) {
            n.close();
        }
    }

    private ChildNode start(long id) throws Exception {
        ChildNode n = new ChildNode(id, dir.resolve("node-" + id), ports, dir.resolve("node-" + id + ".log"));
        nodes.put(id, n);
        n.awaitReady(WAIT);
        return n;
    }

    private long leader() {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ChildNode n : nodes.values()) {
                if (n.isAlive() && n.request("status").get(5, TimeUnit.SECONDS).startsWith("status LEADER")) {
                    return n.id;
                }
            }
            return 0L;
        }, id -> id != 0);
    }

    /** Puts until acknowledged, retrying the same (idempotent) put on errors such as elections. */
    private void put(List<ChildNode> via, int i, Map<String, String> acknowledged) throws Exception {
        String key = "k" + (i % KEYS);
        String value = "v" + i;
        for (int attempt = 0; attempt < 50; attempt++) {
            ChildNode n = via.get((i + attempt) % via.size());
            String answer = n.request("put " + key + " " + value).get(30, TimeUnit.SECONDS);
            if (answer.equals("ok " + value)) {
                acknowledged.put(key, value);
                return;
            }
        }
        throw new AssertionError("put " + key + " " + value + " never acknowledged");
    }

    @Test
    void threeProcessesSurviveKillingTheLeaderWithoutLosingAcknowledgedWrites() throws Exception {
        ports = ChildNode.freePorts(3);
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        long first = leader();
        Map<String, String> acknowledged = new TreeMap<>();
        List<ChildNode> all = List.copyOf(nodes.values());
        for (int i = 0; i < 150; i++) {
            put(all, i, acknowledged);
        }

        nodes.get(first).kill();
        List<ChildNode> survivors = nodes.values().stream().filter(ChildNode::isAlive).toList();
        for (int i = 150; i < 300; i++) {
            put(survivors, i, acknowledged);
        }
        long second = leader();
        assertThat(second).isNotEqualTo(first);

        ChildNode restarted = start(first);
        for (int i = 300; i < 330; i++) {
            put(List.copyOf(nodes.values()), i, acknowledged);
        }
        for (ChildNode n : nodes.values()) {
            for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                assertThat(n.request("get " + e.getKey()).get(30, TimeUnit.SECONDS))
                        .as("node %d reading %s", n.id, e.getKey()).isEqualTo("ok " + e.getValue());
            }
        }
        assertThat(acknowledged).hasSize(KEYS);
        assertThat(restarted.isAlive()).isTrue();
        System.out.printf("multi-process: leader %d killed with SIGKILL after 150 acknowledged writes; node %d led "
                + "next; 330 writes acknowledged; node %d restarted from its RocksDB log; %d keys read back on all 3 "
                + "processes%n", first, second, first, acknowledged.size());
    }
}
