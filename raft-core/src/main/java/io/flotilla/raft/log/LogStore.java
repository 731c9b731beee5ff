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

    /**
     * Deletes every entry with index {@code >= fromIndex}; a no-op if {@code fromIndex > lastIndex()}.
     *
     * @throws IllegalArgumentException if {@code fromIndex < firstIndex()} (compacted entries cannot be deleted again)
     */
    void truncateSuffix(long fromIndex);

    /**
     * Replaces the hard state. Its commit index never exceeds {@link #lastIndex()} (the core never asks for that: a
     * node only learns an index is committed once it holds the entry); a store may refuse such a state.
     */
    void saveHardState(HardState hardState);

    /**
     * Discards the entries up to and including {@code throughIndex} (log compaction, paper §7), once a snapshot
     * covers them: afterwards {@code firstIndex() == throughIndex + 1} and {@code term(throughIndex)} still answers
     * that entry's term. A no-op if {@code throughIndex < firstIndex()}. Losing a compaction in a crash is harmless
     * (the entries come back); a store may sync it or not.
     *
     * @throws IllegalArgumentException if {@code throughIndex > lastIndex()} or beyond the saved commit index
     */
    void compact(long throughIndex);

    /**
     * Replaces the whole log with an empty log that follows a snapshot ending at ({@code index}, {@code term})
     * (Figure 13, InstallSnapshot receiver rule 7: "discard the entire log"): afterwards {@code firstIndex() ==
     * index + 1}, {@code lastIndex() == index} and {@code term(index) == term}. The hard state is kept. Durable at
     * the next sync; a crash leaves either the old log or the new one, never a mix. The driver installs only
     * snapshots beyond the saved commit index and then saves a hard state whose commit is the snapshot's index.
     */
    void installSnapshot(long index, long term);

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
