package io.flotilla.raft.core;

import java.util.List;
import java.util.Objects;

/**
 * Configuration of one {@link RaftCore}. Immutable and validated on construction: every error
 * names the field, its value and the constraint. Time is counted in ticks; the driver decides how
 * long a tick is (the runtime converts its {@code Duration}s).
 *
 * @param groupId            the Raft group this node belongs to ({@code >= 0}); messages of other groups are dropped
 * @param id                 this node's id ({@code > 0}), never reused
 * @param voters             the voters a new group starts with (its bootstrap membership), in effect until the log or a
 *                           snapshot records another (membership changes, thesis §4.1). A node that joins an existing
 *                           group as a learner lists the group's voters, without itself.
 * @param electionTicks      base election timeout; each timeout is drawn uniformly from
 *                           {@code [electionTicks, 2 * electionTicks)} (paper §5.2). Default 10. Larger values
 *                           make spurious elections rarer and fail-over slower.
 * @param heartbeatTicks     a leader sends AppendEntries to every follower at least this often. Must be
 *                           below {@code electionTicks}; default 1. Smaller values cost more messages.
 * @param maxAppendBytes     upper bound on the entry bytes carried by one AppendEntries (at least one entry
 *                           is always sent). Default 1 MiB.
 * @param maxInflightAppends how many AppendEntries carrying entries may be unacknowledged per follower while
 *                           replicating (pipelining window). Default 256.
 * @param maxInflightBytes   how many entry bytes may be unacknowledged per follower while replicating. Default 8 MiB.
 *                           Together with {@code maxInflightAppends} this bounds the memory a slow follower costs.
 * @param maxUncommittedBytes a leader refuses proposals while the entries it appended in its term and has not yet
 *                           committed exceed this many bytes (back-pressure instead of unbounded growth). Default 64 MiB.
 * @param preVote            run a PreVote round before each election (thesis §9.6), so a node that cannot win does
 *                           not raise the term and depose a healthy leader. Default on.
 * @param checkQuorum        a leader steps down if it has not heard from a majority within an election timeout
 *                           (thesis §6.2), and a node that heard from a leader within the timeout ignores vote
 *                           requests (leader lease). Default on.
 * @param brokenRule         test-only: a safety rule to disable, see {@link BrokenRule}. Always {@code NONE}
 *                           outside tests.
 */
public record CoreConfig(long groupId, long id, List<Long> voters, int electionTicks, int heartbeatTicks,
                         long maxAppendBytes, int maxInflightAppends, long maxInflightBytes,
                         long maxUncommittedBytes, boolean preVote, boolean checkQuorum, BrokenRule brokenRule) {
    public CoreConfig {
        Objects.requireNonNull(voters, "voters");
        Objects.requireNonNull(brokenRule, "brokenRule");
        if (groupId < 0) {
            throw new IllegalArgumentException("groupId must be >= 0, was " + groupId);
        }
        if (id <= 0) {
            throw new IllegalArgumentException("id must be > 0, was " + id);
        }
        voters = voters.stream().sorted().distinct().toList();
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("voters must not be empty");
        }
        if (voters.get(0) <= 0) {
            throw new IllegalArgumentException("voters must be positive ids, found " + voters.get(0));
        }
        if (electionTicks < 2) {
            throw new IllegalArgumentException("electionTicks must be >= 2, was " + electionTicks);
        }
        if (heartbeatTicks < 1 || heartbeatTicks >= electionTicks) {
            throw new IllegalArgumentException("heartbeatTicks must be in [1, electionTicks=" + electionTicks
                    + "), was " + heartbeatTicks);
        }
        if (maxAppendBytes < 1) {
            throw new IllegalArgumentException("maxAppendBytes must be >= 1, was " + maxAppendBytes);
        }
        if (maxInflightAppends < 1) {
            throw new IllegalArgumentException("maxInflightAppends must be >= 1, was " + maxInflightAppends);
        }
        if (maxInflightBytes < 1) {
            throw new IllegalArgumentException("maxInflightBytes must be >= 1, was " + maxInflightBytes);
        }
        if (maxUncommittedBytes < 1) {
            throw new IllegalArgumentException("maxUncommittedBytes must be >= 1, was " + maxUncommittedBytes);
        }
    }

    /** A configuration with default in-flight and uncommitted byte limits. */
    public CoreConfig(long groupId, long id, List<Long> voters, int electionTicks, int heartbeatTicks,
                      long maxAppendBytes, int maxInflightAppends, BrokenRule brokenRule) {
        this(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends, 8L << 20, 64L << 20,
                true, true, brokenRule);
    }

    /** A configuration with the defaults for everything but the identity of the node and its group. */
    public static CoreConfig of(long groupId, long id, List<Long> voters) {
        return new CoreConfig(groupId, id, voters, 10, 1, 1 << 20, 256, 8L << 20, 64L << 20, true, true,
                BrokenRule.NONE);
    }

    /** A copy with other election and heartbeat timeouts. */
    public CoreConfig withTicks(int electionTicks, int heartbeatTicks) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, preVote, checkQuorum, brokenRule);
    }

    /** A copy with other replication limits. */
    public CoreConfig withReplicationLimits(long maxAppendBytes, int maxInflightAppends) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, preVote, checkQuorum, brokenRule);
    }

    /** A copy with other flow-control and back-pressure limits. */
    public CoreConfig withByteLimits(long maxInflightBytes, long maxUncommittedBytes) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, preVote, checkQuorum, brokenRule);
    }

    /** A copy with PreVote and CheckQuorum switched on or off. */
    public CoreConfig withElectionSafeguards(boolean preVote, boolean checkQuorum) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, preVote, checkQuorum, brokenRule);
    }

    /** Test-only: a copy with one safety rule disabled. */
    public CoreConfig withBrokenRule(BrokenRule rule) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                maxInflightBytes, maxUncommittedBytes, preVote, checkQuorum, rule);
    }

    /** The number of votes (or replicas) that form a majority of the voters. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }
}
