package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;

import java.util.ArrayList;
import java.util.List;

/**
 * The tail of the log that is not yet known to be durable: entries the core has appended (as leader)
 * or accepted (as follower) but whose persist the driver has not yet acknowledged with
 * {@code advance}. Like etcd's {@code unstable}.
 *
 * <p>Invariant: {@code entries} are contiguous from {@code offset}; every index below {@code offset}
 * is durable in the log store (the store may also hold unsynced entries at {@code >= offset}, which
 * the core never reads).
 */
final class Unstable {
    private long offset;
    private final ArrayList<Entry> entries = new ArrayList<>();

    Unstable(long offset) {
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The last unstable index, or {@code offset - 1} if there is none. */
    long lastIndex() {
        return offset + entries.size() - 1;
    }

    Entry get(long index) {
        return entries.get(Math.toIntExact(index - offset));
    }

    List<Entry> snapshot() {
        return List.copyOf(entries);
    }

    /** Entries {@code [from, to)}, which must lie within the unstable range. */
    List<Entry> slice(long from, long to) {
        return entries.subList(Math.toIntExact(from - offset), Math.toIntExact(to - offset));
    }

    /**
     * Appends {@code ents}, first discarding everything at or after the first new index. If that index is
     * below {@code offset}, durable entries from there on are superseded: the next Ready rewrites them.
     */
    void truncateAndAppend(List<Entry> ents) {
        long first = ents.get(0).index();
        if (first <= offset) {
            offset = first;
            entries.clear();
        } else if (first <= lastIndex()) {
            entries.subList(Math.toIntExact(first - offset), entries.size()).clear();
        } else if (first != lastIndex() + 1) {
            throw new IllegalStateException("gap in unstable log: last " + lastIndex() + ", appending " + first);
        }
        entries.addAll(ents);
    }

    /** Empties the tail and restarts it at {@code newOffset}: the log now follows a snapshot ending just before. */
    void restore(long newOffset) {
        entries.clear();
        offset = newOffset;
    }

    /**
     * The driver made entries {@code [firstIndex, lastIndex]} durable. They leave the unstable tail only if
     * it still starts at {@code firstIndex} and still holds entry {@code lastIndex} of {@code lastTerm};
     * otherwise they were superseded while being written and the next Ready writes their replacements.
     *
     * @return the entries that left the tail (empty if none did)
     */
    List<Entry> stableTo(long firstIndex, long lastIndex, long lastTerm) {
        if (firstIndex != offset || lastIndex > lastIndex() || get(lastIndex).term() != lastTerm) {
            return List.of();
        }
        List<Entry> durable = entries.subList(0, Math.toIntExact(lastIndex + 1 - offset));
        List<Entry> moved = List.copyOf(durable);
        durable.clear();
        offset = lastIndex + 1;
        return moved;
    }
}
