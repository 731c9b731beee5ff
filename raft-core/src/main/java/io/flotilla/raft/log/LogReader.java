package io.flotilla.raft.log;

import java.util.List;

/**
 * A read-only view of a node's durable log and hard state: what the pure core may read.
 *
 * <p>The core never writes through this view; every write leaves the core as an effect in a
 * {@code Ready} and the driver applies it to the {@link LogStore}. Called only from the thread that
 * drives the core.
 *
 * <p>Invariant: the indexes {@code firstIndex() .. lastIndex()} are contiguous. An empty log has
 * {@code lastIndex() == firstIndex() - 1}.
 */
public interface LogReader {
    /** The index of the first entry still held (1 until the prefix is compacted). */
    long firstIndex();

    /** The index of the last entry, or {@code firstIndex() - 1} if the log is empty. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}. Index {@code firstIndex() - 1} (0 for a fresh log)
     * answers the term of the last compacted entry (0 for a fresh log).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside {@code [firstIndex()-1, lastIndex()]}
     */
    long term(long index);

    /**
     * Entries {@code [from, to)}, in order, stopping early once their total {@link Entry#sizeBytes()}
     * would exceed {@code maxBytes} (at least one entry is returned if the range is not empty).
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [firstIndex(), lastIndex()+1]}
     */
    List<Entry> entries(long from, long to, long maxBytes);

    /** The last hard state saved, or {@link HardState#EMPTY}. */
    HardState hardState();
}
