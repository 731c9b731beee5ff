package io.flotilla.raft.log;

import java.util.List;

/**
 * A node's log and hard state, where the driver of the core persists what a {@code Ready} asks for.
 *
 * <p>Writes are applied in call order. A write is <em>durable</em> once a later {@link #sync()} (or a
 * {@link #save} with {@code sync = true}) has returned; after a crash, a store holds every durable
 * write and possibly some prefix of the writes that were not yet durable, never a torn entry.
 *
 * <p>Called from a single thread (the node's event loop); implementations need not be thread-safe.
 * Failures throw {@link LogStoreException}; the node stops on a storage error rather than continue
 * on state it cannot trust.
 *
 * <p>Every implementation runs the contract suite {@code LogStoreContract} from raft-core's test-jar.
 */
public interface LogStore extends LogReader, AutoCloseable {
    /**
     * Appends contiguous entries. If the first entry's index is at most {@link #lastIndex()}, the
     * entries from that index on are deleted first (a conflicting suffix is replaced).
     *
     * @throws IllegalArgumentException if the entries are not contiguous or would leave a gap after
     *                                  {@code lastIndex()}, or start before {@code firstIndex()}
     */
    void append(List<Entry> entries);

    /** Deletes every entry with index {@code >= fromIndex}; a no-op if {@code fromIndex > lastIndex()}. */
    void truncateSuffix(long fromIndex);

    /**
     * Replaces the hard state. Its commit index never exceeds {@link #lastIndex()} (the core never asks for that: a
     * node only learns an index is committed once it holds the entry); a store may refuse such a state.
     */
    void saveHardState(HardState hardState);

    /** Makes every earlier write durable (fsync). */
    void sync();

    /**
     * Saves a hard state (if not null) and appends entries (if any) as one write, then syncs if
     * asked. Implementations should make the pair atomic; the default calls the methods in order.
     */
    default void save(HardState hardState, List<Entry> entries, boolean sync) {
        if (!entries.isEmpty()) {
            append(entries);
        }
        if (hardState != null) {
            saveHardState(hardState);
        }
        if (sync) {
            sync();
        }
    }

    /** Releases the store's resources. Unsynced writes may be lost. */
    @Override
    void close();
}
