package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.FileSnapshotStore;
import io.flotilla.raft.snapshot.ForwardingSnapshotStore;
import io.flotilla.raft.snapshot.IncomingSnapshot;
import io.flotilla.raft.snapshot.InMemorySnapshotStore;
import io.flotilla.raft.snapshot.SnapshotStore;
import io.flotilla.raft.snapshot.SnapshotWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Snapshots in a cluster of real {@link RaftNode}s on the {@link LocalNetwork}: log compaction, a follower catching up
 * by InstallSnapshot, restarts from a snapshot, and crashes in the middle of receiving or installing one.
 */
class SnapshotNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final SnapshotPolicy POLICY = SnapshotPolicy.defaults().withThresholds(50, 1L << 20, 10)
            .withTransfer(256, 2, Duration.ofSeconds(2));

    @TempDir
    Path dir;
    private final LocalNetwork network = new LocalNetwork();
    private final Map<Long, String> members = Map.of(1L, "node-1", 2L, "node-2", 3L, "node-3");
    private final Map<Long, LogStore> logs = new TreeMap<>();
    private final Map<Long, SnapshotStore> snapshots = new TreeMap<>();
    private final Map<Long, RaftNode> nodes = new TreeMap<>();
    private final Map<Long, CountingKv> machines = new TreeMap<>();

    /** A {@link KvStateMachine} that counts its applies and restores. */
    static final class CountingKv implements StateMachine {
        final KvStateMachine kv = new KvStateMachine();
        final AtomicInteger applies = new AtomicInteger();
        final AtomicInteger restores = new AtomicInteger();

        @Override
        public Payload apply(long index, Payload command) {
            applies.incrementAndGet();
            return kv.apply(index, command);
        }

        @Override
        public Payload query(Payload query) {
            return kv.query(query);
        }

        @Override
        public SnapshotWriter snapshot() {
            return kv.snapshot();
        }

        @Override
        public void restore(InputStream data) throws IOException {
            restores.incrementAndGet();
            kv.restore(data);
        }
    }

    private RaftNode start(long id) {
        CountingKv sm = new CountingKv();
        machines.put(id, sm);
        RaftConfig config = RaftConfig.of(1, id, members).withRequestLimits(Duration.ofSeconds(5), 5000)
                .withSnapshots(POLICY);
        RaftNode node = RaftNode.start(config, logs.computeIfAbsent(id, k -> new InMemoryLogStore()),
                snapshots.computeIfAbsent(id, k -> new InMemorySnapshotStore()), network.transport(id), sm);
        nodes.put(id, node);
        return node;
    }

    private void startAll() {
        for (long id : members.keySet()) {
            start(id);
        }
    }

    @AfterEach
    void closeAll() {
        nodes.values().forEach(RaftNode::closeAsync);
    }

    private RaftNode awaitLeader() {
        return await().atMost(WAIT).until(() -> nodes.values().stream()
                .filter(n -> n.status().running() && n.status().role() == Role.LEADER).findFirst().orElse(null),
                n -> n != null);
    }

    private long followerOf(RaftNode leader) {
        return nodes.keySet().stream().filter(id -> id != leader.id()).findFirst().orElseThrow();
    }

    /** Writes {@code count} puts over 20 keys through {@code node}, many in flight; returns the last value of each. */
    private static Map<String, String> write(RaftNode node, int from, int count) throws Exception {
        Map<String, String> last = new TreeMap<>();
        List<CompletableFuture<Payload>> inFlight = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String key = "k" + (i % 20);
            String value = "v" + i + "-" + "x".repeat(40);
            last.put(key, value);
            inFlight.add(node.propose(Payload.ofUtf8("put " + key + " " + value)));
            if (inFlight.size() >= 200) {
                CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                inFlight.clear();
            }
        }
        CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return last;
    }

    private static void assertReads(RaftNode node, Map<String, String> expected) throws Exception {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(node.read(Payload.ofUtf8("get " + e.getKey())).get(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .toStringUtf8()).as("node %d reads %s", node.id(), e.getKey()).isEqualTo(e.getValue());
        }
    }

    private void awaitCaughtUp(RaftNode follower, RaftNode leader) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(follower.status().applied())
                .isGreaterThanOrEqualTo(leader.status().commitIndex()));
    }

    @Test
    void aFollowerCutOffWhileTheLeaderCompactsCatchesUpByInstallSnapshot() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        long f = followerOf(leader);
        network.isolate(f);
        long behind = nodes.get(f).status().lastIndex();
        Map<String, String> expected = write(leader, 0, 600);
        await().atMost(WAIT).until(() -> leader.status().firstIndex() > behind + 1);
        assertThat(leader.status().snapshotIndex()).isGreaterThan(behind);

        network.reconnect(f);
        RaftNode follower = nodes.get(f);
        awaitCaughtUp(follower, leader);
        assertThat(machines.get(f).restores.get()).as("the follower installed the leader's snapshot").isEqualTo(1);
        assertThat(snapshots.get(f).latest()).isPresent();
        assertThat(machines.get(f).applies.get()).as("it did not replay the compacted entries").isLessThan(600);
        assertReads(follower, expected);
        // Replication goes on normally afterwards.
        Map<String, String> more = write(leader, 600, 30);
        awaitCaughtUp(follower, leader);
        assertReads(follower, more);
    }

    @Test
    void aRestartedNodeRestoresItsNewestSnapshotAndAppliesOnlyTheLogAfterIt() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        long f = followerOf(leader);
        Map<String, String> expected = write(leader, 0, 275);
        awaitCaughtUp(nodes.get(f), leader);
        await().atMost(WAIT).until(() -> nodes.get(f).status().snapshotIndex() >= 150); // every ~50 entries, at batch ends
        nodes.get(f).close();
        SnapshotMeta newest = snapshots.get(f).latest().orElseThrow();

        RaftNode restarted = start(f);
        assertThat(restarted.status().snapshotIndex()).isEqualTo(newest.index());
        awaitCaughtUp(restarted, leader);
        assertThat(machines.get(f).restores.get()).isEqualTo(1);
        assertThat(machines.get(f).applies.get()).as("only the entries after snapshot %d", newest.index())
                .isLessThanOrEqualTo((int) (leader.status().commitIndex() - newest.index()));
        assertReads(restarted, expected);
    }

    @Test
    void aCrashWhileReceivingASnapshotLeavesThePreviousStateAndTheNodeCatchesUpAfterRestart() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        long f = followerOf(leader);
        // The follower keeps its snapshots on disk; it "crashes" while the leader's snapshot is half received.
        nodes.get(f).close();
        Path fDir = dir.resolve("node-" + f);
        FileSnapshotStore disk = FileSnapshotStore.open(fDir);
        CompletableFuture<Void> receiving = new CompletableFuture<>();
        snapshots.put(f, new ObservedStore(disk, receiving));
        long lastIndexBefore = logs.get(f).lastIndex();
        Map<String, String> expected = write(leader, 0, 600);
        await().atMost(WAIT).until(() -> leader.status().firstIndex() > lastIndexBefore + 1);

        RaftNode follower = start(f);
        receiving.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        follower.close(); // mid-transfer: the partial snapshot is on disk, not installed
        disk.close();
        assertThat(logs.get(f).lastIndex()).as("its log is as it was").isEqualTo(lastIndexBefore);

        snapshots.put(f, FileSnapshotStore.open(fDir)); // a restart: leftovers of the transfer are cleaned up
        try (var files = Files.list(fDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("recv-"));
        }
        RaftNode restarted = start(f);
        awaitCaughtUp(restarted, leader);
        assertReads(restarted, expected);
        nodes.remove(f).close();
        snapshots.get(f).close();
    }

    @Test
    void aCrashAfterTheSnapshotIsInstalledButBeforeTheLogIsResetIsRepairedAtRestart() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        long f = followerOf(leader);
        nodes.get(f).close();
        InMemoryLogStore realLog = (InMemoryLogStore) logs.get(f);
        // The "crash" comes right after the snapshot store installed the leader's snapshot: resetting the log fails.
        logs.put(f, new ForwardingLogStore(realLog) {
            @Override
            public void installSnapshot(long index, long term) {
                throw new io.flotilla.raft.log.LogStoreException("simulated crash before the log reset");
            }
        });
        long lastIndexBefore = realLog.lastIndex();
        Map<String, String> expected = write(leader, 0, 600);
        await().atMost(WAIT).until(() -> leader.status().firstIndex() > lastIndexBefore + 1);
        RaftNode crashing = start(f);
        await().atMost(WAIT).until(() -> !crashing.status().running());
        assertThat(crashing.failure()).hasMessageContaining("simulated crash");
        SnapshotMeta installed = snapshots.get(f).latest().orElseThrow();
        assertThat(realLog.lastIndex()).as("the log was not reset").isLessThan(installed.index());

        logs.put(f, realLog);
        RaftNode restarted = start(f);
        assertThat(realLog.firstIndex()).as("reset to the snapshot at restart").isEqualTo(installed.index() + 1);
        awaitCaughtUp(restarted, leader);
        assertReads(restarted, expected);
    }

    /** A snapshot store that signals once a transfer into it has written some data. */
    private static final class ObservedStore extends ForwardingSnapshotStore {
        private final CompletableFuture<Void> receiving;

        ObservedStore(SnapshotStore delegate, CompletableFuture<Void> receiving) {
            super(delegate);
            this.receiving = receiving;
        }

        @Override
        public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
            IncomingSnapshot in = super.receive(meta);
            return new IncomingSnapshot() {
                @Override
                public SnapshotMeta meta() {
                    return in.meta();
                }

                @Override
                public long received() {
                    return in.received();
                }

                @Override
                public void write(byte[] data) throws IOException {
                    if (in.received() > 0) {
                        receiving.complete(null); // a second chunk: the transfer is under way
                        throw new IOException("the node is going down"); // keep the rest from arriving
                    }
                    in.write(data);
                }

                @Override
                public void complete() throws IOException {
                    in.complete();
                }

                @Override
                public void close() {
                    // like a crash: the partial data stays where it is
                }
            };
        }
    }
}
