package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.ForwardingSnapshotStore;
import io.flotilla.raft.snapshot.IncomingSnapshot;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.io.IOException;

/**
 * A {@link SnapshotStore} that delegates every call and records, for a test thread, when this node began receiving
 * each snapshot from a leader and when it installed one: so a benchmark can time a transfer from the follower's
 * side, and a test can check which snapshots arrived.
 */
final class WatchedSnapshotStore extends ForwardingSnapshotStore {
    private volatile long receives;
    private volatile SnapshotMeta receiving;
    private volatile long receiveStartedAtNanos;
    private volatile long installs;
    private volatile SnapshotMeta installed;
    private volatile long installedAtNanos;
    private volatile long installedReceiveStartedAtNanos;

    WatchedSnapshotStore(SnapshotStore delegate) {
        super(delegate);
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
    public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
        IncomingSnapshot incoming = super.receive(meta);
        receiving = meta;
        receiveStartedAtNanos = System.nanoTime();
        receives++;
        return incoming;
    }

    @Override
    public void install(SnapshotMeta meta) throws IOException {
        super.install(meta);
        installedAtNanos = System.nanoTime();
        installedReceiveStartedAtNanos = meta.equals(receiving) ? receiveStartedAtNanos : 0;
        installed = meta;
        installs++;
    }
}
