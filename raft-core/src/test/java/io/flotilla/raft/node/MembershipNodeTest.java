package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Membership changes and leadership transfer on real {@link RaftNode}s (LocalNetwork), while a client writes: growing
 * 3 → 5 and shrinking back, replacing a failed node, and handing leadership over.
 */
class MembershipNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final LocalNetwork network = new LocalNetwork();
    private final Map<Long, String> initial = Map.of(1L, "node-1", 2L, "node-2", 3L, "node-3");
    private final Map<Long, RaftNode> nodes = new TreeMap<>();
    private final Map<Long, InMemoryLogStore> logs = new TreeMap<>();

    private RaftNode start(long id, boolean joining) {
        Map<Long, String> members = new TreeMap<>(initial);
        members.put(id, "node-" + id);
        RaftConfig config = RaftConfig.of(1, id, members).withRequestLimits(Duration.ofSeconds(3), 5000)
                .withSnapshots(SnapshotPolicy.defaults().withThresholds(200, 1L << 20, 50));
        if (joining) {
            config = config.asJoining();
        }
        RaftNode node = RaftNode.start(config, logs.computeIfAbsent(id, k -> new InMemoryLogStore()),
                network.transport(id), new KvStateMachine());
        nodes.put(id, node);
        return node;
    }

    @AfterEach
    void closeAll() {
        nodes.values().forEach(RaftNode::closeAsync);
    }

    private RaftNode awaitLeader() {
        return await().atMost(WAIT).until(() -> nodes.values().stream()
                .filter(n -> n.status().running() && n.status().role() == Role.LEADER)
                .max((a, b) -> Long.compare(a.status().term(), b.status().term())).orElse(null), n -> n != null);
    }

    /** Writes keys one after another through whichever node leads, until stopped; records what was acknowledged. */
    private final class Writer {
        final Map<String, String> acknowledged = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;
        volatile long lastAck = System.nanoTime();

        Writer() {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                for (int i = 0; i < 100_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                    String key = "k" + (i % 50);
                    String value = "v" + i;
                    try {
                        RaftNode leader = awaitLeader();
                        leader.propose(Payload.ofUtf8("put " + key + " " + value)).get(5, TimeUnit.SECONDS);
                        acknowledged.put(key, value);
                        lastAck = System.nanoTime();
                    } catch (Exception e) {
                        i--; // not acknowledged (it may or may not have been applied): write the same key again
                    }
                }
            }, "membership-test-writer");
            thread.setDaemon(true);
            thread.start();
        }

        int count() {
            return acknowledged.size();
        }

        void close() throws InterruptedException {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private void assertEveryMemberReads(Map<String, String> expected, Membership members) throws Exception {
        for (long id : members.members()) {
            RaftNode n = nodes.get(id);
            for (Map.Entry<String, String> e : expected.entrySet()) {
                String got = n.read(Payload.ofUtf8("get " + e.getKey())).get(WAIT.toSeconds(), TimeUnit.SECONDS)
                        .toStringUtf8();
                assertThat(got).as("node %d reads %s", id, e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Promotes a learner as soon as the leader considers it caught up. */
    private Membership promoteWhenCaughtUp(long id) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).ignoreExceptionsInstanceOf(ExecutionException.class)
                .until(() -> get(awaitLeader().promote(id)), m -> m.isVoter(id));
    }

    @Test
    void growThreeToFiveAndShrinkBackWhileAClientWrites() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id, false);
        }
        awaitLeader();
        Writer writer = new Writer();
        try {
            await().atMost(WAIT).until(() -> writer.count() >= 20);
            for (long id = 4; id <= 5; id++) {
                start(id, true);
                Membership m = get(awaitLeader().addLearner(id, "node-" + id));
                assertThat(m.learners()).contains(id);
                m = promoteWhenCaughtUp(id);
                assertThat(m.voters()).contains(id);
            }
            assertThat(awaitLeader().membership().voters()).containsExactly(1L, 2L, 3L, 4L, 5L);
            long grown = System.nanoTime();
            await().atMost(WAIT).until(() -> writer.lastAck > grown); // writes go on with five voters
            for (long id = 5; id >= 4; id--) {
                long removed = id;
                Membership m = await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                        .ignoreExceptionsInstanceOf(ExecutionException.class)
                        .until(() -> get(awaitLeader().remove(removed)), x -> !x.isMember(removed));
                assertThat(m.voters()).doesNotContain(id);
            }
            long shrunk = System.nanoTime();
            await().atMost(WAIT).until(() -> writer.lastAck > shrunk); // and with three again
        } finally {
            writer.close();
        }
        RaftNode leader = awaitLeader();
        assertThat(leader.membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(leader.peers()).extracting(PeerStatus::id).containsExactlyInAnyOrderElementsOf(
                leader.membership().voters().stream().filter(v -> v != leader.id()).toList());
        assertThat(leader.peers()).allSatisfy(p -> assertThat(p.voter()).isTrue());
        assertThat(writer.count()).isGreaterThanOrEqualTo(20);
        // No acknowledged write is lost: every member reads the last acknowledged value of every key.
        assertEveryMemberReads(Map.copyOf(writer.acknowledged), leader.membership());
    }

    @Test
    void aFailedNodeIsReplacedByANewOne() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id, false);
        }
        RaftNode leader = awaitLeader();
        Map<String, String> written = new TreeMap<>();
        for (int i = 0; i < 30; i++) {
            get(leader.propose(Payload.ofUtf8("put r" + i + " x" + i)));
            written.put("r" + i, "x" + i);
        }
        long failed = nodes.keySet().stream().filter(id -> id != leader.id()).findFirst().orElseThrow();
        nodes.remove(failed).close(); // gone for good
        network.isolate(failed);
        Membership m = get(leader.remove(failed));
        assertThat(m.voters()).hasSize(2).doesNotContain(failed);
        start(6, true);
        get(leader.addLearner(6, "node-6"));
        m = promoteWhenCaughtUp(6);
        assertThat(m.voters()).hasSize(3).contains(6L);
        get(awaitLeader().propose(Payload.ofUtf8("put after replacement")));
        written.put("after", "replacement");
        assertEveryMemberReads(written, awaitLeader().membership());
    }

    @Test
    void aChangeThatDoesNotApplyFailsWithTheReasonAndChangesNothing() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id, false);
        }
        RaftNode leader = awaitLeader();
        Membership before = leader.membership();
        assertThatThrownBy(() -> get(leader.promote(2)))
                .cause().isInstanceOf(MembershipChangeException.class).hasMessageContaining("not a learner");
        assertThatThrownBy(() -> get(leader.changeMembership(
                new io.flotilla.raft.core.MembershipChange.AddLearner(7, "node-7"), Membership.ofVoters(List.of(1L)))))
                .cause().isInstanceOf(MembershipChangeException.class).hasMessageContaining("not the expected");
        RaftNode follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThatThrownBy(() -> get(follower.addLearner(7, "node-7")))
                .cause().isInstanceOf(NotLeaderException.class);
        assertThat(leader.membership()).isEqualTo(before);
    }

    @Test
    void leadershipTransferHandsOverWithABriefPauseInWrites() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id, false);
        }
        RaftNode old = awaitLeader();
        get(old.propose(Payload.ofUtf8("put before transfer")));
        List<Long> others = nodes.keySet().stream().filter(id -> id != old.id()).toList();
        long target = others.get(0);
        RaftNode client = nodes.get(others.get(1)); // writes through the third node, which forwards to the leader
        // A client writes one command after another, recording when each is acknowledged.
        List<Long> acks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<Throwable> writeFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 100_000 && writing.get(); i++) {
                try {
                    get(client.propose(Payload.ofUtf8("put w " + i)));
                    acks.add(System.nanoTime());
                } catch (Exception e) {
                    writeFailure.set(e);
                    return;
                }
            }
        }, "writer");
        writer.start();
        await().atMost(WAIT).until(() -> acks.size() >= 50);
        long start = System.nanoTime();
        get(old.transferLeadership(target));
        long handedOver = System.nanoTime();
        RaftNode now = nodes.get(target);
        int before = acks.size();
        await().atMost(WAIT).until(() -> acks.size() >= before + 50);
        writing.set(false);
        writer.join(WAIT.toMillis());
        assertThat(writeFailure.get()).as("every write during the transfer succeeded").isNull();
        await().atMost(WAIT).until(() -> now.status().role() == Role.LEADER);

        // The write unavailability: the longest gap between consecutive acknowledgements around the transfer.
        long longestGap = 0;
        long typicalGap = Long.MAX_VALUE;
        for (int i = 1; i < acks.size(); i++) {
            long gap = acks.get(i) - acks.get(i - 1);
            if (acks.get(i) >= start && acks.get(i - 1) <= handedOver + TimeUnit.SECONDS.toNanos(1)) {
                longestGap = Math.max(longestGap, gap);
            }
            typicalGap = Math.min(typicalGap, gap);
        }
        System.out.println("leadership transfer: transferLeadership() completed after "
                + TimeUnit.NANOSECONDS.toMillis(handedOver - start) + " ms; longest gap between acknowledged writes "
                + "of a client writing one after another: " + TimeUnit.NANOSECONDS.toMillis(longestGap) + " ms "
                + "(shortest gap " + TimeUnit.NANOSECONDS.toMicros(typicalGap) + " us; election timeout "
                + RaftConfig.of(1, 1, initial).electionTimeout().toMillis() + " ms)");
        assertThat(longestGap).as("the transfer happened while the client wrote").isPositive();
        assertThat(get(old.read(Payload.ofUtf8("get before")))).isEqualTo(Payload.ofUtf8("transfer"));
        assertThatThrownBy(() -> get(now.transferLeadership(99)))
                .cause().isInstanceOf(MembershipChangeException.class).hasMessageContaining("not a voter");
    }
}
