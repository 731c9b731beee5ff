package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.node.LocalNetwork;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.snapshot.InMemorySnapshotStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A coordination cluster in one JVM: {@code size} {@link RaftNode}s on a {@link LocalNetwork}, each with an
 * in-memory log and snapshot store, a {@link CoordinationStateMachine} and a {@link TimeKeeper}. A member can be
 * killed and restarted on its stores (fresh state machine: it restores from its newest snapshot and replays). For examples and tests; a real
 * deployment runs each member in its own process on a durable log.
 *
 * <p>Threading: thread-safe for {@link #members()} and {@link #leader()}; {@link #kill} and {@link #close} from one
 * thread at a time.
 */
public final class LocalCoordinationCluster implements AutoCloseable {
    private final LocalNetwork network = new LocalNetwork();
    private final Map<Long, RaftNode> nodes = new TreeMap<>();
    private final Map<Long, TimeKeeper> keepers = new TreeMap<>();
    private final Map<Long, InMemoryLogStore> logs = new TreeMap<>();
    private final Map<Long, InMemorySnapshotStore> snapshots = new TreeMap<>();
    private final Map<Long, RaftConfig> configs = new TreeMap<>();
    private final Duration tickInterval;

    /**
     * Starts nodes {@code 1..size} with a 10 ms tick, {@code electionTimeout}, heartbeats every fifth of it, and a
     * {@link TimeKeeper} ticking every {@code tickInterval}; default snapshot policy.
     */
    public LocalCoordinationCluster(int size, Duration electionTimeout, Duration tickInterval) {
        this(size, electionTimeout, tickInterval, SnapshotPolicy.defaults());
    }

    /** As above, snapshotting by {@code policy}. */
    public LocalCoordinationCluster(int size, Duration electionTimeout, Duration tickInterval, SnapshotPolicy policy) {
        this.tickInterval = tickInterval;
        Map<Long, String> members = new TreeMap<>();
        for (long id = 1; id <= size; id++) {
            members.put(id, "node-" + id);
        }
        for (long id = 1; id <= size; id++) {
            configs.put(id, RaftConfig.of(1, id, members)
                    .withTiming(Duration.ofMillis(10), electionTimeout, electionTimeout.dividedBy(5))
                    .withSnapshots(policy));
            logs.put(id, new InMemoryLogStore());
            snapshots.put(id, new InMemorySnapshotStore());
            start(id);
        }
    }

    private void start(long id) {
        CoordinationStateMachine sm = new CoordinationStateMachine();
        RaftNode node = RaftNode.start(configs.get(id), logs.get(id), snapshots.get(id), network.transport(id), sm);
        nodes.put(id, node);
        keepers.put(id, TimeKeeper.start(node, tickInterval));
    }

    /**
     * Restarts a killed member on its log and snapshot stores with a fresh state machine; returns the new node.
     * Clients connected before keep the old (closed) node in their list and use the other members.
     */
    public synchronized RaftNode restart(long id) {
        start(id);
        return nodes.get(id);
    }

    /** The members, in id order, including killed ones (a client fails over from those). */
    public synchronized List<RaftNode> members() {
        return new ArrayList<>(nodes.values());
    }

    /** The node that believes it leads, if one is running. */
    public synchronized Optional<RaftNode> leader() {
        return nodes.values().stream().filter(n -> n.status().running() && n.status().role() == Role.LEADER)
                .findFirst();
    }

    /** Stops member {@code id} as a crash would (its time keeper too). */
    public synchronized void kill(long id) {
        keepers.get(id).close();
        nodes.get(id).close();
    }

    /** Member {@code id}'s current node. */
    public synchronized RaftNode node(long id) {
        return nodes.get(id);
    }

    @Override
    public synchronized void close() {
        keepers.values().forEach(TimeKeeper::close);
        nodes.values().forEach(RaftNode::close);
    }
}
