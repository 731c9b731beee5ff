package io.flotilla.raft.message;

/**
 * Result of an AppendEntries RPC (Raft paper, Figure 2), extended with the follower's fast back-off
 * hint (paper §5.3, "the follower can include the term of the conflicting entry and the first index
 * it stores for that term"; etcd's variant is used).
 *
 * @param term       the follower's current term, for the leader to update itself
 * @param success    true if the follower contained an entry matching prevLogIndex and prevLogTerm
 * @param matchIndex on success, the last index now known to match the leader's log
 *                   ({@code prevLogIndex + entries.size()}); on rejection, 0
 * @param rejectedIndex on rejection, the {@code prevLogIndex} that was rejected; on success, 0
 * @param hintIndex  on rejection, the largest index {@code <= min(rejectedIndex, lastIndex)} whose term
 *                   is {@code <= prevLogTerm} (the leader probes from there); on success, 0
 * @param hintTerm   on rejection, the follower's term at {@code hintIndex}; on success, 0
 */
public record AppendResponse(long groupId, long from, long to, long term, boolean success, long matchIndex,
                             long rejectedIndex, long hintIndex, long hintTerm) implements Message {
    public AppendResponse {
        Message.checkHeader(groupId, from, to, term);
        if (matchIndex < 0 || rejectedIndex < 0 || hintIndex < 0 || hintTerm < 0) {
            throw new IllegalArgumentException("indexes and terms must be >= 0");
        }
    }

    /** A successful response. */
    public static AppendResponse accept(long groupId, long from, long to, long term, long matchIndex) {
        return new AppendResponse(groupId, from, to, term, true, matchIndex, 0, 0, 0);
    }

    /** A rejection carrying the back-off hint. */
    public static AppendResponse reject(long groupId, long from, long to, long term, long rejectedIndex,
                                        long hintIndex, long hintTerm) {
        return new AppendResponse(groupId, from, to, term, false, 0, rejectedIndex, hintIndex, hintTerm);
    }
}
