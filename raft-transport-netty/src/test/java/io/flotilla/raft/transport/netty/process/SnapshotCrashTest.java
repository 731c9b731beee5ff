package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.node.SnapshotPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 6: "A crash during snapshot install, then restart: the node is consistent and catches up." Three cluster
 * members as OS processes (RocksDB log, {@code FileSnapshotStore}, Netty on loopback). One follower is killed; the
 * leader takes enough writes to snapshot and compact its log past the follower's, so the restarted follower must
 * receive a snapshot of several MiB in small chunks. The follower is frozen at a chosen point of that
 * ({@link ObservedSnapshotStore}) and killed with SIGKILL there, restarted, frozen and killed at the next point, and
 * finally restarted for good: it must come back with no partial snapshot left on disk, catch up, and hold exactly
 * the state the cluster acknowledged.
 */
class SnapshotCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Small thresholds so that a few thousand writes snapshot and compact; 16 KiB chunks, one in flight. */
    private static final SnapshotPolicy POLICY = new SnapshotPolicy(500, 64L << 20, 100, 16 << 10, 1,
            Duration.ofSeconds(2));
    private static final int VALUE_BYTES = 2048;
    /** Distinct keys of {@value #VALUE_BYTES}-byte values: the snapshot grows to about 6 MiB. */
    private static final int KEYS = 3000;
    private static final int WINDOW = 64;

    @TempDir
    Path dir;
    private final Map<Long, ChildNode> nodes = new TreeMap<>();
    private final Map<String, String> acknowledged = new TreeMap<>();
    private String ports;

    @AfterEach
    void stopAll() throws Exception {
        for (ChildNode n : nodes.values()) {
            n.close();
        }
    }

    @Test
    void aFollowerKilledWhileReceivingASnapshotRestartsWithNoPartialDataAndCatchesUp() throws Exception {
        long follower = startClusterAndLeaveOneFollowerFarBehind();

        for (String stall : List.of("recv:0.2", "recv:0.7", "complete")) {
            killFollowerAt(follower, stall);
        }
        ChildNode restarted = start(follower, "");

        awaitCaughtUp(restarted);
        assertThat(restarted.events()).as("the last run received and installed the snapshot whole")
                .anyMatch(e -> e.startsWith("installed "));
        assertConsistent();
        System.out.printf("snapshot crash: follower %d killed at 20%% and 70%% of a snapshot transfer and after "
                + "receiving it whole; restarted with no partial snapshot on disk, installed it and caught up; "
                + "%d keys identical on all 3 processes%n", follower, acknowledged.size());
    }

    @Test
    void aFollowerKilledRightAfterInstallingASnapshotRestartsFromItAndCatchesUp() throws Exception {
        long follower = startClusterAndLeaveOneFollowerFarBehind();

        String stalled = killFollowerAt(follower, "install");
        long installed = Long.parseLong(stalled.split(" ")[2]);
        ChildNode restarted = start(follower, "");

        awaitCaughtUp(restarted);
        assertThat(Files.readString(log(follower), StandardCharsets.UTF_8))
                .as("the restarted node found the installed snapshot newer than its log and reset the log to it")
                .contains("resetting the log to snapshot " + installed);
        assertConsistent();
        System.out.printf("snapshot crash: follower %d killed after installing snapshot %d, before resetting its log; "
                + "restarted from the snapshot and caught up; %d keys identical on all 3 processes%n", follower,
                installed, acknowledged.size());
    }

    /**
     * Starts three nodes, writes a little, kills a follower, then writes {@value #KEYS} keys until the leader's log is
     * compacted past everything the follower holds.
     *
     * @return the follower's id
     */
    private long startClusterAndLeaveOneFollowerFarBehind() throws Exception {
        ports = ChildNode.freePorts(3);
        for (long id = 1; id <= 3; id++) {
            start(id, "");
        }
        long leader = leader();
        long follower = leader == 1 ? 2 : 1;
        write(0, 100);
        nodes.get(follower).kill();
        long followerLogEnd = status(nodes.get(leader())).commit();

        write(100, KEYS);
        long wanted = followerLogEnd + POLICY.trailingEntries() + 1;
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> newestSnapshot(leader()) >= wanted);
        return follower;
    }

    /**
     * Starts {@code follower} frozen at {@code stall}, waits until it gets there, kills it with SIGKILL, and checks
     * what it left on disk: a partial {@code recv-} directory (gone after the next start, which is checked there).
     *
     * @return the stall event ({@code stalled <point> ...})
     */
    private String killFollowerAt(long follower, String stall) throws Exception {
        ChildNode n = start(follower, stall);
        String point = stall.split(":")[0];
        String stalled = await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(
                () -> n.events().stream().filter(e -> e.startsWith("stalled " + point)).findFirst().orElse(null),
                e -> e != null);
        n.kill();
        if (!point.equals("install")) {
            assertThat(leftovers(follower)).as("killed at %s, node %d left its partial snapshot", stall, follower)
                    .anyMatch(name -> name.startsWith("recv-"));
        }
        return stalled;
    }

    /** Starts node {@code id}, which must find its snapshot store cleaned of what an earlier crash left. */
    private ChildNode start(long id, String stall) throws Exception {
        ChildNode n = new ChildNode(id, dir.resolve("node-" + id), ports, log(id),
                Map.of(NodeProcess.SNAPSHOTS, NodeProcess.spec(POLICY), NodeProcess.STALL, stall,
                        "org.slf4j.simpleLogger.log.io.flotilla.raft.node", "info"));
        nodes.put(id, n);
        n.awaitReady(WAIT);
        String opened = n.events().stream().filter(e -> e.startsWith("store-opened")).findFirst().orElseThrow();
        assertThat(opened.split(" ")).as("node %d's snapshot store once opened", id)
                .noneMatch(name -> name.startsWith("recv-") || name.startsWith("tmp-"));
        return n;
    }

    /** Waits until {@code n} has applied everything the leader committed. */
    private void awaitCaughtUp(ChildNode n) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            Status leader = status(nodes.get(leader()));
            return status(n).applied() >= leader.commit();
        });
    }

    /** Every node's state is exactly what was acknowledged, read back linearizably; no partial snapshot is left. */
    private void assertConsistent() throws Exception {
        String expected = ProcessStateMachine.digest(acknowledged);
        for (ChildNode n : nodes.values()) {
            assertThat(n.request("digest").get(30, TimeUnit.SECONDS)).as("node %d's state", n.id)
                    .isEqualTo("ok " + expected);
        }
        for (ChildNode n : nodes.values()) {
            for (int i = KEYS - 1; i >= 0; i -= 499) {
                assertThat(n.request("get " + key(i)).get(30, TimeUnit.SECONDS)).as("node %d reading %s", n.id, key(i))
                        .isEqualTo("ok " + value(i));
            }
        }
        for (long id : nodes.keySet()) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(leftovers(id)).as("node %d's unfinished snapshots", id).isEmpty());
        }
    }

    /** Writes keys {@code from..to-1} through the leader, {@value #WINDOW} at a time, each until acknowledged. */
    private void write(int from, int to) throws Exception {
        Deque<CompletableFuture<String>> window = new ArrayDeque<>();
        Deque<Integer> keys = new ArrayDeque<>();
        ChildNode leader = nodes.get(leader());
        for (int i = from; i < to; i++) {
            window.add(leader.request("put " + key(i) + " " + value(i)));
            keys.add(i);
            if (window.size() >= WINDOW) {
                settle(window.poll(), keys.poll());
            }
        }
        while (!window.isEmpty()) {
            settle(window.poll(), keys.poll());
        }
    }

    /** Waits for one put's answer; retries the same (idempotent) put through the current leader if it failed. */
    private void settle(CompletableFuture<String> answer, int i) throws Exception {
        String a = answer.get(30, TimeUnit.SECONDS);
        for (int attempt = 0; !a.equals("ok " + value(i)); attempt++) {
            if (attempt == 20) {
                throw new AssertionError("put " + key(i) + " never acknowledged: " + a);
            }
            a = nodes.get(leader()).request("put " + key(i) + " " + value(i)).get(30, TimeUnit.SECONDS);
        }
        acknowledged.put(key(i), value(i));
    }

    private static String key(int i) {
        return "k" + i;
    }

    private static String value(int i) {
        String prefix = "v" + i + "-";
        return prefix + String.valueOf((char) ('a' + i % 26)).repeat(VALUE_BYTES - prefix.length());
    }

    private long leader() {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ChildNode n : nodes.values()) {
                if (n.isAlive() && status(n).role().equals("LEADER")) {
                    return n.id;
                }
            }
            return 0L;
        }, id -> id != 0);
    }

    private record Status(String role, long commit, long applied) {
    }

    private static Status status(ChildNode n) throws Exception {
        String[] s = n.request("status").get(5, TimeUnit.SECONDS).split(" ");
        return new Status(s[1], Long.parseLong(s[4]), Long.parseLong(s[5]));
    }

    private Path log(long id) {
        return dir.resolve("node-" + id + ".log");
    }

    private Path snapshotDir(long id) {
        return dir.resolve("node-" + id).resolve("snapshots");
    }

    /** The names of {@code recv-} and {@code tmp-} directories in node {@code id}'s snapshot store. */
    private List<String> leftovers(long id) throws IOException {
        return names(id).filter(n -> n.startsWith("recv-") || n.startsWith("tmp-")).toList();
    }

    /** The index of the newest snapshot in node {@code id}'s store, 0 if none. */
    private long newestSnapshot(long id) throws IOException {
        return names(id).filter(n -> n.startsWith("snap-"))
                .mapToLong(n -> Long.parseLong(n.split("-")[1])).max().orElse(0);
    }

    private Stream<String> names(long id) throws IOException {
        Path d = snapshotDir(id);
        if (!Files.isDirectory(d)) {
            return Stream.empty();
        }
        try (Stream<Path> list = Files.list(d)) {
            return list.map(p -> p.getFileName().toString()).toList().stream();
        }
    }

}
