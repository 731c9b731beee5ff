package io.flotilla.raft.message;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;

import java.util.Objects;

/**
 * One piece of a snapshot's data on its way from the leader to a follower (Raft paper, Figure 13: "offset: byte
 * offset where chunk is positioned in the snapshot file; data[]: raw bytes of the snapshot chunk, starting at
 * offset; done: true if this is the last chunk" — here done is {@code offset + data.size() == meta.sizeBytes()}).
 * Handled by the runtime's snapshot transfer, never by the core.
 *
 * @param meta     the snapshot being sent (the receiver checks the whole data against its size and checksum)
 * @param offset   where {@code data} starts in the snapshot's data
 * @param data     the bytes; empty only for an empty snapshot
 * @param checksum the CRC32C of {@code data}
 */
public record SnapshotChunk(long groupId, long from, long to, long term, SnapshotMeta meta, long offset, Payload data,
                            long checksum) implements Message {
    public SnapshotChunk {
        Message.checkHeader(groupId, from, to, term);
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(data, "data");
        // Written so that it cannot overflow: offset + data.size() wraps negative for an offset near Long.MAX_VALUE.
        if (offset < 0 || offset > meta.sizeBytes() - data.size()) {
            throw new IllegalArgumentException("chunk of " + data.size() + " bytes at offset " + offset
                    + " is outside the snapshot's " + meta.sizeBytes() + " bytes");
        }
        if (checksum < 0 || checksum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("checksum must be an unsigned 32-bit value, was " + checksum);
        }
    }

    /** Whether this is the last chunk (Figure 13's {@code done}). */
    public boolean done() {
        return offset + data.size() == meta.sizeBytes();
    }
}
