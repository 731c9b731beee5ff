package io.flotilla.raft.node;

import io.flotilla.raft.core.CoreConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Configuration of a {@link RaftNode}. Immutable; validated when built, with messages naming the field, its value
 * and the constraint. Start from {@link #of} and adjust with the {@code with...} methods.
 *
 * @param groupId             the Raft group's id; every member must use the same one
 * @param nodeId              this node's id ({@code > 0}), never reused for another node
 * @param members             every voting member's id and address (the address is informational for the runtime:
 *                            it is reported in {@link NotLeaderException}; the transport resolves peers itself)
 * @param tickInterval        the core's unit of time. Default 10 ms.
 * @param electionTimeout     base election timeout; each is drawn from [t, 2t). Default 300 ms; at least 2 ticks,
 *                            rounded down to whole ticks. Longer: fewer spurious elections on a slow network, slower
 *                            fail-over.
 * @param heartbeatInterval   how often a leader sends heartbeats. Default 50 ms; below the election timeout.
 * @param forwardProposals    whether a follower forwards proposals to the leader (default) or fails them with
 *                            {@link NotLeaderException}
 * @param requestTimeout      how long a proposal or read may wait for its outcome before failing. Default 5 s.
 * @param maxPendingRequests  how many proposals and reads may be in flight on this node before new ones fail fast
 *                            with {@link OverloadedException}. Default 10,000.
 * @param maxAppendBytes      upper bound on the entry bytes in one AppendEntries. Default 1 MiB.
 * @param maxInflightAppends  pipelining window per follower, in messages. Default 256.
 * @param maxInflightBytes    pipelining window per follower, in bytes. Default 8 MiB.
 * @param maxUncommittedBytes a leader refuses proposals while more than this many bytes are uncommitted. Default 64 MiB.
 * @param snapshots           when to snapshot and compact the log, and how to send snapshots. Default
 *                            {@link SnapshotPolicy#defaults()}; takes effect with a state machine that takes snapshots
 *                            and a node started with a snapshot store.
 * @param joining             whether this node joins an existing group (as a learner the leader adds with
 *                            {@link RaftNode#addLearner}) rather than starting one: then {@code members} lists the
 *                            group's voters and this node, and this node starts as a non-voter that never campaigns
 *                            until the group's log makes it a voter. Default false.
 * @param preVote             run a PreVote round before each election (thesis §9.6): a node that cannot win (cut off,
 *                            or behind) does not raise its term, so rejoining does not depose a healthy leader.
 *                            Default on. Off: a follower partitioned for longer than an election timeout raises its
 *                            term on every timeout and, on rejoining, forces the leader to step down.
 * @param checkQuorum         a leader steps down when it has not heard from a majority for an election timeout
 *                            (thesis §6.2), and a node that heard from a leader within the timeout disregards
 *                            RequestVote (leader lease, §4.2.3). Default on. Off: a leader cut off from its majority
 *                            leads in its own eyes until it hears a higher term.
 * @param maxStall            how long a log write, or the state machine, may go without progress before this node
 *                            counts as stalled (a gray failure: a hung disk, a stuck apply): it then fails reads and
 *                            proposals at once with {@link NodeStalledException}, stops campaigning, and, if it
 *                            leads, hands leadership to its most up-to-date voter. Default 2 s; at least one tick.
 */
public record RaftConfig(long groupId, long nodeId, Map<Long, String> members, Duration tickInterval,
                         Duration electionTimeout, Duration heartbeatInterval, boolean forwardProposals,
                         Duration requestTimeout, int maxPendingRequests, long maxAppendBytes, int maxInflightAppends,
                         long maxInflightBytes, long maxUncommittedBytes, SnapshotPolicy snapshots, boolean joining,
                         boolean preVote, boolean checkQuorum, Duration maxStall) {
    public RaftConfig {
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(members, "members");
        members = new TreeMap<>(members);
        members = java.util.Collections.unmodifiableMap(members);
        positive("tickInterval", tickInterval);
        positive("electionTimeout", electionTimeout);
        positive("heartbeatInterval", heartbeatInterval);
        positive("requestTimeout", requestTimeout);
        positive("maxStall", maxStall);
        if (maxStall.compareTo(tickInterval) < 0) {
            throw new IllegalArgumentException("maxStall must be at least tickInterval (" + tickInterval + "), was "
                    + maxStall);
        }
        if (!members.containsKey(nodeId)) {
            throw new IllegalArgumentException("members " + members.keySet() + " must contain nodeId " + nodeId);
        }
        if (electionTimeout.compareTo(tickInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("electionTimeout must be at least 2 x tickInterval (" + tickInterval
                    + "), was " + electionTimeout);
        }
        if (heartbeatInterval.compareTo(tickInterval) < 0 || heartbeatInterval.compareTo(electionTimeout) >= 0) {
            throw new IllegalArgumentException("heartbeatInterval must be in [tickInterval=" + tickInterval
                    + ", electionTimeout=" + electionTimeout + "), was " + heartbeatInterval);
        }
        if (maxPendingRequests < 1) {
            throw new IllegalArgumentException("maxPendingRequests must be >= 1, was " + maxPendingRequests);
        }
        if (joining && members.size() < 2) {
            throw new IllegalArgumentException("a joining node lists the group's voters besides itself; members were "
                    + members.keySet());
        }
        toCoreConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval, maxAppendBytes,
                maxInflightAppends, maxInflightBytes, maxUncommittedBytes, joining); // validates the rest
    }

    private static void positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
    }

    /** A configuration with defaults for everything but the group, this node and the members. */
    public static RaftConfig of(long groupId, long nodeId, Map<Long, String> members) {
        return new RaftConfig(groupId, nodeId, members, Duration.ofMillis(10), Duration.ofMillis(300),
                Duration.ofMillis(50), true, Duration.ofSeconds(5), 10_000, 1 << 20, 256, 8L << 20, 64L << 20,
                SnapshotPolicy.defaults(), false, true, true, Duration.ofSeconds(2));
    }

    /** A copy with other timing. */
    public RaftConfig withTiming(Duration tickInterval, Duration electionTimeout, Duration heartbeatInterval) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy that forwards proposals from followers to the leader, or not. */
    public RaftConfig withForwardProposals(boolean forward) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval, forward,
                requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends, maxInflightBytes,
                maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy with another request timeout and bound on pending requests. */
    public RaftConfig withRequestLimits(Duration requestTimeout, int maxPendingRequests) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy with other replication and back-pressure limits. */
    public RaftConfig withReplicationLimits(long maxAppendBytes, int maxInflightAppends, long maxInflightBytes,
                                            long maxUncommittedBytes) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy for a node that joins an existing group as a learner (see {@code joining}). */
    public RaftConfig asJoining() {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, true, preVote, checkQuorum, maxStall);
    }

    /** A copy with another snapshot policy. */
    public RaftConfig withSnapshots(SnapshotPolicy snapshots) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy with PreVote and CheckQuorum (with the leader lease) switched on or off; both are on by default. */
    public RaftConfig withElectionSafeguards(boolean preVote, boolean checkQuorum) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** A copy with another bound on a stalled log write or state machine (see {@code maxStall}). */
    public RaftConfig withMaxStall(Duration maxStall) {
        return new RaftConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval,
                forwardProposals, requestTimeout, maxPendingRequests, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, snapshots, joining, preVote, checkQuorum, maxStall);
    }

    /** The snapshot transfer timeout in ticks (at least one). */
    int transferTimeoutTicks() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, snapshots.transferTimeout().toNanos() / tickInterval.toNanos()));
    }

    /** The pure core's configuration: durations converted to ticks. */
    public CoreConfig coreConfig() {
        return toCoreConfig(groupId, nodeId, members, tickInterval, electionTimeout, heartbeatInterval, maxAppendBytes,
                maxInflightAppends, maxInflightBytes, maxUncommittedBytes, joining)
                .withElectionSafeguards(preVote, checkQuorum);
    }

    private static CoreConfig toCoreConfig(long groupId, long nodeId, Map<Long, String> members, Duration tick,
                                           Duration election, Duration heartbeat, long maxAppendBytes,
                                           int maxInflightAppends, long maxInflightBytes, long maxUncommittedBytes,
                                           boolean joining) {
        int electionTicks = (int) Math.min(Integer.MAX_VALUE, election.toNanos() / tick.toNanos());
        int heartbeatTicks = (int) Math.max(1, heartbeat.toNanos() / tick.toNanos());
        List<Long> voters = new ArrayList<>(members.keySet());
        if (joining) {
            voters.remove(Long.valueOf(nodeId)); // the bootstrap membership: the group's voters, not this node
        }
        return CoreConfig.of(groupId, nodeId, voters)
                .withTicks(electionTicks, Math.min(heartbeatTicks, electionTicks - 1))
                .withReplicationLimits(maxAppendBytes, maxInflightAppends)
                .withByteLimits(maxInflightBytes, maxUncommittedBytes);
    }
}
