package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.util.Objects;
import java.util.zip.CRC32C;

import static io.flotilla.raft.snapshot.VerifyingInputStream.describe;

/**
 * The {@link IncomingSnapshot} of both stores: checks offsets, size and checksum, and leaves where the bytes go
 * to a {@link Sink} (a file in a {@code recv-} directory, or heap chunks).
 *
 * <p>Used by the node's event loop, but its store may discard it from another thread (a new
 * {@link SnapshotStore#receive}, {@link SnapshotStore#discardReceived}, {@link SnapshotStore#close}), so every
 * method is synchronized. Lock order: a store takes its own lock before this one, never the reverse.
 *
 * @param <S> the kind of sink, which the store takes back to install the data
 */
final class ReceivingSnapshot<S extends ReceivingSnapshot.Sink> implements IncomingSnapshot {
    /** Where a received snapshot's bytes are kept. */
    interface Sink {
        /** Appends all of {@code data}. */
        void write(byte[] data) throws IOException;

        /** Called once after every byte was written and checked: makes the data durable. */
        void seal() throws IOException;

        /** Deletes the data; never throws (a failure is logged). */
        void discard();
    }

    private enum State {
        /** Accepting {@link #write}s. */
        RECEIVING,
        /** Every byte arrived and matched; waiting for {@link SnapshotStore#install}. */
        COMPLETE,
        /** Closed before completion, failed, or replaced: the data is gone. */
        DISCARDED,
        /** Handed to the store by {@link #takeCompleted}: no longer this object's to discard. */
        INSTALLED
    }

    private final SnapshotMeta meta;
    private final S sink;
    private final CRC32C crc = new CRC32C();
    /** Invariant: {@code 0 <= received <= meta.sizeBytes()}. */
    private long received;
    private State state = State.RECEIVING;

    ReceivingSnapshot(SnapshotMeta meta, S sink) {
        this.meta = Objects.requireNonNull(meta);
        this.sink = Objects.requireNonNull(sink);
    }

    @Override
    public SnapshotMeta meta() {
        return meta;
    }

    @Override
    public synchronized long received() {
        return received;
    }

    @Override
    public synchronized void write(byte[] data) throws IOException {
        Objects.requireNonNull(data, "data");
        checkState(State.RECEIVING, "write to");
        if (data.length > meta.sizeBytes() - received) {
            throw new IllegalArgumentException("a chunk of " + data.length + " bytes at offset " + received
                    + " runs past the end of snapshot " + describe(meta) + " (" + meta.sizeBytes() + " bytes)");
        }
        try {
            sink.write(data);
        } catch (IOException | RuntimeException e) {
            discard();  // how much of the chunk is stored is unknown
            throw e;
        }
        crc.update(data);
        received += data.length;
    }

    @Override
    public synchronized void complete() throws IOException {
        if (state == State.COMPLETE) {
            return;
        }
        checkState(State.RECEIVING, "complete");
        if (received != meta.sizeBytes() || crc.getValue() != meta.checksum()) {
            discard();
            throw new SnapshotCorruptException("received snapshot " + describe(meta) + " has " + received
                    + " bytes with CRC32C " + crc.getValue() + ", expected " + meta.sizeBytes()
                    + " bytes with CRC32C " + meta.checksum() + "; discarded");
        }
        try {
            sink.seal();
        } catch (IOException | RuntimeException e) {
            discard();
            throw e;
        }
        state = State.COMPLETE;
    }

    @Override
    public synchronized void close() {
        if (state == State.RECEIVING) {
            discard();
        }
    }

    /** Deletes the data unless it was installed; idempotent. Called by the store and on failures. */
    synchronized void discard() {
        if (state == State.RECEIVING || state == State.COMPLETE) {
            state = State.DISCARDED;
            sink.discard();
        }
    }

    /**
     * The sink, if this snapshot is complete and is {@code wanted}; from then on the caller owns the data (and
     * discards it if installing fails). Null otherwise, and nothing changes.
     */
    synchronized S takeCompleted(SnapshotMeta wanted) {
        if (state != State.COMPLETE || !meta.equals(wanted)) {
            return null;
        }
        state = State.INSTALLED;
        return sink;
    }

    private void checkState(State expected, String action) {
        if (state != expected) {
            throw new IllegalStateException("cannot " + action + " snapshot " + describe(meta) + ": it is "
                    + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
