package io.flotilla.raft.node;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.FileSnapshotStore;
import io.flotilla.raft.snapshot.SnapshotCorruptException;
import io.flotilla.raft.snapshot.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.flotilla.raft.node.LocalGroup.WAIT;
import static io.flotilla.raft.node.LocalGroup.assertReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link DisasterRecovery} on real {@link RaftNode}s and on the stores of an implementation: a group that lost its
 * majority is rebuilt from one survivor ({@code forceNewCluster}), a new group starts from an old one's snapshot
 * ({@code seedFromSnapshot}), and bad input is refused with the storage untouched. An implementation gives fresh
 * stores and reopens them (for stores on disk: close and open again, so that what the recovery wrote is shown to be
 * durable). Shipped in raft-core's test-jar.
 */
public interface DisasterRecoveryContract {
    long GROUP = 1;
    Map<Long, String> MEMBERS = Map.of(1L, "node-1", 2L, "node-2", 3L, "node-3");

    /** A node's two stores. */
    record Stores(LogStore log, SnapshotStore snapshots) {
    }

    /** New, empty stores for node {@code nodeId} of group {@code groupId}; each call gives different ones. */
    Stores newStores(long groupId, long nodeId);

    /** {@code stores}, closed and opened again (stores on the heap: the same). */
    Stores reopen(long groupId, long nodeId, Stores stores);

    @Test
    default void forceNewClusterOnASurvivorKeepsEveryWriteItHadTakesNewOnesAndGrowsBackToThree() throws Exception {
        Stores nodeOne;
        Map<String, String> acknowledged = new TreeMap<>();
        try (LocalGroup old = new LocalGroup(GROUP)) {
            nodeOne = startNodesOneToThree(old);
            RaftNode survivor = old.nodes.get(1L);
            for (int i = 0; i < 30; i++) {
                acknowledged.put("k" + i, old.put("k" + i, "v" + i));
            }
            await().atMost(WAIT).until(() -> survivor.status().snapshotIndex() > 0);
            for (int i = 30; i < 45; i++) { // after the snapshot
                acknowledged.put("k" + i, old.put("k" + i, "v" + i));
            }
            acknowledged.put("k0", old.put("k0", "v0-again"));
            long commit = old.awaitLeader().status().commitIndex();
            await().atMost(WAIT).until(() -> survivor.status().applied() >= commit);
        } // the disaster: nodes 2 and 3 and their stores are gone for good

        Stores survivor = reopen(GROUP, 1, nodeOne);
        long lastIndex = survivor.log().lastIndex();
        long term = survivor.log().hardState().term();
        DisasterRecovery.ForcedCluster forced = DisasterRecovery.forceNewCluster(survivor.log(),
                survivor.snapshots(), 1, "node-1");
        assertThat(forced.previous().voters()).containsExactly(1L, 2L, 3L);
        assertThat(forced.membership()).isEqualTo(new Membership(List.of(1L), List.of(), Map.of(1L, "node-1")));
        assertThat(forced.configIndex()).isEqualTo(lastIndex + 1);
        assertThat(forced.term()).isGreaterThan(term);
        survivor = reopen(GROUP, 1, survivor);
        assertThat(survivor.log().lastIndex()).as("the forced configuration is durable").isEqualTo(lastIndex + 1);
        assertThat(survivor.log().hardState().term()).isEqualTo(forced.term());

        try (LocalGroup rebuilt = new LocalGroup(GROUP)) {
            RaftNode one = rebuilt.start(1, Map.of(1L, "node-1"), false, survivor.log(), survivor.snapshots());
            assertThat(rebuilt.awaitLeader().id()).isEqualTo(1);
            assertThat(one.membership().voters()).containsExactly(1L);
            assertReads(one, acknowledged);
            for (int i = 100; i < 110; i++) {
                acknowledged.put("k" + i, rebuilt.put("k" + i, "new-" + i));
            }
            for (long id = 4; id <= 5; id++) { // new ids: the lost nodes' never come back
                Stores fresh = newStores(GROUP, id);
                rebuilt.start(id, Map.of(1L, "node-1", id, "node-" + id), true, fresh.log(), fresh.snapshots());
                rebuilt.addAndPromote(id, "node-" + id);
            }
            assertThat(rebuilt.awaitLeader().membership().voters()).containsExactly(1L, 4L, 5L);
            acknowledged.put("k0", rebuilt.put("k0", "three-again"));
            for (RaftNode n : rebuilt.nodes.values()) {
                assertReads(n, acknowledged);
            }
            assertThat(rebuilt.nodes.get(4L).status().snapshotIndex()).as("node 4 caught up from a snapshot")
                    .isPositive();
        }
    }

    @Test
    default void seedFromSnapshotStartsANewGroupWithNewIdsFromAnOldGroupsState() throws Exception {
        Map<String, String> acknowledged = new TreeMap<>(); // the old group's data, as of its snapshot
        Stores nodeOne;
        try (LocalGroup old = new LocalGroup(GROUP)) {
            nodeOne = startNodesOneToThree(old);
            for (int i = 0; i < 30; i++) {
                acknowledged.put("k" + i, old.put("k" + i, "old-" + i));
            }
            long covered = old.awaitLeader().status().commitIndex();
            RaftNode one = old.nodes.get(1L);
            await().atMost(WAIT).until(() -> { // writes until node 1 has a snapshot covering the keys above
                old.put("filler", "f");
                return one.status().snapshotIndex() >= covered;
            });
        }

        Stores source = reopen(GROUP, 1, nodeOne);
        SnapshotMeta old = source.snapshots().latest().orElseThrow();
        long newGroup = 2;
        Membership fresh = new Membership(List.of(11L, 12L, 13L), List.of(),
                Map.of(11L, "node-11", 12L, "node-12", 13L, "node-13"));
        try (LocalGroup seeded = new LocalGroup(newGroup)) {
            for (long id = 11; id <= 13; id++) {
                Stores target = newStores(newGroup, id);
                SnapshotMeta meta = DisasterRecovery.seedFromSnapshot(source.snapshots(), target.log(),
                        target.snapshots(), id, fresh);
                assertThat(meta.sameDataAs(old)).as("%s is the data of %s", meta, old).isTrue();
                assertThat(meta.membership()).isEqualTo(fresh);
                target = reopen(newGroup, id, target);
                assertThat(target.log().firstIndex()).isEqualTo(old.index() + 1);
                assertThat(target.log().hardState()).isEqualTo(new HardState(old.term(), 0, old.index()));
                seeded.start(id, fresh.addresses(), false, target.log(), target.snapshots());
            }
            seeded.awaitLeader();
            acknowledged.put("k0", seeded.put("k0", "new"));
            acknowledged.put("k100", seeded.put("k100", "new"));
            for (RaftNode n : seeded.nodes.values()) {
                assertReads(n, acknowledged);
            }
        }
    }

    @Test
    default void aNodeSeededButCrashedBeforeItsLogWasResetStartsFromTheSnapshotNeverBelowItsTerm() throws Exception {
        KvStateMachine state = new KvStateMachine();
        for (long i = 1; i <= 40; i++) {
            state.apply(i, Payload.ofUtf8("put k" + i + " v" + i));
        }
        Membership alone = new Membership(List.of(21L), List.of(), Map.of(21L, "node-21"));
        Stores seeded = newStores(3, 21);
        seeded.snapshots().save(40, 7, alone, state.snapshot()); // what seedFromSnapshot writes first; then a crash
        assertThat(seeded.log().hardState()).isEqualTo(HardState.EMPTY);
        try (LocalGroup group = new LocalGroup(3)) {
            RaftNode node = group.start(21, alone.addresses(), false, seeded.log(), seeded.snapshots());
            assertThat(group.awaitLeader().id()).isEqualTo(21);
            assertThat(group.put("k41", "v41")).isEqualTo("v41");
            assertReads(node, Map.of("k1", "v1", "k40", "v40", "k41", "v41"));
        }
        assertThat(seeded.log().firstIndex()).isEqualTo(41);
        assertThat(seeded.log().hardState().term()).as("current term").isGreaterThan(7);
        assertThat(seeded.log().term(seeded.log().lastIndex())).as("the last entry's term").isGreaterThan(7);
    }

    @Test
    default void forceNewClusterRefusesBadInputAndLeavesTheStoresUntouched() throws IOException {
        Stores empty = newStores(GROUP, 1);
        assertRefusedUntouched(empty, () -> DisasterRecovery.forceNewCluster(empty.log(), empty.snapshots(), 1, null),
                IllegalStateException.class, "no entry and no snapshot");

        Membership learnerThree = new Membership(List.of(1L, 2L), List.of(3L), Map.of());
        Stores s = newStores(GROUP, 1);
        s.log().save(new HardState(2, 1, 2), List.of(Entry.noop(1, 1), Entry.config(2, 2, learnerThree),
                Entry.command(3, 2, Payload.ofUtf8("put k v"))), true);
        assertRefusedUntouched(s, () -> DisasterRecovery.forceNewCluster(s.log(), s.snapshots(), 9, null),
                IllegalArgumentException.class, "node 9 is not a voter");
        assertRefusedUntouched(s, () -> DisasterRecovery.forceNewCluster(s.log(), s.snapshots(), 3, null),
                IllegalArgumentException.class, "a learner");
        assertRefusedUntouched(s, () -> DisasterRecovery.forceNewCluster(s.log(), s.snapshots(), 0, null),
                IllegalArgumentException.class, "nodeId must be > 0");
        assertRefusedUntouched(s, () -> DisasterRecovery.forceNewCluster(s.log(), s.snapshots(), 1, " "),
                IllegalArgumentException.class, "address");

        Stores gap = newStores(GROUP, 1);
        List<Entry> entries = new ArrayList<>();
        for (long i = 1; i <= 10; i++) {
            entries.add(Entry.command(i, 1, Payload.ofUtf8("put k" + i + " v")));
        }
        gap.log().save(new HardState(1, 1, 10), entries, true);
        gap.log().compact(8);
        gap.snapshots().save(5, 1, Membership.ofVoters(List.of(1L, 2L, 3L)),
                out -> out.write("state".getBytes(StandardCharsets.UTF_8)));
        assertRefusedUntouched(gap, () -> DisasterRecovery.forceNewCluster(gap.log(), gap.snapshots(), 1, null),
                IllegalStateException.class, "older than the log");

        String before = describe(s);
        DisasterRecovery.forceNewCluster(s.log(), s.snapshots(), 1, null); // the same stores, good input
        assertThat(describe(s)).as("a successful call changes what the refusals left alone").isNotEqualTo(before);
    }

    @Test
    default void seedFromSnapshotRefusesBadInputAndCorruptDataAndLeavesTheStoresUntouched(@TempDir Path dir)
            throws IOException {
        Membership fresh = Membership.ofVoters(List.of(11L, 12L, 13L));
        Stores noSnapshot = newStores(GROUP, 1);
        Stores target = newStores(2, 11);
        assertRefusedUntouched(target, () -> DisasterRecovery.seedFromSnapshot(noSnapshot.snapshots(), target.log(),
                target.snapshots(), 11, fresh), IllegalStateException.class, "holds no snapshot");

        try (FileSnapshotStore source = FileSnapshotStore.open(dir)) {
            source.save(40, 3, Membership.ofVoters(List.of(1L, 2L, 3L)),
                    out -> out.write("the state of the old group".getBytes(StandardCharsets.UTF_8)));
            assertRefusedUntouched(target, () -> DisasterRecovery.seedFromSnapshot(source, target.log(),
                    target.snapshots(), 14, fresh), IllegalArgumentException.class, "node 14 is not a member");

            Stores usedLog = newStores(2, 11);
            usedLog.log().saveHardState(new HardState(1, 0, 0));
            assertRefusedUntouched(usedLog, () -> DisasterRecovery.seedFromSnapshot(source, usedLog.log(),
                    usedLog.snapshots(), 11, fresh), IllegalStateException.class, "log store is not empty");
            Stores usedSnapshots = newStores(2, 11);
            usedSnapshots.snapshots().save(1, 1, fresh, out -> out.write(1));
            assertRefusedUntouched(usedSnapshots, () -> DisasterRecovery.seedFromSnapshot(source, usedSnapshots.log(),
                    usedSnapshots.snapshots(), 11, fresh), IllegalStateException.class, "snapshot store is not empty");
            assertRefusedUntouched(target, () -> DisasterRecovery.seedFromSnapshot(source, target.log(), source, 11,
                    fresh), IllegalArgumentException.class, "must not be the source");
        }

        Path data;
        try (Stream<Path> files = Files.walk(dir)) {
            data = files.filter(p -> p.getFileName().toString().equals("data")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(data);
        bytes[3] ^= 0x20; // same length, so only the checksum tells
        Files.write(data, bytes);
        try (FileSnapshotStore corrupt = FileSnapshotStore.open(dir)) {
            assertRefusedUntouched(target, () -> DisasterRecovery.seedFromSnapshot(corrupt, target.log(),
                    target.snapshots(), 11, fresh), SnapshotCorruptException.class, "CRC32C");
        }
    }

    /** Starts nodes 1 to 3 of group {@link #GROUP} in {@code old}, each on new stores; returns node 1's stores. */
    private Stores startNodesOneToThree(LocalGroup old) {
        Map<Long, Stores> stores = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            Stores s = newStores(GROUP, id);
            stores.put(id, s);
            old.start(id, MEMBERS, false, s.log(), s.snapshots());
        }
        return stores.get(1L);
    }

    /** A step that is expected to throw. */
    interface Refused {
        void run() throws Exception;
    }

    private static void assertRefusedUntouched(Stores stores, Refused call, Class<? extends Exception> type,
                                               String message) {
        String before = describe(stores);
        assertThatThrownBy(call::run).isInstanceOf(type).hasMessageContaining(message);
        assertThat(describe(stores)).as("the stores after a refusal").isEqualTo(before);
    }

    /** Everything a recovery could change in {@code stores}. */
    private static String describe(Stores stores) {
        LogStore log = stores.log();
        List<Entry> entries = log.lastIndex() < log.firstIndex() ? List.of()
                : log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
        Optional<SnapshotMeta> latest = stores.snapshots().latest();
        return log.firstIndex() + ".." + log.lastIndex() + " (term before: " + log.term(log.firstIndex() - 1) + ") "
                + log.hardState() + " " + entries + " " + latest;
    }
}
