package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A three-node cluster of real {@link RaftNode}s in one JVM, on the {@link LocalNetwork}. */
class RaftNodeClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final LocalNetwork network = new LocalNetwork();
    private final Map<Long, String> members = Map.of(1L, "node-1:7001", 2L, "node-2:7002", 3L, "node-3:7003");
    private final Map<Long, GatedStore> stores = new TreeMap<>();
    private final Map<Long, RaftNode> nodes = new TreeMap<>();

    private RaftNode start(long id, RaftConfig config) {
        RaftNode node = RaftNode.start(config, stores.computeIfAbsent(id, k -> new GatedStore()),
                network.transport(id), new KvStateMachine());
        nodes.put(id, node);
        return node;
    }

    private RaftConfig config(long id) {
        return RaftConfig.of(1, id, members).withRequestLimits(Duration.ofSeconds(2), 1000);
    }

    private void startAll() {
        for (long id : members.keySet()) {
            start(id, config(id));
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

    private List<RaftNode> followers(RaftNode leader) {
        return nodes.values().stream().filter(n -> n != leader && n.status().running()).toList();
    }

    private static String get(CompletableFuture<Payload> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8();
    }

    private static String put(RaftNode n, String key, String value) throws Exception {
        return get(n.propose(Payload.ofUtf8("put " + key + " " + value)));
    }

    @Test
    void aProposalOnTheLeaderCompletesWithTheStateMachinesResult() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        assertThat(put(leader, "balance", "100")).isEqualTo("100");
        assertThat(get(leader.propose(Payload.ofUtf8("append balance 25")))).isEqualTo("10025");
    }

    @Test
    void aProposalOnAFollowerIsForwardedToTheLeader() throws Exception {
        startAll();
        RaftNode follower = followers(awaitLeader()).get(0);
        assertThat(put(follower, "x", "from-follower")).isEqualTo("from-follower");
        assertThat(get(follower.propose(Payload.ofUtf8("incr n")))).isEqualTo("1");
    }

    @Test
    void withoutForwardingAFollowerFailsFastNamingTheLeaderAndItsAddress() throws Exception {
        for (long id : members.keySet()) {
            start(id, config(id).withForwardProposals(false));
        }
        RaftNode leader = awaitLeader();
        RaftNode follower = followers(leader).get(0);
        await().atMost(WAIT).until(() -> follower.status().leaderId() == leader.id());
        assertThatThrownBy(() -> follower.propose(Payload.ofUtf8("put a b")).get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(NotLeaderException.class, e -> {
                    assertThat(e.leaderId()).isEqualTo(leader.id());
                    assertThat(e.leaderAddress()).isEqualTo(members.get(leader.id()));
                    assertThat(e.mayHaveTakenEffect()).isFalse();
                });
    }

    @Test
    void afterAWriteIsAcknowledgedEveryNodeReadsIt() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        for (int i = 1; i <= 20; i++) {
            put(nodes.get((long) (i % 3) + 1), "k", "v" + i);
            for (RaftNode n : nodes.values()) {
                assertThat(get(n.read(Payload.ofUtf8("get k")))).as("read on node %d after write %d", n.id(), i)
                        .isEqualTo("v" + i);
            }
        }
        assertThat(leader.status().commitIndex()).isGreaterThanOrEqualTo(21);
    }

    @Test
    void whenTheLeaderDiesANewOneIsElectedAndProposalsSucceedAgain() throws Exception {
        startAll();
        RaftNode first = awaitLeader();
        put(first, "k", "before");
        first.close();
        RaftNode second = awaitLeader();
        assertThat(second).isNotSameAs(first);
        assertThat(second.status().term()).isGreaterThan(first.status().term());
        assertThat(get(second.read(Payload.ofUtf8("get k")))).isEqualTo("before");
        RaftNode other = followers(second).get(0);
        assertThat(put(other, "k", "after")).isEqualTo("after");
        assertThat(get(second.read(Payload.ofUtf8("get k")))).isEqualTo("after");
    }

    @Test
    void aNodeRestartedOnItsLogStoreRejoinsWithItsState() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        put(leader, "k", "1");
        RaftNode follower = followers(leader).get(0);
        long id = follower.id();
        follower.close();
        put(leader, "k", "2");
        RaftNode restarted = start(id, config(id));
        assertThat(get(restarted.read(Payload.ofUtf8("get k")))).isEqualTo("2");
        await().atMost(WAIT).until(() -> restarted.status().applied() >= leader.status().commitIndex());
    }

    @Test
    void anIsolatedNodeAnswersReadsWithErrorsNeverWithStaleData() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        put(leader, "k", "old");
        RaftNode follower = followers(leader).get(0);
        await().atMost(WAIT).until(() -> follower.status().applied() >= leader.status().commitIndex());
        network.isolate(follower.id());
        put(leader, "k", "new");
        assertThatThrownBy(() -> follower.read(Payload.ofUtf8("get k")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfAny(RaftTimeoutException.class, NotLeaderException.class)
                .satisfies(e -> assertThat(((RaftException) e).mayHaveTakenEffect()).isFalse());
        network.reconnect(follower.id());
        await().atMost(WAIT).untilAsserted(() -> assertThat(get(follower.read(Payload.ofUtf8("get k")))).isEqualTo("new"));
    }

    @Test
    void aFullRequestQueueFailsFastWithOverloaded() throws Exception {
        for (long id : members.keySet()) {
            start(id, RaftConfig.of(1, id, members).withRequestLimits(Duration.ofSeconds(30), 2));
        }
        RaftNode leader = awaitLeader();
        RaftNode follower = followers(leader).get(0);
        network.isolate(follower.id());
        List<CompletableFuture<Payload>> stuck = new ArrayList<>();
        stuck.add(follower.read(Payload.ofUtf8("get k")));
        stuck.add(follower.read(Payload.ofUtf8("get k")));
        assertThatThrownBy(() -> follower.propose(Payload.ofUtf8("put k v")).get())
                .cause().isInstanceOf(OverloadedException.class);
        network.reconnect(follower.id());
        follower.close();
        for (CompletableFuture<Payload> f : stuck) {
            assertThat(f).isCompletedExceptionally();
        }
    }

    /**
     * A log store that counts synced writes of commands, and can hold the next one until released, so that a test
     * can make proposals arrive while the leader's disk write is in progress.
     */
    static final class GatedStore extends ForwardingLogStore {
        final java.util.concurrent.atomic.AtomicInteger syncedCommandWrites = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger commandsWritten = new java.util.concurrent.atomic.AtomicInteger();
        volatile java.util.concurrent.CountDownLatch gate;
        final java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);

        GatedStore() {
            super(new InMemoryLogStore());
        }

        @Override
        public void save(io.flotilla.raft.log.HardState hardState, List<io.flotilla.raft.log.Entry> entries, boolean sync) {
            long commands = entries.stream().filter(e -> e.type() == io.flotilla.raft.log.EntryType.COMMAND).count();
            if (sync && commands > 0) {
                syncedCommandWrites.incrementAndGet();
                commandsWritten.addAndGet((int) commands);
                java.util.concurrent.CountDownLatch g = gate;
                if (g != null) {
                    gate = null;
                    blocked.countDown();
                    try {
                        g.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            super.save(hardState, entries, sync);
        }
    }

    @Test
    void proposalsArrivingDuringADurableWriteShareTheNextOne() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        GatedStore store = stores.get(leader.id());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        store.gate = release;
        int before = store.syncedCommandWrites.get();
        List<CompletableFuture<Payload>> futures = new ArrayList<>();
        futures.add(leader.propose(Payload.ofUtf8("incr n")));
        assertThat(store.blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("first write started").isTrue();
        for (int i = 1; i < 200; i++) {
            futures.add(leader.propose(Payload.ofUtf8("incr n")));
        }
        release.countDown();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(get(leader.read(Payload.ofUtf8("get n")))).isEqualTo("200");
        int writes = store.syncedCommandWrites.get() - before;
        System.out.println("group commit: 200 proposals, " + writes + " synced writes on the leader");
        assertThat(writes).as("synced writes for 200 proposals").isBetween(2, 3);
    }

    @Test
    void futuresNeverCompleteOnTheEventLoop() throws Exception {
        for (long id : members.keySet()) {
            start(id, config(id).withForwardProposals(false));
        }
        RaftNode leader = awaitLeader();
        RaftNode follower = followers(leader).get(0);
        await().atMost(WAIT).until(() -> follower.status().leaderId() == leader.id());
        java.util.concurrent.atomic.AtomicReference<String> thread = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<Payload> f = follower.propose(Payload.ofUtf8("put a b"));
        CompletableFuture<Void> observed = f.handle((r, e) -> {
            thread.set(Thread.currentThread().getName());
            return null;
        });
        observed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(f).isCompletedExceptionally();
        assertThat(thread.get()).doesNotEndWith("-loop");
    }

    @Test
    void closingANodeFailsTheRequestsWaitingForALeader() throws Exception {
        network.isolate(1);
        RaftNode lonely = start(1, config(1).withRequestLimits(Duration.ofSeconds(60), 100));
        CompletableFuture<Payload> read = lonely.read(Payload.ofUtf8("get k"));
        CompletableFuture<Payload> write = lonely.propose(Payload.ofUtf8("put k v"));
        lonely.close();
        for (CompletableFuture<Payload> f : List.of(read, write)) {
            assertThatThrownBy(() -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOf(NodeClosedException.class);
        }
    }

    @Test
    void aReadAskedOfALeaderThatDiesIsAnsweredByTheNextLeader() throws Exception {
        for (long id : members.keySet()) {
            start(id, config(id).withRequestLimits(Duration.ofSeconds(30), 1000));
        }
        RaftNode leader = awaitLeader();
        put(leader, "k", "v");
        RaftNode follower = followers(leader).get(0);
        await().atMost(WAIT).until(() -> follower.status().leaderId() == leader.id());
        network.isolate(leader.id()); // the follower's read-index request to it is lost
        CompletableFuture<Payload> read = follower.read(Payload.ofUtf8("get k"));
        assertThat(get(read)).isEqualTo("v");
        assertThat(follower.status().leaderId()).isNotEqualTo(leader.id());
    }

    @Test
    void anErrorInTheStateMachineStopsTheNodeVisibly() throws Exception {
        StateMachine fragile = new StateMachine() {
            private final KvStateMachine kv = new KvStateMachine();

            @Override
            public Payload apply(long index, Payload command) {
                if (command.toStringUtf8().equals("put boom now")) {
                    throw new StackOverflowError("simulated");
                }
                return kv.apply(index, command);
            }

            @Override
            public Payload query(Payload query) {
                return kv.query(query);
            }
        };
        RaftNode single = RaftNode.start(RaftConfig.of(1, 1, Map.of(1L, "solo")), new InMemoryLogStore(),
                network.transport(1), fragile);
        nodes.put(1L, single);
        assertThat(put(single, "k", "ok")).isEqualTo("ok");
        CompletableFuture<Payload> boom = single.propose(Payload.ofUtf8("put boom now"));
        await().atMost(WAIT).until(() -> single.failure() != null);
        assertThat(single.failure()).isInstanceOf(StackOverflowError.class);
        assertThat(single.status().running()).isFalse();
        assertThatThrownBy(() -> boom.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                .isInstanceOf(IndeterminateOutcomeException.class);
    }

    @Test
    void aCommandTheStateMachineRejectsFailsItsProposalOnly() throws Exception {
        startAll();
        RaftNode leader = awaitLeader();
        assertThatThrownBy(() -> leader.propose(Payload.ofUtf8("frobnicate k")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown command");
        assertThat(put(leader, "k", "still-fine")).isEqualTo("still-fine");
    }
}
