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
 * @param seq        the {@link AppendEntries#seq()} of the request this answers
 */
public record AppendResponse(long groupId, long from, long to, long term, boolean success, long matchIndex,
                             long rejectedIndex, long hintIndex, long hintTerm, long seq) implements Message {
    public AppendResponse {
        Message.checkHeader(groupId, from, to, term);
        if (matchIndex < 0 || rejectedIndex < 0 || hintIndex < 0 || hintTerm < 0 || seq < 0) {
            throw new IllegalArgumentException("indexes and terms must be >= 0");
        }
    }

    /** A response with sequence number 0. */
    public AppendResponse(long groupId, long from, long to, long term, boolean success, long matchIndex,
                          long rejectedIndex, long hintIndex, long hintTerm) {
        this(groupId, from, to, term, success, matchIndex, rejectedIndex, hintIndex, hintTerm, 0);
    }

    /** A successful response. */
    public static AppendResponse accept(long groupId, long from, long to, long term, long matchIndex) {
        return accept(groupId, from, to, term, matchIndex, 0);
    }

    /** A successful response to the request with sequence number {@code seq}. */
    public static AppendResponse accept(long groupId, long from, long to, long term, long matchIndex, long seq) {
        return new AppendResponse(groupId, from, to, term, true, matchIndex, 0, 0, 0, seq);
    }

    /** A rejection carrying the back-off hint. */
    public static AppendResponse reject(long groupId, long from, long to, long term, long rejectedIndex,
                                        long hintIndex, long hintTerm) {
        return reject(groupId, from, to, term, rejectedIndex, hintIndex, hintTerm, 0);
    }

    /** A rejection of the request with sequence number {@code seq}, carrying the back-off hint. */
    public static AppendResponse reject(long groupId, long from, long to, long term, long rejectedIndex,
                                        long hintIndex, long hintTerm, long seq) {
        return new AppendResponse(groupId, from, to, term, false, 0, rejectedIndex, hintIndex, hintTerm, seq);
    }
}
