package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;

/**
 * A snapshot being received from the leader, written in order, chunk by chunk. Memory held is bounded by one
 * chunk: data goes to storage as it arrives. Used from one thread (the node's event loop).
 */
public interface IncomingSnapshot extends AutoCloseable {
    /** The snapshot being received. */
    SnapshotMeta meta();

    /** How many bytes have been written so far: the offset of the next chunk to accept. */
    long received();

    /**
     * Appends {@code data} at offset {@link #received()}.
     *
     * @throws IllegalArgumentException if the data would run past {@code meta().sizeBytes()}
     */
    void write(byte[] data) throws IOException;

    /**
     * Once every byte has been written: checks the size and the whole checksum against {@link #meta()}, makes the
     * data durable (fsync) and keeps it as <em>received</em> — ready for {@link SnapshotStore#install}, not yet
     * the node's snapshot.
     *
     * @throws SnapshotCorruptException if the size or checksum does not match (the data is discarded)
     */
    void complete() throws IOException;

    /** Discards the data unless {@link #complete()} succeeded; idempotent. */
    @Override
    void close();
}
