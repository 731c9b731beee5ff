package io.flotilla.raft.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStore} kept on the heap: for tests, examples and nodes that may lose their log on a
 * restart. Nothing survives {@link #close()}; while the store is open every write counts as durable,
 * so {@link #sync()} does nothing.
 *
 * <p>Called by the driver of the core (and by tests), from one thread at a time; it is not
 * thread-safe. After {@link #close()} every call except {@code close()} itself throws
 * {@link IllegalStateException}.
 */
public final class InMemoryLogStore implements LogStore {
    /** Invariant: {@code log.get(i).index() == firstIndex + i}, so the held indexes are contiguous. */
    private final ArrayList<Entry> log = new ArrayList<>();
    /** Invariant: {@code firstIndex >= 1}; 1 until the prefix is compacted or a snapshot installed. */
    private long firstIndex = 1;
    /** The term at {@code firstIndex - 1}: 0 before anything is compacted. */
    private long firstTermBefore = 0;
    private HardState hardState = HardState.EMPTY;
    private boolean closed;

    @Override
    public long firstIndex() {
        checkOpen();
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        checkOpen();
        return firstIndex + log.size() - 1;
    }

    @Override
    public long term(long index) {
        long last = lastIndex();
        if (index < firstIndex - 1 || index > last) {
            throw new IndexOutOfBoundsException("term(" + index + ") is outside [" + (firstIndex - 1) + ", " + last + "]");
        }
        return index == firstIndex - 1 ? firstTermBefore : entryAt(index).term();
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        long last = lastIndex();
        if (from < firstIndex || from > to || to > last + 1) {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + to + ") is not a range within ["
                    + firstIndex + ", " + (last + 1) + "]");
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            Entry e = entryAt(i);
            bytes += e.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    @Override
    public HardState hardState() {
        checkOpen();
        return hardState;
    }

    @Override
    public void append(List<Entry> entries) {
        checkOpen();
        if (entries.isEmpty()) {
            return;
        }
        long start = entries.get(0).index();
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != start + i) {
                throw new IllegalArgumentException("entries are not contiguous: index " + entries.get(i).index()
                        + " follows " + entries.get(i - 1).index());
            }
        }
        if (start < firstIndex) {
            throw new IllegalArgumentException("entries start at " + start + ", before firstIndex " + firstIndex);
        }
        long last = lastIndex();
        if (start > last + 1) {
            throw new IllegalArgumentException("entries start at " + start + ", leaving a gap after lastIndex " + last);
        }
        truncateSuffix(start);
        log.addAll(entries);
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        checkOpen();
        if (fromIndex < firstIndex) {
            throw new IllegalArgumentException("truncateSuffix(" + fromIndex + ") is before firstIndex " + firstIndex);
        }
        if (fromIndex <= lastIndex()) {
            log.subList(offsetOf(fromIndex), log.size()).clear();
        }
    }

    @Override
    public void saveHardState(HardState hardState) {
        checkOpen();
        this.hardState = Objects.requireNonNull(hardState, "hardState");
    }

    @Override
    public void compact(long throughIndex) {
        checkOpen();
        if (throughIndex < firstIndex) {
            return;
        }
        if (throughIndex > lastIndex() || throughIndex > hardState.commit()) {
            throw new IllegalArgumentException("compact(" + throughIndex + ") must be at most lastIndex " + lastIndex()
                    + " and the commit index " + hardState.commit());
        }
        long term = entryAt(throughIndex).term();
        log.subList(0, offsetOf(throughIndex) + 1).clear();
        firstIndex = throughIndex + 1;
        firstTermBefore = term;
    }

    @Override
    public void installSnapshot(long index, long term) {
        checkOpen();
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("snapshot index and term must be > 0, were " + index + " and " + term);
        }
        log.clear();
        firstIndex = index + 1;
        firstTermBefore = term;
    }

    /** Does nothing: memory is as durable as this store gets. */
    @Override
    public void sync() {
        checkOpen();
    }

    /** Drops the log; idempotent. */
    @Override
    public void close() {
        closed = true;
        log.clear();
    }

    private Entry entryAt(long index) {
        return log.get(offsetOf(index));
    }

    private int offsetOf(long index) {
        return Math.toIntExact(index - firstIndex);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("log store is closed");
        }
    }
}
