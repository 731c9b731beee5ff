package io.flotilla.raft.examples.kv;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Three KV server processes (RocksDB log, Netty transport) driven through Jedis, a real Redis client: every
 * command, forwarding from followers, errors on bad input (raw sockets for malformed RESP), size limits, the admin
 * endpoints, and last, kill -9 of the leader. The servers run with small limits ({@code --max-arg-bytes 1024},
 * {@code --max-command-bytes 4096}) so that the limits are cheap to hit.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvServerClusterTest {
    @RegisterExtension
    static final KvClusterExtension CLUSTER = new KvClusterExtension("--max-arg-bytes", "1024",
            "--max-command-bytes", "4096", "--max-args", "100", "--snapshot-every", "50");
    static KvCluster cluster;
    static int leader;

    @BeforeEach
    void current() {
        cluster = CLUSTER.cluster();
        leader = CLUSTER.leader();
    }

    static Jedis client(int id) {
        return new Jedis("127.0.0.1", cluster.clientPort(id), 20_000);
    }

    static int follower() {
        return CLUSTER.follower();
    }

    static int otherFollower() {
        return CLUSTER.otherFollower();
    }

    @Test
    @Order(1)
    void everyCommandOnTheLeader() {
        try (Jedis j = client(leader)) {
            assertThat(j.ping()).isEqualTo("PONG");
            assertThat(j.set("c:k", "v1")).isEqualTo("OK");
            assertThat(j.get("c:k")).isEqualTo("v1");
            assertThat(j.set("c:k", "v2", SetParams.setParams().nx())).as("NX on a present key").isNull();
            assertThat(j.set("c:new", "n", SetParams.setParams().nx())).isEqualTo("OK");
            assertThat(j.set("c:absent", "x", SetParams.setParams().xx())).as("XX on an absent key").isNull();
            assertThat(j.set("c:k", "v3", SetParams.setParams().xx())).isEqualTo("OK");
            assertThat(j.get("c:k")).isEqualTo("v3");
            assertThat(j.get("c:absent")).isNull();
            assertThat(j.append("c:s", "ab")).isEqualTo(2);
            assertThat(j.append("c:s", "cde")).isEqualTo(5);
            assertThat(j.incr("c:n")).isEqualTo(1);
            assertThat(j.incrBy("c:n", 41)).isEqualTo(42);
            assertThat(j.decr("c:n")).isEqualTo(41);
            assertThat(j.decrBy("c:n", 50)).isEqualTo(-9);
            assertThat(j.mset("c:a", "1", "c:b", "2")).isEqualTo("OK");
            assertThat(j.mget("c:a", "c:missing", "c:b", "c:s")).containsExactly("1", null, "2", "abcde");
            assertThat(j.exists("c:a", "c:b", "c:missing", "c:a")).isEqualTo(3);
            assertThat(j.del("c:a", "c:b", "c:missing")).isEqualTo(2);
            assertThat(j.exists("c:a")).isFalse();
            assertThat(j.info()).contains("role:leader", "node_id:" + leader, "leader_id:" + leader, "term:",
                    "commit_index:", "applied_index:");
        }
    }

    @Test
    @Order(2)
    void followersForwardWritesAndServeLinearizableReads() {
        try (Jedis f = client(follower()); Jedis g = client(otherFollower())) {
            assertThat(f.set("f:k", "from-follower")).isEqualTo("OK");
            assertThat(g.get("f:k")).as("a write acknowledged on one follower is read on the other")
                    .isEqualTo("from-follower");
            for (int i = 0; i < 20; i++) {
                assertThat(f.incr("f:n")).isEqualTo(i + 1);
                assertThat(g.get("f:n")).isEqualTo(Integer.toString(i + 1));
            }
            assertThat(g.info()).contains("role:follower", "leader_id:" + leader);
        }
    }

    @Test
    @Order(3)
    void pipelinedCommandsRunInOrderAndReadTheirOwnWrites() {
        try (Jedis j = client(follower())) {
            Pipeline p = j.pipelined();
            var set = p.set("p:k", "1");
            var got = p.get("p:k");
            var incr = p.incr("p:k");
            var again = p.get("p:k");
            p.sync();
            assertThat(List.of(set.get(), got.get(), incr.get(), again.get())).containsExactly("OK", "1", 2L, "2");
        }
    }

    @Test
    @Order(4)
    void errorsAreClearAndLeaveTheConnectionUsable() {
        ProtocolCommand flushall = () -> "FLUSHALL".getBytes(StandardCharsets.UTF_8);
        try (Jedis j = client(follower())) {
            j.set("e:text", "hello");
            assertThatThrownBy(() -> j.incr("e:text")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            assertThatThrownBy(() -> j.sendCommand(flushall)).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR unknown command 'FLUSHALL'");
            assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.GET))
                    .hasMessage("ERR wrong number of arguments for 'get' command");
            assertThatThrownBy(() -> j.set("e:k", "v", SetParams.setParams().ex(10)))
                    .hasMessageContaining("EX is not supported");
            assertThat(j.incrBy("e:max", Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
            assertThatThrownBy(() -> j.incr("e:max")).hasMessage("ERR increment or decrement would overflow");
            assertThat(j.get("e:text")).as("the failed commands changed nothing").isEqualTo("hello");
            assertThat(j.ping()).isEqualTo("PONG");
        }
    }

    @Test
    @Order(5)
    void anOversizedArgumentOrCommandIsRefusedAndTheConnectionStaysInStep() {
        try (Jedis j = client(follower())) {
            String big = "x".repeat(2000);
            assertThatThrownBy(() -> j.set("o:big", big)).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("argument of 2000 bytes exceeds the limit of 1024 bytes");
            assertThat(j.ping()).isEqualTo("PONG");
            assertThat(j.get("o:big")).isNull();
            String kb = "y".repeat(1000);
            assertThatThrownBy(() -> j.mset("o:1", kb, "o:2", kb, "o:3", kb, "o:4", kb, "o:5", kb))
                    .hasMessageContaining("exceeds the limit (--max-command-bytes)");
            assertThat(j.exists("o:1")).isFalse();
            assertThat(j.set("o:ok", kb)).isEqualTo("OK");
            assertThat(j.get("o:ok")).isEqualTo(kb);
        }
    }

    @Test
    @Order(6)
    void malformedRespIsAnsweredWithAProtocolErrorAndTheNodeKeepsServing() throws Exception {
        assertThat(raw("*1\r\n$abc\r\n")).startsWith("-ERR Protocol error");
        assertThat(raw("*2\r\n*1\r\n$1\r\na\r\n")).startsWith("-ERR Protocol error: expected a bulk string");
        assertThat(raw("*1000000000\r\n")).startsWith("-ERR Protocol error: a command of 1000000000 elements");
        assertThat(raw("*1\r\n:5\r\n")).startsWith("-ERR Protocol error: expected a bulk string");
        assertThat(raw("$3\r\nGET\r\n")).startsWith("-ERR Protocol error: expected a command");
        assertThat(raw("*1\r\n$" + "9".repeat(70_000))).as("a length line with no end")
                .startsWith("-ERR Protocol error: no line end within 65536 bytes");
        assertThat(raw("*1\r\n$4\r\nPING\r\nX")).as("trailing bytes of a broken next command after a good one")
                .startsWith("+PONG");
        assertThat(raw("PING\r\n")).as("inline commands, as typed into telnet").isEqualTo("+PONG\r\n");
        try (Jedis j = client(follower())) {
            assertThat(j.set("m:after", "fine")).isEqualTo("OK");
            assertThat(j.get("m:after")).isEqualTo("fine");
        }
    }

    /** Sends {@code request} on a fresh connection, half-closes it, and returns everything the server sent back. */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cluster.clientPort(follower()))) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(7)
    void theAdminPortServesStatusAndMetrics() throws Exception {
        JsonNode status = cluster.status(leader);
        assertThat(status.get("role").asText()).isEqualTo("LEADER");
        assertThat(status.get("id").asLong()).isEqualTo(leader);
        assertThat(status.get("commit").asLong()).isPositive();
        assertThat(status.get("applied").asLong()).isPositive();
        assertThat(status.get("lastIndex").asLong()).isGreaterThanOrEqualTo(status.get("commit").asLong());
        assertThat(status.get("peers")).hasSize(2);
        assertThat(status.get("peers").get(0).has("match")).isTrue();
        assertThat(status.get("peers").get(0).has("lag")).isTrue();
        JsonNode followerStatus = cluster.status(follower());
        assertThat(followerStatus.get("role").asText()).isEqualTo("FOLLOWER");
        assertThat(followerStatus.get("leader").asLong()).isEqualTo(leader);

        JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cluster.get(follower(), "/cluster"));
        assertThat(all.get("nodes")).hasSize(3);
        Map<Long, String> roles = new HashMap<>();
        all.get("nodes").forEach(n -> roles.put(n.get("id").asLong(), n.get("status").get("role").asText()));
        assertThat(roles).containsEntry((long) leader, "LEADER").containsEntry((long) follower(), "FOLLOWER");

        String metrics = cluster.get(follower(), "/metrics");
        assertThat(metrics).contains("flotilla_raft_term ", "flotilla_raft_commit_index ",
                "flotilla_raft_role{role=\"follower\"} 1", "flotilla_kv_commands_total{command=\"set\"}",
                "flotilla_kv_errors_total{code=\"ERR\"}", "flotilla_kv_command_duration_seconds_bucket");
        assertThat(cluster.get(leader, "/metrics")).contains("flotilla_raft_peer_lag{peer=\"" + follower() + "\"}");
        assertThat(cluster.get(leader, "/")).contains("<title>Flotilla KV cluster</title>");
        assertThat(cluster.get(leader, "/nope")).startsWith("not found");
    }

    @Test
    @Order(8)
    void everyNodeSnapshotsItsStoreAndCompactsItsLog() {
        try (Jedis j = client(follower())) {
            for (int i = 0; i < 60; i++) {
                j.incr("snap:n");
            }
            assertThat(j.get("snap:n")).isEqualTo("60");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int id = 1; id <= 3; id++) {
                assertThat(cluster.status(id).get("snapshotIndex").asLong()).as("node %d, --snapshot-every 50", id)
                        .isPositive();
            }
        });
    }

    @Test
    @Order(100)
    void afterKillMinus9OfTheLeaderTheOthersElectANewOneKeepEveryAcknowledgedWriteAndTakeWrites() throws Exception {
        Map<String, String> acknowledged = new HashMap<>();
        try (Jedis j = client(follower())) {
            for (int i = 0; i < 30; i++) {
                assertThat(j.set("k:" + i, "v" + i)).isEqualTo("OK");
                acknowledged.put("k:" + i, "v" + i);
            }
        }
        int old = leader;
        cluster.kill(old);
        int survivor = follower();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Jedis j = client(survivor)) {
            await().atMost(Duration.ofSeconds(60)).ignoreException(JedisDataException.class)
                    .until(() -> "OK".equals(j.set("k:after", "new-leader")));
            assertThat(System.nanoTime()).isLessThan(deadline);
            leader = cluster.awaitLeader(Duration.ofSeconds(30));
            CLUSTER.leader(leader);
            assertThat(leader).isNotEqualTo(old);
            assertThat(j.info()).contains("leader_id:" + leader);
        }
        for (int id : new int[] {1, 2, 3}) {
            if (id == old) {
                continue;
            }
            try (Jedis j = client(id)) {
                String[] keys = acknowledged.keySet().toArray(String[]::new);
                List<String> values = j.mget(keys);
                assertThat(values).as("node %d after the leader was killed\n%s", id, cluster.log(id))
                        .containsExactlyElementsOf(Arrays.stream(keys).map(acknowledged::get).toList());
                assertThat(j.get("k:after")).isEqualTo("new-leader");
            }
        }
        JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cluster.get(survivor, "/cluster"));
        assertThat(all.get("nodes").get(old - 1).get("error").asText()).as("the killed node on the status page")
                .startsWith("unreachable");
    }

    @Test
    @Order(101)
    void withoutAQuorumCommandsAreAnsweredWithTryAgainAndAWritesOutcomeIsUnknown() throws Exception {
        int[] alive = java.util.stream.IntStream.rangeClosed(1, 3).filter(cluster::isAlive).toArray();
        assertThat(alive).hasSize(2);
        int last = alive[0];
        cluster.kill(alive[1]); // two of three nodes are gone: no quorum
        try (Jedis j = client(last)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> j.set("q:k", "v")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("TRYAGAIN ")
                    .hasMessageContaining("outcome unknown: the write may or may not have been applied");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("--request-timeout 5s")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(4_900));
            assertThatThrownBy(() -> j.get("k:1")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("TRYAGAIN no read index within");
            assertThat(j.ping()).as("the connection and the node are fine").isEqualTo("PONG");
            assertThat(j.info()).contains("node_id:" + last);
        }
    }
}
