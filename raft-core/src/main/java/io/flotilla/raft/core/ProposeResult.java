package io.flotilla.raft.core;

/** What {@link RaftCore#propose} did with a proposal. */
public sealed interface ProposeResult {
    /**
     * The leader appended the commands at {@code [firstIndex, lastIndex]} in {@code term}. They are
     * not yet committed: they commit once a majority stores them, or may be lost if this node loses
     * its leadership first.
     */
    record Accepted(long firstIndex, long lastIndex, long term) implements ProposeResult {
    }

    /**
     * This node is not the leader; nothing was appended, so retrying elsewhere is safe.
     *
     * @param leaderId the leader this node knows of in its current term, or 0 if none
     */
    record NotLeader(long leaderId) implements ProposeResult {
    }

    /**
     * This node is the leader but its uncommitted data exceeds {@link CoreConfig#maxUncommittedBytes()}; nothing
     * was appended. Retry later (back-pressure).
     */
    record Overloaded(long uncommittedBytes) implements ProposeResult {
    }
}
