package io.flotilla.raft.message;

/**
 * A message between the members of one Raft group. Each kind is a record holding only its own
 * fields; every message carries the group it belongs to (so one transport can serve many groups),
 * its sender, its receiver, and the sender's current term.
 *
 * <p>Node ids are positive; 0 means "none". Messages are immutable values and safe to share.
 */
public sealed interface Message permits RequestVote, VoteResponse, AppendEntries, AppendResponse, ReadIndexRequest,
        ReadIndexResponse, ForwardProposal, ForwardProposalResponse, InstallSnapshot, SnapshotChunk, SnapshotChunkAck, TimeoutNow {
    /** The Raft group this message belongs to. */
    long groupId();

    /** The sending node. */
    long from();

    /** The receiving node. */
    long to();

    /** The sender's current term. */
    long term();

    /** Validates the fields common to every message. */
    static void checkHeader(long groupId, long from, long to, long term) {
        if (groupId < 0) {
            throw new IllegalArgumentException("groupId must be >= 0, was " + groupId);
        }
        if (from <= 0 || to <= 0) {
            throw new IllegalArgumentException("from and to must be positive node ids, were " + from + " and " + to);
        }
        if (term < 0) {
            throw new IllegalArgumentException("term must be >= 0, was " + term);
        }
    }
}
