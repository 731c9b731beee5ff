package io.flotilla.raft.message;

/**
 * A follower's answer to a {@link SnapshotChunk}: how much of the snapshot it holds, so the leader sends on from
 * there — after a lost chunk, a duplicate, or a reconnect, the transfer resumes at {@code nextOffset} instead of
 * starting over.
 *
 * @param snapshotIndex the {@code meta.index()} of the snapshot being answered about
 * @param snapshotTerm  the {@code meta.term()} of that snapshot
 * @param nextOffset    the offset of the first byte the follower still needs
 * @param status        where the transfer stands on the follower's side
 */
public record SnapshotChunkAck(long groupId, long from, long to, long term, long snapshotIndex, long snapshotTerm,
                               long nextOffset, Status status) implements Message {
    /** The follower's side of a transfer. */
    public enum Status {
        /** Send on from {@code nextOffset}. */
        RECEIVING,
        /** Every byte arrived and checked out; the follower has handed the snapshot to its core. */
        DONE,
        /** The follower will not take this snapshot (stale term, failed checksum, storage error): stop sending. */
        REJECTED
    }

    public SnapshotChunkAck {
        Message.checkHeader(groupId, from, to, term);
        if (snapshotIndex < 0 || snapshotTerm < 0 || nextOffset < 0) {
            throw new IllegalArgumentException("snapshot index, term and offset must be >= 0");
        }
        java.util.Objects.requireNonNull(status, "status");
    }
}
