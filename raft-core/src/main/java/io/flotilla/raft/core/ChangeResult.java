package io.flotilla.raft.core;

import io.flotilla.raft.log.Membership;

/** What became of a membership change or a leadership transfer asked of a core. */
public sealed interface ChangeResult {
    /** Accepted: for a membership change, the configuration entry was appended at {@code index} and is in effect. */
    record Accepted(long index, long term, Membership membership) implements ChangeResult {
    }

    /** This node is not the leader; {@code leaderId} is the leader it knows of, or 0. */
    record NotLeader(long leaderId) implements ChangeResult {
    }

    /** Refused, for the reason given; nothing was changed. */
    record Refused(String reason) implements ChangeResult {
    }
}
