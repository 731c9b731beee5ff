package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;

import java.util.List;

/**
 * The most recently persisted entries, kept in memory so that the core hands committed entries to the state machine
 * and sends entries to followers without reading them back from the log store (hashicorp/raft's LogCache, the
 * entry cache of etcd's raft-engine). A contiguous run of at most {@link #maxBytes} bytes (by
 * {@link Entry#sizeBytes()}) and {@value #MAX_ENTRIES} entries; the oldest leave first. A read outside it goes to
 * the store, so the cache changes speed, never answers.
 *
 * <p>Invariant: the cached entries are contiguous and each equals the durable entry at its index; entries that a new
 * leader's entries supersede are dropped at once ({@link #truncateFrom}).
 */
final class EntryCache {
    static final int MAX_ENTRIES = 1 << 13;

    private final long maxBytes;
    private Entry[] ring = new Entry[256];
    private int head;
    private int size;
    private long bytes;

    EntryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The first cached index, or {@link Long#MAX_VALUE} when empty. */
    long firstIndex() {
        return size == 0 ? Long.MAX_VALUE : ring[head].index();
    }

    /** The last cached index, or {@link Long#MIN_VALUE} when empty. */
    long lastIndex() {
        return size == 0 ? Long.MIN_VALUE : ring[(head + size - 1) & (ring.length - 1)].index();
    }

    /** The entry at {@code index}, which must lie within [{@link #firstIndex()}, {@link #lastIndex()}]. */
    Entry get(long index) {
        return ring[(head + Math.toIntExact(index - ring[head].index())) & (ring.length - 1)];
    }

    /** Adds entries just made durable; a run that does not continue the cached one replaces it. */
    void append(List<Entry> entries) {
        if (entries.isEmpty() || maxBytes <= 0) {
            return;
        }
        if (size > 0 && entries.get(0).index() != lastIndex() + 1) {
            clear();
        }
        for (Entry e : entries) {
            if (size == ring.length) {
                grow();
            }
            ring[(head + size) & (ring.length - 1)] = e;
            size++;
            bytes += e.sizeBytes();
        }
        while (size > 0 && (bytes > maxBytes || size > MAX_ENTRIES)) {
            Entry first = ring[head];
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
            bytes -= first.sizeBytes();
        }
    }

    /** Drops the entries at and after {@code index}: a new leader's entries replace them. */
    void truncateFrom(long index) {
        while (size > 0 && lastIndex() >= index) {
            int last = (head + size - 1) & (ring.length - 1);
            bytes -= ring[last].sizeBytes();
            ring[last] = null;
            size--;
        }
    }

    void clear() {
        java.util.Arrays.fill(ring, null);
        head = 0;
        size = 0;
        bytes = 0;
    }

    private void grow() {
        Entry[] bigger = new Entry[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) & (ring.length - 1)];
        }
        ring = bigger;
        head = 0;
    }
}
