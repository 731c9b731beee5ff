package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;

import java.util.List;

/**
 * A {@link LogStore} that delegates every call and records, in volatile fields, what a test thread may not ask the
 * store itself while the node's event loop owns it: the log's bounds after each write, the last compaction, and the
 * last snapshot installed from a leader.
 */
final class WatchedLogStore implements LogStore {
    private final LogStore delegate;
    private volatile long first;
    private volatile long last;
    private volatile long installedIndex;
    private volatile long installs;

    WatchedLogStore(LogStore delegate) {
        this.delegate = delegate;
        bounds();
    }

    private void bounds() {
        first = delegate.firstIndex();
        last = delegate.lastIndex();
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
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long term(long index) {
        return delegate.term(index);
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        return delegate.entries(from, to, maxBytes);
    }

    @Override
    public HardState hardState() {
        return delegate.hardState();
    }

    @Override
    public void append(List<Entry> entries) {
        delegate.append(entries);
        bounds();
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        delegate.truncateSuffix(fromIndex);
        bounds();
    }

    @Override
    public void saveHardState(HardState hardState) {
        delegate.saveHardState(hardState);
    }

    @Override
    public void compact(long throughIndex) {
        delegate.compact(throughIndex);
        bounds();
    }

    @Override
    public void installSnapshot(long index, long term) {
        delegate.installSnapshot(index, term);
        bounds();
        installedIndex = index;
        installs++;
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        delegate.save(hardState, entries, sync); // the delegate's single write batch, not the default's three calls
        bounds();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
