package io.flotilla.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LogStore} must meet, as a JUnit 5 interface: a store's test class
 * implements it, supplies {@link #newStore()} and, if the store survives a restart,
 * {@link #reopen(LogStore)}, and inherits one test per rule. Shipped in raft-core's test-jar.
 *
 * <p>Every test closes the stores it opens, so {@code close()} must be idempotent (as
 * {@link AutoCloseable} asks).
 */
public interface LogStoreContract {
    /** A fresh, empty, open store. */
    LogStore newStore();

    /**
     * The same data opened again after {@code closed} was synced and closed (a process restart), or
     * {@code null} if this kind of store does not survive {@code close()}; then the restart tests are
     * skipped.
     */
    default LogStore reopen(LogStore closed) {
        return null;
    }

    /** Entries {@code [from, to)} with the given term, each carrying its index as text. */
    static List<Entry> entries(long from, long to, long term) {
        return LongStream.range(from, to).mapToObj(i -> Entry.command(i, term, Payload.ofUtf8("e" + i))).toList();
    }

    /** Every entry the store holds. */
    static List<Entry> all(LogReader store) {
        return store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE);
    }

    /** The terms of every entry the store holds, in order. */
    private static List<Long> terms(LogReader store) {
        return all(store).stream().map(Entry::term).toList();
    }

    @Test
    default void emptyStoreHasFirstIndexOneLastIndexZeroTermZeroAndNoHardState() {
        try (LogStore store = newStore()) {
            assertThat(store.firstIndex()).isEqualTo(1);
            assertThat(store.lastIndex()).isZero();
            assertThat(store.term(0)).isZero();
            assertThat(store.entries(1, 1, Long.MAX_VALUE)).isEmpty();
            assertThat(store.hardState()).isEqualTo(HardState.EMPTY);
        }
    }

    @Test
    default void appendedEntriesAreReadBackInOrderWithTheirTerms() {
        try (LogStore store = newStore()) {
            List<Entry> log = new ArrayList<>(entries(1, 3, 1));
            log.add(Entry.noop(3, 2));
            log.addAll(entries(4, 6, 3));
            store.append(log);

            assertThat(store.lastIndex()).isEqualTo(5);
            assertThat(all(store)).isEqualTo(log);
            assertThat(store.entries(2, 4, Long.MAX_VALUE)).isEqualTo(log.subList(1, 3));
            assertThat(store.term(0)).isZero();
            assertThat(terms(store)).containsExactly(1L, 1L, 2L, 3L, 3L);
        }
    }

    @Test
    default void appendingNoEntriesChangesNothing() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 3, 1));
            store.append(List.of());
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
        }
    }

    @Test
    default void appendKeepsNoReferenceToTheCallersList() {
        try (LogStore store = newStore()) {
            List<Entry> batch = new ArrayList<>(entries(1, 3, 1));
            store.append(batch);
            batch.clear();
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
        }
    }

    @Test
    default void appendRejectsNonContiguousEntriesAndChangesNothing() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 3, 1));
            List<Entry> holed = List.of(Entry.noop(3, 1), Entry.noop(5, 1));
            assertThatThrownBy(() -> store.append(holed)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("contiguous");
            List<Entry> backwards = List.of(Entry.noop(3, 1), Entry.noop(2, 1));
            assertThatThrownBy(() -> store.append(backwards)).isInstanceOf(IllegalArgumentException.class);
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
        }
    }

    @Test
    default void appendRejectsAGapAfterLastIndex() {
        try (LogStore store = newStore()) {
            assertThatThrownBy(() -> store.append(entries(2, 3, 1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gap");
            store.append(entries(1, 3, 1));
            assertThatThrownBy(() -> store.append(entries(4, 5, 1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gap");
            assertThat(store.lastIndex()).isEqualTo(2);
        }
    }

    @Test
    default void appendOverlappingTheLogReplacesTheConflictingSuffix() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 6, 1));
            store.append(entries(3, 5, 2));
            assertThat(store.lastIndex()).isEqualTo(4);
            assertThat(terms(store)).containsExactly(1L, 1L, 2L, 2L);
            assertThat(all(store).subList(2, 4)).isEqualTo(entries(3, 5, 2));
        }
    }

    @Test
    default void appendOverlappingAtTheLastIndexReplacesOnlyTheLastEntry() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 4, 1));
            store.append(entries(3, 5, 2));
            assertThat(terms(store)).containsExactly(1L, 1L, 2L, 2L);
        }
    }

    @Test
    default void appendAtFirstIndexReplacesTheWholeLog() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 6, 1));
            store.append(entries(1, 3, 2));
            assertThat(all(store)).isEqualTo(entries(1, 3, 2));
        }
    }

    @Test
    default void truncateSuffixInsideTheLogDeletesFromThatIndexOn() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 6, 1));
            store.truncateSuffix(3);
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
            assertThat(store.term(2)).isEqualTo(1);
            store.truncateSuffix(1);
            assertThat(store.lastIndex()).isZero();
            assertThat(store.term(0)).isZero();
        }
    }

    @Test
    default void truncateSuffixAtLastIndexDeletesOnlyTheLastEntry() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 6, 1));
            store.truncateSuffix(5);
            assertThat(all(store)).isEqualTo(entries(1, 5, 1));
        }
    }

    @Test
    default void truncateSuffixBeyondLastIndexIsANoOp() {
        try (LogStore store = newStore()) {
            store.truncateSuffix(1);
            store.append(entries(1, 6, 1));
            store.truncateSuffix(6);
            store.truncateSuffix(100);
            assertThat(all(store)).isEqualTo(entries(1, 6, 1));
        }
    }

    @Test
    default void entriesStopBeforeExceedingMaxBytes() {
        try (LogStore store = newStore()) {
            List<Entry> log = LongStream.rangeClosed(1, 10).mapToObj(i -> Entry.command(i, 1, Payload.copyOf(new byte[100]))).toList();
            store.append(log);
            long size = log.get(0).sizeBytes();
            assertThat(store.entries(1, 11, 3 * size)).isEqualTo(log.subList(0, 3));
            assertThat(store.entries(1, 11, 3 * size - 1)).isEqualTo(log.subList(0, 2));
            assertThat(store.entries(4, 6, 3 * size)).isEqualTo(log.subList(3, 5));
        }
    }

    @Test
    default void entriesReturnAtLeastOneEntryOfANonEmptyRangeWhateverMaxBytes() {
        try (LogStore store = newStore()) {
            store.append(List.of(Entry.command(1, 1, Payload.copyOf(new byte[1000])), Entry.noop(2, 1)));
            assertThat(store.entries(1, 3, 0)).extracting(Entry::index).containsExactly(1L);
            assertThat(store.entries(2, 3, 1)).extracting(Entry::index).containsExactly(2L);
        }
    }

    @Test
    default void readsOutsideTheLogThrowIndexOutOfBounds() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 4, 1));
            assertThatThrownBy(() -> store.term(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.term(4)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(0, 2, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(1, 5, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(3, 2, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(store.entries(4, 4, Long.MAX_VALUE)).isEmpty();
        }
    }

    @Test
    default void savedHardStateIsReadBackAndReplacedBySavingAgain() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 2, 1)); // a hard state's commit index never exceeds the log (LogStore Javadoc)
            store.saveHardState(new HardState(3, 2, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(3, 2, 1));
            store.saveHardState(new HardState(4, 0, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(4, 0, 1));
        }
    }

    @Test
    default void saveWritesTheHardStateAndTheEntries() {
        try (LogStore store = newStore()) {
            store.save(new HardState(1, 1, 0), entries(1, 3, 1), false);
            store.save(new HardState(2, 1, 2), entries(3, 4, 1), true);
            assertThat(all(store)).isEqualTo(entries(1, 4, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(2, 1, 2));
        }
    }

    @Test
    default void saveWithoutAHardStateOnlyAppendsAndWithoutEntriesOnlySavesTheHardState() {
        try (LogStore store = newStore()) {
            store.save(new HardState(1, 1, 0), List.of(), false);
            store.save(null, entries(1, 3, 1), true);
            assertThat(store.hardState()).isEqualTo(new HardState(1, 1, 0));
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
        }
    }

    @Test
    default void payloadBytesArePreservedExactly() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] mebibyte = new byte[1 << 20];
        new SplittableRandom(7).nextBytes(mebibyte);
        List<Payload> payloads = List.of(Payload.EMPTY, Payload.copyOf(new byte[1]), Payload.copyOf(new byte[17]),
                Payload.copyOf(everyByte), Payload.ofUtf8("h\u00e9llo \u2603"), Payload.copyOf(mebibyte));
        try (LogStore store = newStore()) {
            List<Entry> log = new ArrayList<>();
            for (Payload p : payloads) {
                log.add(Entry.command(log.size() + 1, 1, p));
            }
            store.append(log);
            assertThat(all(store)).isEqualTo(log);
            assertThat(store.entries(6, 7, 0).get(0).data().toByteArray()).isEqualTo(mebibyte);
        }
    }

    @Test
    default void manyEntriesAppendedInBatchesAreAllReadBack() {
        int count = 10_000;
        int batch = 97;
        List<Entry> log = LongStream.rangeClosed(1, count)
                .mapToObj(i -> Entry.command(i, 1 + i / 1000, Payload.ofUtf8("e" + i))).toList();
        try (LogStore store = newStore()) {
            for (int from = 0; from < count; from += batch) {
                store.append(log.subList(from, Math.min(from + batch, count)));
            }
            assertThat(store.lastIndex()).isEqualTo(count);
            assertThat(store.term(count)).isEqualTo(11);
            assertThat(all(store)).isEqualTo(log);
        }
    }

    @Test
    default void syncedWritesSurviveCloseAndReopen() {
        LogStore store = newStore();
        store.append(entries(1, 6, 1));
        store.truncateSuffix(4);
        store.append(entries(4, 5, 2));
        store.saveHardState(new HardState(2, 1, 3));
        store.save(new HardState(3, 0, 4), entries(5, 7, 3), true);
        List<Entry> log = all(store);
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            assertThat(all(reopened)).isEqualTo(log);
            assertThat(reopened.hardState()).isEqualTo(new HardState(3, 0, 4));
            assertThat(terms(reopened)).containsExactly(1L, 1L, 1L, 2L, 3L, 3L);
        }
    }

    @Test
    default void reopenedStoreAcceptsNewWrites() {
        LogStore store = newStore();
        store.append(entries(1, 4, 1));
        store.sync();
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            reopened.append(entries(3, 5, 2));
            reopened.saveHardState(new HardState(2, 2, 0));
            reopened.sync();
            assertThat(terms(reopened)).containsExactly(1L, 1L, 2L, 2L);
            assertThat(reopened.hardState()).isEqualTo(new HardState(2, 2, 0));
        }
    }

    @Test
    default void closeIsIdempotent() {
        LogStore store = newStore();
        store.close();
        store.close();
    }
}
