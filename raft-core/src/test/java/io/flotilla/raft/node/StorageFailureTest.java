package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStoreException;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.flotilla.raft.node.LocalCluster.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Storage errors make a node fail-stop (docs/runtime.md, "Storage errors"): a failed fsync, a write failing with EIO
 * or a full disk (ENOSPC) stops the node — it sends nothing more, so it never acknowledges the append or vote the
 * failed write was to make durable; it fails its pending requests with a clear exception and reports the reason in
 * {@link RaftNode#failure()}, {@link NodeStatus#failure()} and {@link RaftListener#onStopped}. The rest of the group
 * goes on; restarted on its store, the node recovers from what is durable.
 */
class StorageFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A store whose writes can be made to fail: the next fsync (EIO), or every write (a full disk, ENOSPC). */
    private static final class FaultyLogStore extends ForwardingLogStore {
        volatile boolean failSyncs;
        volatile boolean full;
        /** Set, on the event loop, just before the first failure is thrown. */
        volatile boolean failed;

        FaultyLogStore() {
            super(new InMemoryLogStore());
        }

        @Override
        public void save(HardState hardState, List<Entry> entries, boolean sync) {
            checkSpace(hardState != null || !entries.isEmpty());
            super.save(hardState, entries, false);
            if (sync) {
                sync();
            }
        }

        @Override
        public void append(List<Entry> entries) {
            checkSpace(true);
            super.append(entries);
        }

        @Override
        public void saveHardState(HardState hardState) {
            checkSpace(true);
            super.saveHardState(hardState);
        }

        @Override
        public void sync() {
            if (failSyncs) {
                failed = true;
                throw new LogStoreException("fsync failed: EIO (test)");
            }
            super.sync();
        }

        private void checkSpace(boolean writes) {
            if (full && writes) {
                failed = true;
                throw new LogStoreException("write failed: ENOSPC, no space left on device (test)");
            }
        }
    }

    private final LocalNetwork network = new LocalNetwork();
    private final Map<Long, RaftNode> nodes = new TreeMap<>();
    private final Map<Long, FaultyLogStore> stores = new TreeMap<>();
    /** Per node, the messages it sent after its store first failed. */
    private final Map<Long, List<Message>> sentAfterFailure = new TreeMap<>();
    private final Map<Long, List<Throwable>> stopped = new TreeMap<>();

    private void start(int size) {
        for (long id = 1; id <= size; id++) {
            FaultyLogStore store = new FaultyLogStore();
            List<Message> afterFailure = new CopyOnWriteArrayList<>();
            Transport inner = network.transport(id);
            Transport watched = new Transport() {
                @Override
                public void start(Consumer<Message> receiver) {
                    inner.start(receiver);
                }

                @Override
                public void send(Message m) {
                    if (store.failed) {
                        afterFailure.add(m);
                    }
                    inner.send(m);
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
            RaftNode node = RaftNode.start(RaftConfig.of(1, id, LocalCluster.members(size))
                    .withTiming(Duration.ofMillis(10), Duration.ofMillis(300), Duration.ofMillis(50))
                    .withRequestLimits(Duration.ofSeconds(5), 1000), store, watched, new KvStateMachine());
            List<Throwable> stops = new CopyOnWriteArrayList<>();
            node.addListener(new RaftListener() {
                @Override
                public void onStopped(Throwable failure) {
                    stops.add(failure);
                }
            });
            stores.put(id, store);
            nodes.put(id, node);
            sentAfterFailure.put(id, afterFailure);
            stopped.put(id, stops);
        }
    }

    @AfterEach
    void close() {
        nodes.values().forEach(RaftNode::closeAsync);
    }

    private RaftNode awaitLeader() {
        return await().atMost(WAIT).until(() -> nodes.values().stream()
                .filter(n -> n.status().running() && n.status().role() == Role.LEADER).findFirst().orElse(null),
                n -> n != null);
    }

    private RaftNode awaitLeaderOtherThan(RaftNode excluded) {
        return await().atMost(WAIT).until(() -> nodes.values().stream()
                .filter(n -> n != excluded && n.status().role() == Role.LEADER).findFirst().orElse(null),
                n -> n != null);
    }

    /** The node stopped, says why everywhere, sent nothing after the failure, and refuses new requests clearly. */
    private void assertFailStopped(RaftNode node, String reason) {
        await().atMost(WAIT).until(() -> !node.status().running());
        NodeStatus s = node.status();
        assertThat(s.role()).isEqualTo(Role.FOLLOWER);
        assertThat(s.leaderId()).isZero();
        assertThat(s.healthy()).isFalse();
        assertThat(s.failure()).contains("storage error").contains(reason);
        assertThat(node.failure()).isInstanceOf(LogStoreException.class).hasMessageContaining(reason);
        await().atMost(WAIT).until(() -> !stopped.get(node.id()).isEmpty());
        assertThat(stopped.get(node.id())).containsExactly(node.failure());
        assertThat(sentAfterFailure.get(node.id())).as("messages sent after the failed write").isEmpty();
        assertThatThrownBy(() -> node.read(Payload.ofUtf8("get k")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(NodeClosedException.class).hasMessageContaining(reason);
    }

    @Test
    void aFollowerWhoseFsyncFailsStopsAndNeverAcknowledgesTheAppend() throws Exception {
        start(3);
        RaftNode leader = awaitLeader();
        put(leader, "k", "1");
        RaftNode follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        stores.get(follower.id()).failSyncs = true;

        put(leader, "k", "2"); // commits on the leader and the other follower

        assertFailStopped(follower, "fsync failed");
        assertThat(leader.status().role()).isEqualTo(Role.LEADER);
        assertThat(put(leader, "k", "3")).isEqualTo("3");
    }

    @Test
    void aLeaderWhoseFsyncFailsStopsFailsItsRequestsAndTheGroupElectsAnother() throws Exception {
        leaderFailsStop(store -> store.failSyncs = true, "fsync failed");
    }

    /**
     * A full disk fail-stops the node too (the simplest safe choice: a node that cannot write can neither append nor
     * vote, and stepping down while staying up would still leave it unable to follow).
     */
    @Test
    void aFullDiskStopsTheLeaderAndTheGroupGoesOn() throws Exception {
        leaderFailsStop(store -> store.full = true, "ENOSPC");
    }

    private void leaderFailsStop(Consumer<FaultyLogStore> fault, String reason) throws Exception {
        start(3);
        RaftNode leader = awaitLeader();
        put(leader, "k", "1");
        fault.accept(stores.get(leader.id()));

        CompletableFuture<Payload> write = leader.propose(Payload.ofUtf8("put k 2"));

        assertThatThrownBy(() -> write.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(RaftException.class, e -> assertThat(e.mayHaveTakenEffect())
                        .as("its append may have gone to the followers before the write failed").isTrue());
        assertFailStopped(leader, reason);
        RaftNode next = awaitLeaderOtherThan(leader);
        assertThat(put(next, "k", "3")).isEqualTo("3");
    }

    @Test
    void aFollowerWithAFullDiskStopsAndTheMajorityKeepsWriting() throws Exception {
        start(3);
        RaftNode leader = awaitLeader();
        RaftNode follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        stores.get(follower.id()).full = true;

        assertThat(put(leader, "k", "1")).isEqualTo("1");

        assertFailStopped(follower, "ENOSPC");
        assertThat(put(leader, "k", "2")).isEqualTo("2");
    }

    @Test
    void aNodeRestartedOnItsStoreAfterAFailedFsyncRejoins() throws Exception {
        start(3);
        RaftNode leader = awaitLeader();
        RaftNode follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        FaultyLogStore store = stores.get(follower.id());
        store.failSyncs = true;
        put(leader, "k", "1");
        assertFailStopped(follower, "fsync failed");

        store.failSyncs = false; // the disk was replaced or the error cleared; the node restarts on its store
        RaftNode restarted = RaftNode.start(RaftConfig.of(1, follower.id(), LocalCluster.members(3))
                .withTiming(Duration.ofMillis(10), Duration.ofMillis(300), Duration.ofMillis(50)), store,
                network.transport(follower.id()), new KvStateMachine());
        nodes.put(follower.id(), restarted);
        put(leader, "k", "2");
        await().atMost(WAIT).until(() -> restarted.status().applied() == leader.status().commitIndex());
        assertThat(restarted.status().failure()).isNull();
    }
}
