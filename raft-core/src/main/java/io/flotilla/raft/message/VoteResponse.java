package io.flotilla.raft.message;

/**
 * Result of a RequestVote RPC (Raft paper, Figure 2).
 *
 * @param term    the voter's current term, for the candidate to update itself
 * @param granted true means the candidate received the vote
 */
public record VoteResponse(long groupId, long from, long to, long term, boolean granted) implements Message {
    public VoteResponse {
        Message.checkHeader(groupId, from, to, term);
    }
}
