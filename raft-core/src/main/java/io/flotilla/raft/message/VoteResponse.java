package io.flotilla.raft.message;

/**
 * Result of a RequestVote RPC (Raft paper, Figure 2), or of a PreVote request (thesis §9.6).
 *
 * @param term    the voter's current term, for the candidate to update itself; for a granted pre-vote, the term
 *                the pre-candidate asked about
 * @param granted true means the candidate received the vote
 * @param preVote whether this answers a PreVote request
 */
public record VoteResponse(long groupId, long from, long to, long term, boolean granted, boolean preVote)
        implements Message {
    public VoteResponse {
        Message.checkHeader(groupId, from, to, term);
    }

    /** The answer to a (real) vote request. */
    public VoteResponse(long groupId, long from, long to, long term, boolean granted) {
        this(groupId, from, to, term, granted, false);
    }
}
