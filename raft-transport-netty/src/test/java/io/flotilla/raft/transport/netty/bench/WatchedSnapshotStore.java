package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.IncomingSnapshot;
import io.flotilla.raft.snapshot.SnapshotStore;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * A {@link SnapshotStore} that delegates every call and records, for a test thread, when this node began receiving
 * each snapshot from a leader and when it installed one: so a benchmark can time a transfer from the follower's
 * side, and a test can check which snapshots arrived.
 */
final class WatchedSnapshotStore implements SnapshotStore {
    private final SnapshotStore delegate;
    private volatile long receives;
    private volatile SnapshotMeta receiving;
    private volatile long receiveStartedAtNanos;
    private volatile long installs;
    private volatile SnapshotMeta installed;
    private volatile long installedAtNanos;
    private volatile long installedReceiveStartedAtNanos;

    WatchedSnapshotStore(SnapshotStore delegate) {
        this.delegate = delegate;
    }

    /** How many transfers from a leader this node began (a transfer resumed after an interruption counts again). */
    long receives() {
        return receives;
    }

    /** How many received snapshots this node installed. */
    long installs() {
        return installs;
    }

    /** The last snapshot installed from a leader, or null. */
    SnapshotMeta installed() {
        return installed;
    }

    /** {@link System#nanoTime()} when the last installed snapshot was installed. */
    long installedAtNanos() {
        return installedAtNanos;
    }

    /** {@link System#nanoTime()} when the receipt of the last installed snapshot began (its last {@code receive}). */
    long installedReceiveStartedAtNanos() {
        return installedReceiveStartedAtNanos;
    }

    @Override
    public Optional<SnapshotMeta> latest() {
        return delegate.latest();
    }

    @Override
    public SnapshotMeta save(long index, long term, io.flotilla.raft.log.Membership membership, SnapshotWriter writer)
            throws IOException {
        return delegate.save(index, term, membership, writer);
    }

    @Override
    public InputStream open(SnapshotMeta meta, long offset) throws IOException {
        return delegate.open(meta, offset);
    }

    @Override
    public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
        IncomingSnapshot incoming = delegate.receive(meta);
        receiving = meta;
        receiveStartedAtNanos = System.nanoTime();
        receives++;
        return incoming;
    }

    @Override
    public void install(SnapshotMeta meta) throws IOException {
        delegate.install(meta);
        installedAtNanos = System.nanoTime();
        installedReceiveStartedAtNanos = meta.equals(receiving) ? receiveStartedAtNanos : 0;
        installed = meta;
        installs++;
    }

    @Override
    public void discardReceived() {
        delegate.discardReceived();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
