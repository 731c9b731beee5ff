package io.flotilla.raft.message;

/**
 * The leader's answer to a {@link ForwardProposal}.
 *
 * @param requestId  the follower's id for the proposal
 * @param outcome    what happened to the commands
 * @param firstIndex if appended: the index of the first command; else 0
 * @param lastIndex  if appended: the index of the last command; else 0
 * @param entryTerm  if appended: the term of the entries (the commands commit only as entries of this term)
 * @param leaderId   if not appended: the leader the answering node knows of, or 0
 */
public record ForwardProposalResponse(long groupId, long from, long to, long term, long requestId, Outcome outcome,
                                      long firstIndex, long lastIndex, long entryTerm, long leaderId)
        implements Message {
    /** What the leader did with forwarded commands. */
    public enum Outcome {
        /** Appended at {@code [firstIndex, lastIndex]} in {@code entryTerm}; not yet committed. */
        APPENDED,
        /** Not appended: the receiver is not the leader. Safe to retry. */
        NOT_LEADER,
        /** Not appended: the leader's limit on uncommitted data is reached. Safe to retry later. */
        OVERLOADED
    }

    public ForwardProposalResponse {
        Message.checkHeader(groupId, from, to, term);
        if (outcome == null) {
            throw new IllegalArgumentException("outcome is required");
        }
        if (firstIndex < 0 || lastIndex < firstIndex || entryTerm < 0 || leaderId < 0) {
            throw new IllegalArgumentException("invalid index range [" + firstIndex + ", " + lastIndex + "] or term/leader");
        }
        if (outcome == Outcome.APPENDED && (firstIndex < 1 || entryTerm < 1)) {
            throw new IllegalArgumentException("an APPENDED outcome needs firstIndex >= 1 and entryTerm >= 1");
        }
    }
}
