package io.flotilla.raft.message;

/**
 * Leadership transfer (thesis §3.10): the leader, having brought the target's log up to date and stopped accepting
 * proposals, tells it to start an election at once, as if its election timeout had elapsed. The target campaigns
 * without PreVote, and its vote requests say so ({@link RequestVote#transfer()}), so voters grant them despite the
 * current leader's lease.
 */
public record TimeoutNow(long groupId, long from, long to, long term) implements Message {
    public TimeoutNow {
        Message.checkHeader(groupId, from, to, term);
    }
}
