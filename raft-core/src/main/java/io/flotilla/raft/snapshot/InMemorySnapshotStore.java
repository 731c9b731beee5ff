package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.io.InputStream;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import static io.flotilla.raft.snapshot.VerifyingInputStream.describe;

/**
 * A {@link SnapshotStore} on the heap: for tests, the simulator and nodes that may lose their snapshots on a
 * restart. Nothing survives {@link #close()}; while the store is open every save and install counts as
 * durable. Deterministic: no clock, no randomness, no threads of its own.
 *
 * <p>Order and retention are those of {@link FileSnapshotStore}: the newest snapshot has the highest
 * (index, term), a later save or install of the same (index, term) being newer; all but the {@code retain}
 * newest are dropped after each save and install. A stream already open on a dropped snapshot reads on.
 *
 * <p>Thread-safe. {@link #save} runs its writer without holding the store's lock. Memory: each snapshot held
 * (and one being saved or received) takes its size in heap, in chunks of at most 1 MiB, without copies.
 * After {@link #close()} every method except {@code close()} throws {@link IllegalStateException}.
 */
public final class InMemorySnapshotStore implements SnapshotStore {
    private final int retain;
    private final Object mutex = new Object();

    /** Guarded by mutex. Every snapshot held, oldest first; invariant: at most {@code retain} between calls. */
    private final TreeMap<SnapshotId, Held> snapshots = new TreeMap<>();
    /** Guarded by mutex. The snapshot being received or received and not yet installed, if any. */
    private ReceivingSnapshot<HeapSink> received;
    /** Guarded by mutex. */
    private long nextGeneration = 1;
    /** Guarded by mutex. */
    private boolean closed;

    /** A snapshot held. The data is complete and no longer written to. */
    private record Held(SnapshotMeta meta, ByteChunks data) {
    }

    /** A store keeping the {@value FileSnapshotStore#DEFAULT_RETAIN} newest snapshots. */
    public InMemorySnapshotStore() {
        this(FileSnapshotStore.DEFAULT_RETAIN);
    }

    /**
     * A store keeping the {@code retain} newest snapshots.
     *
     * @throws IllegalArgumentException if {@code retain < 1}
     */
    public InMemorySnapshotStore(int retain) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        this.retain = retain;
    }

    @Override
    public Optional<SnapshotMeta> latest() {
        synchronized (mutex) {
            checkOpen();
            return snapshots.isEmpty() ? Optional.empty() : Optional.of(snapshots.lastEntry().getValue().meta());
        }
    }

    @Override
    public SnapshotMeta save(long index, long term, Membership membership, SnapshotWriter writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        ByteChunks data = new ByteChunks();
        ChecksummingOutputStream out = new ChecksummingOutputStream(data.outputStream());
        try {
            new SnapshotMeta(index, term, membership, 0, 0);  // checks the arguments before any work
            synchronized (mutex) {
                checkOpen();
            }
            writer.writeTo(out);
        } finally {
            writer.release();
        }
        SnapshotMeta meta = new SnapshotMeta(index, term, membership, out.count(), out.checksum());
        synchronized (mutex) {
            checkOpen();
            put(meta, data);
        }
        return meta;
    }

    @Override
    public InputStream open(SnapshotMeta meta, long offset) {
        Objects.requireNonNull(meta, "meta");
        if (offset < 0 || offset > meta.sizeBytes()) {
            throw new IllegalArgumentException("offset " + offset + " is outside snapshot " + describe(meta)
                    + " of " + meta.sizeBytes() + " bytes");
        }
        synchronized (mutex) {
            checkOpen();
            for (Held held : snapshots.descendingMap().values()) {
                if (held.meta().equals(meta)) {
                    return new VerifyingInputStream(held.data().inputStream(offset), meta, offset);
                }
            }
        }
        throw new NoSuchElementException("no snapshot " + meta + " in this store");
    }

    @Override
    public IncomingSnapshot receive(SnapshotMeta meta) {
        Objects.requireNonNull(meta, "meta");
        synchronized (mutex) {
            checkOpen();
            discardReceivedLocked();
            received = new ReceivingSnapshot<>(meta, new HeapSink());
            return received;
        }
    }

    @Override
    public void install(SnapshotMeta meta) {
        Objects.requireNonNull(meta, "meta");
        synchronized (mutex) {
            checkOpen();
            HeapSink completed = received == null ? null : received.takeCompleted(meta);
            if (completed == null) {
                throw new NoSuchElementException("no completed received snapshot " + meta);
            }
            received = null;
            put(meta, completed.data);
        }
    }

    @Override
    public void discardReceived() {
        synchronized (mutex) {
            checkOpen();
            discardReceivedLocked();
        }
    }

    @Override
    public void close() {
        synchronized (mutex) {
            if (!closed) {
                closed = true;
                discardReceivedLocked();
                snapshots.clear();
            }
        }
    }

    /** Adds a snapshot as the newest of its (index, term) and applies retention; guarded by mutex. */
    private void put(SnapshotMeta meta, ByteChunks data) {
        snapshots.put(new SnapshotId(meta.index(), meta.term(), nextGeneration++), new Held(meta, data));
        while (snapshots.size() > retain) {
            snapshots.pollFirstEntry();
        }
    }

    private void discardReceivedLocked() {
        if (received != null) {
            received.discard();
            received = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("snapshot store is closed");
        }
    }

    /** A received snapshot's bytes on the heap. Driven by its {@link ReceivingSnapshot}, under its lock. */
    private static final class HeapSink implements ReceivingSnapshot.Sink {
        private ByteChunks data = new ByteChunks();

        @Override
        public void write(byte[] bytes) {
            data.append(bytes, 0, bytes.length);
        }

        @Override
        public void seal() {
        }

        @Override
        public void discard() {
            data = new ByteChunks();  // lets the collector have the bytes even if the IncomingSnapshot lives on
        }
    }
}
