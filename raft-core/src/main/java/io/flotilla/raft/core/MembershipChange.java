package io.flotilla.raft.core;

/**
 * One change to a group's membership, one server at a time (thesis §4.1). A new server joins as a learner, which
 * receives the log but does not vote, and is promoted to voter once it has caught up; any member can be removed.
 */
public sealed interface MembershipChange {
    /** The server the change is about. */
    long node();

    /** Adds {@code node} as a learner; {@code address} (may be null) tells the other members' transports where it is. */
    record AddLearner(long node, String address) implements MembershipChange {
    }

    /** Makes learner {@code node} a voter; refused until it has caught up with the leader's log. */
    record Promote(long node) implements MembershipChange {
    }

    /** Removes {@code node}, voter or learner. A leader that removes itself steps down once the change commits. */
    record Remove(long node) implements MembershipChange {
    }
}
