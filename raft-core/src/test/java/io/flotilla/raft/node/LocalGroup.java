package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RaftNode}s of one group on their own {@link LocalNetwork}, each with the {@link KvStateMachine} and the
 * stores the test gives it, snapshotting every 20 entries. Closing it closes the nodes, not the stores.
 */
final class LocalGroup implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final long groupId;
    private final LocalNetwork network = new LocalNetwork();
    final Map<Long, RaftNode> nodes = new TreeMap<>();

    LocalGroup(long groupId) {
        this.groupId = groupId;
    }

    /** Starts node {@code id} of a group whose members (for a joining node: the voters and itself) are given. */
    RaftNode start(long id, Map<Long, String> members, boolean joining, LogStore log, SnapshotStore snapshots) {
        RaftConfig config = RaftConfig.of(groupId, id, members).withRequestLimits(Duration.ofSeconds(5), 1000)
                .withSnapshots(SnapshotPolicy.defaults().withThresholds(20, 1L << 20, 5));
        RaftNode node = RaftNode.start(joining ? config.asJoining() : config, log, snapshots, network.transport(id),
                new KvStateMachine());
        nodes.put(id, node);
        return node;
    }

    RaftNode awaitLeader() {
        return await("a leader of group " + groupId).atMost(WAIT).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).until(() -> nodes.values().stream()
                .filter(n -> n.status().running() && n.status().role() == Role.LEADER)
                .max((a, b) -> Long.compare(a.status().term(), b.status().term())).orElse(null), n -> n != null);
    }

    /** {@code put key value} through the leader; returns the value once acknowledged. */
    String put(String key, String value) throws Exception {
        return awaitLeader().propose(Payload.ofUtf8("put " + key + " " + value))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8();
    }

    /**
     * Asserts that a linearizable read of every key on {@code node} returns the expected value. The reads are issued
     * together, so that they share the leader's confirmation rounds.
     */
    static void assertReads(RaftNode node, Map<String, String> expected) throws Exception {
        Map<String, CompletableFuture<Payload>> reads = new TreeMap<>();
        expected.keySet().forEach(key -> reads.put(key, node.read(Payload.ofUtf8("get " + key))));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = reads.get(e.getKey()).get(WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8();
            assertThat(got).as("node %d reads %s", node.id(), e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** Adds node {@code id} (already started, joining) as a learner and promotes it once it has caught up. */
    Membership addAndPromote(long id, String address) throws Exception {
        assertThat(awaitLeader().addLearner(id, address).get(WAIT.toSeconds(), TimeUnit.SECONDS).learners())
                .contains(id);
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(ExecutionException.class) // refused until it has caught up
                .until(() -> awaitLeader().promote(id).get(WAIT.toSeconds(), TimeUnit.SECONDS), m -> m.isVoter(id));
    }

    @Override
    public void close() {
        nodes.values().forEach(RaftNode::closeAsync);
        nodes.values().forEach(RaftNode::close);
    }
}
