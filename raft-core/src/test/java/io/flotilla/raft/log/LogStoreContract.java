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

    /** A CONFIG entry (thesis §4.1) keeps its whole membership: voters, learners and addresses. */
    @Test
    default void configEntriesAreReadBackWithTheirMembershipAlsoAfterReopen() {
        Membership membership = new Membership(List.of(1L, 2L, 3L), List.of(4L), java.util.Map.of(4L, "n4:7000"));
        List<Entry> log = new ArrayList<>(entries(1, 3, 1));
        log.add(Entry.config(3, 2, membership));
        log.add(Entry.config(4, 2, membership.promote(4)));
        log.addAll(entries(5, 7, 2));
        LogStore store = newStore();
        store.save(new HardState(2, 1, 4), log, true);
        assertThat(all(store)).isEqualTo(log);
        assertThat(store.entries(3, 4, Long.MAX_VALUE).get(0).membership()).isEqualTo(membership);
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            assertThat(all(reopened)).isEqualTo(log);
            assertThat(reopened.entries(4, 5, Long.MAX_VALUE).get(0).membership().voters())
                    .containsExactly(1L, 2L, 3L, 4L);
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

    // ---------------------------------------------------------------- compaction (Raft paper §7)

    /** Entries {@code [from, 11)} of a log of ten: term 1 at 1..3, term 2 at 4..6, term 3 at 7..10. */
    private static List<Entry> threeTerms(long from) {
        List<Entry> log = new ArrayList<>(entries(1, 4, 1));
        log.addAll(entries(4, 7, 2));
        log.addAll(entries(7, 11, 3));
        return List.copyOf(log.subList((int) from - 1, log.size()));
    }

    /** A store holding {@link #threeTerms} from index 1, with commit index {@code commit}. */
    private LogStore storeWithThreeTerms(long commit) {
        LogStore store = newStore();
        store.save(new HardState(3, 1, commit), threeTerms(1), false);
        return store;
    }

    @Test
    default void compactBelowFirstIndexIsANoOp() {
        try (LogStore store = newStore()) {
            store.compact(0);
            assertThat(store.firstIndex()).isEqualTo(1);
        }
        try (LogStore store = storeWithThreeTerms(8)) {
            store.compact(5);
            store.compact(4);
            store.compact(5);
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.term(5)).isEqualTo(2);
            assertThat(all(store)).isEqualTo(threeTerms(6));
        }
    }

    @Test
    default void compactMovesFirstIndexAndKeepsTheTermOfTheLastCompactedEntry() {
        try (LogStore store = storeWithThreeTerms(8)) {
            store.compact(5);
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.lastIndex()).isEqualTo(10);
            assertThat(store.term(5)).isEqualTo(2);
            assertThat(terms(store)).containsExactly(2L, 3L, 3L, 3L, 3L);
            assertThat(all(store)).isEqualTo(threeTerms(6));
            assertThat(store.hardState()).isEqualTo(new HardState(3, 1, 8));

            store.compact(6); // through the last entry of a term: the log now starts with a new term
            assertThat(store.firstIndex()).isEqualTo(7);
            assertThat(store.term(6)).isEqualTo(2);
            assertThat(store.term(7)).isEqualTo(3);
            assertThat(all(store)).isEqualTo(threeTerms(7));
        }
    }

    @Test
    default void readsOfCompactedEntriesThrowIndexOutOfBounds() {
        try (LogStore store = storeWithThreeTerms(8)) {
            store.compact(5);
            assertThatThrownBy(() -> store.term(4)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.term(0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.term(11)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(5, 7, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(1, 11, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(5, 5, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(store.entries(6, 6, Long.MAX_VALUE)).isEmpty();
            assertThat(store.entries(6, 8, Long.MAX_VALUE)).isEqualTo(threeTerms(6).subList(0, 2));
        }
    }

    @Test
    default void compactThroughTheLastEntryLeavesAnEmptyLogThatAppendsContinue() {
        try (LogStore store = newStore()) {
            store.save(new HardState(1, 1, 5), entries(1, 6, 1), false);
            store.compact(5);
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.lastIndex()).isEqualTo(5);
            assertThat(store.term(5)).isEqualTo(1);
            assertThat(store.entries(6, 6, Long.MAX_VALUE)).isEmpty();

            store.append(entries(6, 8, 2));
            assertThat(all(store)).isEqualTo(entries(6, 8, 2));
            assertThat(store.term(5)).isEqualTo(1);
        }
    }

    @Test
    default void appendAfterCompactionMayReplaceFromFirstIndexButNotStartBeforeIt() {
        try (LogStore store = storeWithThreeTerms(6)) {
            store.compact(6);
            store.append(entries(11, 13, 3));
            assertThat(store.lastIndex()).isEqualTo(12);

            store.append(entries(7, 9, 4)); // a new leader replaces everything after the compacted prefix
            assertThat(all(store)).isEqualTo(entries(7, 9, 4));
            assertThat(store.term(6)).isEqualTo(2);

            assertThatThrownBy(() -> store.append(entries(6, 8, 4))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("firstIndex");
            assertThat(all(store)).isEqualTo(entries(7, 9, 4));
        }
    }

    @Test
    default void truncateSuffixAfterCompactionMayEmptyTheLogButNotReachBeforeFirstIndex() {
        try (LogStore store = storeWithThreeTerms(6)) {
            store.compact(6);
            store.truncateSuffix(9);
            assertThat(all(store)).isEqualTo(threeTerms(7).subList(0, 2));
            store.truncateSuffix(7);
            assertThat(store.lastIndex()).isEqualTo(6);
            assertThat(store.term(6)).isEqualTo(2);

            assertThatThrownBy(() -> store.truncateSuffix(6)).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.firstIndex()).isEqualTo(7);
            assertThat(store.term(6)).isEqualTo(2);
            store.append(entries(7, 8, 4));
            assertThat(all(store)).isEqualTo(entries(7, 8, 4));
        }
    }

    /** Only committed entries may be compacted (a snapshot holds only committed state), and only entries held. */
    @Test
    default void compactBeyondTheCommitIndexOrTheLastIndexIsRejected() {
        try (LogStore store = storeWithThreeTerms(6)) {
            assertThatThrownBy(() -> store.compact(7)).isInstanceOf(IllegalArgumentException.class);
            store.saveHardState(new HardState(3, 1, 10));
            assertThatThrownBy(() -> store.compact(11)).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.firstIndex()).isEqualTo(1);
            assertThat(all(store)).isEqualTo(threeTerms(1));
            store.compact(10);
            assertThatThrownBy(() -> store.compact(11)).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.firstIndex()).isEqualTo(11);
        }
    }

    // ---------------------------------------------------------------- snapshot install (Figure 13)

    /** Figure 13, InstallSnapshot receiver rule 7: "discard the entire log"; the hard state is not part of the log. */
    @Test
    default void installSnapshotBeyondTheLogLeavesAnEmptyLogFollowingTheSnapshotAndKeepsTheHardState() {
        try (LogStore store = newStore()) {
            store.save(new HardState(2, 1, 3), entries(1, 6, 1), false);
            store.installSnapshot(20, 2);
            assertThat(store.firstIndex()).isEqualTo(21);
            assertThat(store.lastIndex()).isEqualTo(20);
            assertThat(store.term(20)).isEqualTo(2);
            assertThat(store.entries(21, 21, Long.MAX_VALUE)).isEmpty();
            assertThat(store.hardState()).isEqualTo(new HardState(2, 1, 3));
            assertThatThrownBy(() -> store.term(19)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.term(21)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(20, 21, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);

            store.append(entries(21, 23, 2));
            assertThat(all(store)).isEqualTo(entries(21, 23, 2));
            assertThat(store.term(20)).isEqualTo(2);
        }
    }

    @Test
    default void installSnapshotOnAnEmptyStore() {
        try (LogStore store = newStore()) {
            store.installSnapshot(5, 1);
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.lastIndex()).isEqualTo(5);
            assertThat(store.term(5)).isEqualTo(1);
            assertThat(store.hardState()).isEqualTo(HardState.EMPTY);
            store.append(entries(6, 7, 1));
            assertThat(all(store)).isEqualTo(entries(6, 7, 1));
        }
    }

    /** The entries after the snapshot go too, whatever their terms: the store does not apply rule 6, the core does. */
    @Test
    default void installSnapshotInsideTheLogDiscardsTheEntriesOnBothSides() {
        try (LogStore store = storeWithThreeTerms(4)) {
            store.installSnapshot(7, 4); // a term the log never had at index 7
            assertThat(store.firstIndex()).isEqualTo(8);
            assertThat(store.lastIndex()).isEqualTo(7);
            assertThat(store.term(7)).isEqualTo(4);
            assertThat(all(store)).isEmpty();
            assertThat(store.hardState()).isEqualTo(new HardState(3, 1, 4));
            assertThatThrownBy(() -> store.term(6)).isInstanceOf(IndexOutOfBoundsException.class);

            store.append(entries(8, 10, 4));
            assertThat(all(store)).isEqualTo(entries(8, 10, 4));
        }
    }

    /** A snapshot older than the log's start (the core never installs one, but the store does as asked). */
    @Test
    default void installSnapshotBelowACompactedLogDiscardsItToo() {
        try (LogStore store = storeWithThreeTerms(8)) {
            store.compact(8);
            store.installSnapshot(4, 2);
            assertThat(store.firstIndex()).isEqualTo(5);
            assertThat(store.lastIndex()).isEqualTo(4);
            assertThat(store.term(4)).isEqualTo(2);
            assertThat(all(store)).isEmpty();
            assertThat(store.hardState()).isEqualTo(new HardState(3, 1, 8));
            store.append(entries(5, 6, 2));
            assertThat(all(store)).isEqualTo(entries(5, 6, 2));
        }
    }

    @Test
    default void aSecondInstallSnapshotReplacesTheFirstAndWhatFollowedIt() {
        try (LogStore store = newStore()) {
            store.installSnapshot(20, 2);
            store.append(entries(21, 26, 3));
            store.installSnapshot(30, 4);
            assertThat(store.firstIndex()).isEqualTo(31);
            assertThat(store.lastIndex()).isEqualTo(30);
            assertThat(store.term(30)).isEqualTo(4);
            assertThat(all(store)).isEmpty();
            assertThatThrownBy(() -> store.term(20)).isInstanceOf(IndexOutOfBoundsException.class);

            store.installSnapshot(25, 3); // inside the first snapshot's range: only the latest counts
            assertThat(store.firstIndex()).isEqualTo(26);
            assertThat(store.term(25)).isEqualTo(3);
            store.append(entries(26, 28, 3));
            assertThat(all(store)).isEqualTo(entries(26, 28, 3));
        }
    }

    @Test
    default void compactAfterAnInstalledSnapshot() {
        try (LogStore store = newStore()) {
            store.installSnapshot(20, 2);
            store.save(new HardState(3, 1, 25), entries(21, 31, 3), false);
            store.compact(20); // the snapshot's own index is below firstIndex: a no-op
            assertThat(store.firstIndex()).isEqualTo(21);
            store.compact(25);
            assertThat(store.firstIndex()).isEqualTo(26);
            assertThat(store.term(25)).isEqualTo(3);
            assertThat(all(store)).isEqualTo(entries(26, 31, 3));
        }
    }

    // ---------------------------------------------------------------- compaction and snapshots across a restart

    @Test
    default void compactionSurvivesCloseAndReopen() {
        LogStore store = storeWithThreeTerms(8);
        store.compact(5);
        store.sync();
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            assertThat(reopened.firstIndex()).isEqualTo(6);
            assertThat(reopened.lastIndex()).isEqualTo(10);
            assertThat(reopened.term(5)).isEqualTo(2);
            assertThat(all(reopened)).isEqualTo(threeTerms(6));
            assertThat(reopened.hardState()).isEqualTo(new HardState(3, 1, 8));
            assertThatThrownBy(() -> reopened.term(4)).isInstanceOf(IndexOutOfBoundsException.class);
            reopened.append(entries(11, 12, 4));
            assertThat(reopened.term(11)).isEqualTo(4);
        }
    }

    @Test
    default void compactionOfTheWholeLogSurvivesCloseAndReopen() {
        LogStore store = storeWithThreeTerms(10);
        store.compact(10);
        store.sync();
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            assertThat(reopened.firstIndex()).isEqualTo(11);
            assertThat(reopened.lastIndex()).isEqualTo(10);
            assertThat(reopened.term(10)).isEqualTo(3);
            assertThat(all(reopened)).isEmpty();
        }
    }

    @Test
    default void installedSnapshotSurvivesCloseAndReopenAndSoDoEntriesAppendedAfterIt() {
        LogStore store = storeWithThreeTerms(4);
        store.installSnapshot(7, 4); // inside the log: no old entry on either side may come back
        store.sync();
        store.close();

        LogStore reopened = reopen(store);
        assumeTrue(reopened != null, "this store does not survive close()");
        try (reopened) {
            assertThat(reopened.firstIndex()).isEqualTo(8);
            assertThat(reopened.lastIndex()).isEqualTo(7);
            assertThat(reopened.term(7)).isEqualTo(4);
            assertThat(all(reopened)).isEmpty();
            assertThat(reopened.hardState()).isEqualTo(new HardState(3, 1, 4));
            reopened.save(new HardState(5, 2, 9), entries(8, 11, 5), true);
        }
        try (LogStore again = reopen(reopened)) {
            assertThat(again.firstIndex()).isEqualTo(8);
            assertThat(again.term(7)).isEqualTo(4);
            assertThat(all(again)).isEqualTo(entries(8, 11, 5));
            assertThat(again.hardState()).isEqualTo(new HardState(5, 2, 9));
        }
    }

    @Test
    default void closeIsIdempotent() {
        LogStore store = newStore();
        store.close();
        store.close();
    }
}
