package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.node.ForwardingLogStore;

import java.util.List;

/**
 * A {@link LogStore} that delegates every call and records, in volatile fields, what a test thread may not ask the
 * store itself while the node's event loop owns it: the log's bounds after each write, the last compaction, and the
 * last snapshot installed from a leader.
 */
final class WatchedLogStore extends ForwardingLogStore {
    private volatile long first;
    private volatile long last;
    private volatile long installedIndex;
    private volatile long installs;

    WatchedLogStore(LogStore delegate) {
        super(delegate);
        bounds();
    }

    private void bounds() {
        first = firstIndex();
        last = lastIndex();
    }

    /** The log's first index after the last write. */
    long first() {
        return first;
    }

    /** The log's last index after the last write. */
    long last() {
        return last;
    }

    /** How many snapshots from a leader replaced the log. */
    long installs() {
        return installs;
    }

    /** The index of the last snapshot that replaced the log, 0 if none. */
    long installedIndex() {
        return installedIndex;
    }

    @Override
    public void append(List<Entry> entries) {
        super.append(entries);
        bounds();
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        super.truncateSuffix(fromIndex);
        bounds();
    }

    @Override
    public void compact(long throughIndex) {
        super.compact(throughIndex);
        bounds();
    }

    @Override
    public void installSnapshot(long index, long term) {
        super.installSnapshot(index, term);
        bounds();
        installedIndex = index;
        installs++;
    }

    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        super.save(hardState, entries, sync); // the delegate's single write batch, not the default's three calls
        bounds();
    }
}
