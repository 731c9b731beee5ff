package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * A node's snapshots (Raft paper §7): each is the state machine's data as of a log index, stored with its
 * {@link SnapshotMeta}. A node restarts from its newest snapshot plus the log after it.
 *
 * <p>Crash safety: {@link #save} and {@link #install} are atomic and durable when they return — after a crash the
 * store holds either the new snapshot, whole and checked, or not at all; partially written or received data is
 * discarded when the store is opened again. {@link #latest()} verifies nothing by itself; {@link #open} checks the
 * data against the metadata's size and checksum as it is read.
 *
 * <p>Snapshots are found by their whole {@link SnapshotMeta} (membership included). After {@link #close()} every call but
 * {@code close()} throws {@link IllegalStateException}.
 *
 * <p>Thread-safety: implementations are thread-safe. {@link #save} runs on a snapshot thread while the event loop
 * reads chunks of the latest snapshot and receives another.
 */
public interface SnapshotStore extends AutoCloseable {
    /** The newest snapshot held, if any. */
    Optional<SnapshotMeta> latest();

    /**
     * Writes a new snapshot of the state at ({@code index}, {@code term}) with {@code membership}, the group's
     * membership as of {@code index} (Figure 13's "last config"), stored in the snapshot's metadata: the data
     * comes from {@code writer}; size and checksum are computed on the way. Atomic and durable when it returns.
     * Snapshots older than the newest {@code retain} (a store setting) are deleted afterwards.
     *
     * @return the new snapshot's complete metadata
     */
    SnapshotMeta save(long index, long term, Membership membership, SnapshotWriter writer) throws IOException;

    /**
     * Reads the data of snapshot {@code meta} from {@code offset}. A stream read to the end from offset 0 checks
     * size and checksum and throws {@link SnapshotCorruptException} on a mismatch.
     *
     * @throws java.util.NoSuchElementException if the store does not hold that snapshot (any more)
     */
    InputStream open(SnapshotMeta meta, long offset) throws IOException;

    /**
     * Starts receiving snapshot {@code meta} from a leader (discarding any other snapshot being received).
     * The data becomes the node's snapshot only through {@link #install}.
     */
    IncomingSnapshot receive(SnapshotMeta meta) throws IOException;

    /**
     * Makes a received and completed snapshot one of this node's snapshots (atomic rename, durable when it returns),
     * then applies retention. {@link #latest()} is the snapshot with the highest (index, term), so installing one
     * older than the newest held does not make it the latest.
     *
     * @throws java.util.NoSuchElementException if no completed received snapshot equals {@code meta}
     */
    void install(SnapshotMeta meta) throws IOException;

    /** Deletes any received snapshot not (yet) installed. */
    void discardReceived();

    @Override
    void close();
}
