package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.ForwardingLogStore;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The log's cache of persisted entries: served instead of the store, bounded, and never stale. */
class EntryCacheTest {
    private static List<Entry> entries(long from, long to, long term, int size) {
        return LongStream.range(from, to).mapToObj(i -> Entry.command(i, term, Payload.copyOf(new byte[size]))).toList();
    }

    /** A store that counts reads of entries. */
    private static final class CountingStore extends ForwardingLogStore {
        int reads;

        CountingStore() {
            super(new InMemoryLogStore());
        }

        @Override
        public List<Entry> entries(long from, long to, long maxBytes) {
            reads++;
            return super.entries(from, to, maxBytes);
        }
    }

    /** Appends as leader, persists like a driver would, and reports the log's entries as stable. */
    private static void appendDurably(RaftLog log, CountingStore store, List<Entry> ents) {
        log.append(ents);
        store.save(null, ents, true);
        log.stableTo(ents.get(0).index(), ents.get(ents.size() - 1).index(), ents.get(ents.size() - 1).term());
    }

    @Test
    void committedEntriesComeFromTheCacheNotTheStore() {
        CountingStore store = new CountingStore();
        RaftLog log = new RaftLog(store, 0);
        appendDurably(log, store, entries(1, 101, 1, 10));
        log.commitTo(100);

        List<Entry> committed = log.nextCommitted();

        assertThat(committed).extracting(Entry::index).containsExactlyElementsOf(LongStream.range(1, 101).boxed().toList());
        assertThat(store.reads).isZero();
    }

    @Test
    void entriesThatLeftTheCacheAreReadFromTheStoreAndTheTwoJoinSeamlessly() {
        CountingStore store = new CountingStore();
        RaftLog log = new RaftLog(store, 0);
        // More than the cache holds: the oldest entries are evicted and must come from the store.
        int size = 64 * 1024;
        long n = RaftLog.ENTRY_CACHE_BYTES / size + 50;
        for (long i = 1; i <= n; i += 10) {
            appendDurably(log, store, entries(i, i + 10, 1, size));
        }
        long last = log.lastIndex();

        List<Entry> all = new ArrayList<>();
        for (long from = 1; from <= last; ) {
            List<Entry> part = log.slice(from, last + 1, 4L << 20);
            all.addAll(part);
            from += part.size();
        }

        assertThat(all).extracting(Entry::index).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(store.reads).isPositive();
    }

    @Test
    void entriesANewLeaderReplacesNeverComeBackFromTheCache() {
        CountingStore store = new CountingStore();
        RaftLog log = new RaftLog(store, 0);
        appendDurably(log, store, entries(1, 11, 1, 10));
        // A new leader of term 2 overwrites entries 6..10 (not committed here).
        List<Entry> replacement = entries(6, 9, 2, 10);
        assertThat(log.appendFromLeader(replacement)).isEqualTo(6);
        store.save(null, replacement, true);
        log.stableTo(6, 8, 2);
        log.commitTo(8);

        List<Entry> committed = log.nextCommitted();

        assertThat(committed).extracting(Entry::term).containsExactly(1L, 1L, 1L, 1L, 1L, 2L, 2L, 2L);
        assertThat(log.lastIndex()).isEqualTo(8);
    }

    @Test
    void theCacheHoldsAtMostItsBudget() {
        EntryCache cache = new EntryCache(1000);
        cache.append(entries(1, 101, 1, 26)); // 50 bytes each by sizeBytes()

        assertThat(cache.lastIndex()).isEqualTo(100);
        assertThat(cache.firstIndex()).isEqualTo(81);
        cache.append(entries(150, 151, 1, 26)); // not contiguous: the old run goes
        assertThat(cache.firstIndex()).isEqualTo(150);
        cache.truncateFrom(150);
        assertThat(cache.firstIndex()).isEqualTo(Long.MAX_VALUE);
    }
}
