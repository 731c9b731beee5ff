package io.flotilla.raft.message;

/**
 * RequestVote RPC (Raft paper, Figure 2): invoked by candidates to gather votes (§5.2).
 *
 * @param lastLogIndex index of the candidate's last log entry (§5.4)
 * @param lastLogTerm  term of the candidate's last log entry (§5.4)
 */
public record RequestVote(long groupId, long from, long to, long term, long lastLogIndex, long lastLogTerm)
        implements Message {
    public RequestVote {
        Message.checkHeader(groupId, from, to, term);
        if (lastLogIndex < 0 || lastLogTerm < 0) {
            throw new IllegalArgumentException("lastLogIndex/lastLogTerm must be >= 0");
        }
    }
}
