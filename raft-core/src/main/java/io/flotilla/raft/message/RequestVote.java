package io.flotilla.raft.message;

/**
 * RequestVote RPC (Raft paper, Figure 2): invoked by candidates to gather votes (§5.2); with {@code preVote}, a
 * pre-candidate asks whether it could win an election before disrupting the cluster with a new term (thesis
 * §9.6). A pre-vote request carries the term the sender would campaign in, and changes no one's term or vote.
 *
 * @param lastLogIndex index of the candidate's last log entry (§5.4)
 * @param lastLogTerm  term of the candidate's last log entry (§5.4)
 * @param preVote      whether this is a PreVote request
 * @param transfer     whether the candidate campaigns because the leader handed leadership to it ({@link TimeoutNow},
 *                     thesis §3.10): voters then grant it even while they hear from that leader (no leader lease)
 */
public record RequestVote(long groupId, long from, long to, long term, long lastLogIndex, long lastLogTerm,
                          boolean preVote, boolean transfer) implements Message {
    public RequestVote {
        Message.checkHeader(groupId, from, to, term);
        if (lastLogIndex < 0 || lastLogTerm < 0) {
            throw new IllegalArgumentException("lastLogIndex/lastLogTerm must be >= 0");
        }
        if (preVote && transfer) {
            throw new IllegalArgumentException("a leadership transfer skips PreVote: preVote and transfer exclude each other");
        }
    }

    /** A vote request that is not part of a leadership transfer. */
    public RequestVote(long groupId, long from, long to, long term, long lastLogIndex, long lastLogTerm,
                       boolean preVote) {
        this(groupId, from, to, term, lastLogIndex, lastLogTerm, preVote, false);
    }

    /** A (real) vote request. */
    public RequestVote(long groupId, long from, long to, long term, long lastLogIndex, long lastLogTerm) {
        this(groupId, from, to, term, lastLogIndex, lastLogTerm, false, false);
    }
}
