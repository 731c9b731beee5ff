package io.flotilla.raft.log;

import java.util.List;

/**
 * A {@link LogStore} that delegates every call to another: the base of a decorator that changes or observes some
 * calls (a store that skips fsync for a benchmark, one that counts or delays writes in a test). Thread-safety is
 * the delegate's.
 */
public class ForwardingLogStore implements LogStore {
    private final LogStore delegate;

    public ForwardingLogStore(LogStore delegate) {
        this.delegate = delegate;
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
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        delegate.truncateSuffix(fromIndex);
    }

    @Override
    public void compact(long throughIndex) {
        delegate.compact(throughIndex);
    }

    @Override
    public void installSnapshot(long index, long term) {
        delegate.installSnapshot(index, term);
    }

    @Override
    public void saveHardState(HardState hardState) {
        delegate.saveHardState(hardState);
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        delegate.save(hardState, entries, sync);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
