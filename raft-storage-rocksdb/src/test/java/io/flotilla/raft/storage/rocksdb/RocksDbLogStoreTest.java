package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStoreContract;
import io.flotilla.raft.log.LogStoreException;
import io.flotilla.raft.log.Payload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.flotilla.raft.log.LogStoreContract.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What {@link RocksDbLogStore} promises beyond the {@code LogStore} contract. */
class RocksDbLogStoreTest {
    private static final RocksDbLogStore.Options OPTIONS = RocksDbLogStore.Options.of(7, 1);

    @TempDir
    Path dir;

    private RocksDbLogStore open() {
        return RocksDbLogStore.open(dir, OPTIONS);
    }

    @Test
    void optionsNameTheFieldTheValueAndTheConstraint() {
        assertThatThrownBy(() -> RocksDbLogStore.Options.of(-1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Options.clusterId must be >= 0 (the Raft group id), was -1");
        assertThatThrownBy(() -> RocksDbLogStore.Options.of(1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Options.nodeId must be > 0 (node ids start at 1), was 0");
        assertThat(RocksDbLogStore.Options.of(1, 2).withRepairTornTail(true))
                .isEqualTo(new RocksDbLogStore.Options(1, 2, true));
    }

    @Test
    void everyCallAfterCloseThrowsIllegalState() {
        RocksDbLogStore store = open();
        store.close();
        List<Runnable> calls = List.of(store::firstIndex, store::lastIndex, () -> store.term(0),
                () -> store.entries(1, 1, 0), store::hardState, () -> store.append(entries(1, 2, 1)),
                () -> store.truncateSuffix(1), () -> store.saveHardState(HardState.EMPTY), store::sync,
                () -> store.save(HardState.EMPTY, List.of(), true), () -> store.compact(1),
                () -> store.installSnapshot(1, 1));
        for (Runnable call : calls) {
            assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
        assertThat(store.toString()).contains("closed");
    }

    @Test
    void truncateSuffixBeforeFirstIndexAndNegativeMaxBytesAreRejected() {
        try (RocksDbLogStore store = open()) {
            store.append(entries(1, 3, 1));
            assertThatThrownBy(() -> store.truncateSuffix(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("before firstIndex 1");
            assertThatThrownBy(() -> store.entries(1, 2, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxBytes");
        }
    }

    /** §5.3: terms in a log never decrease; a store holding otherwise would refuse to open, so it refuses the write. */
    @Test
    void appendRejectsDecreasingTermsAndChangesNothing() {
        try (RocksDbLogStore store = open()) {
            store.append(entries(1, 3, 2));
            assertThatThrownBy(() -> store.append(entries(3, 4, 1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("terms must not decrease: entry 3 has term 1 after term 2");
            List<Entry> falling = List.of(Entry.noop(3, 3), Entry.noop(4, 2));
            assertThatThrownBy(() -> store.append(falling)).isInstanceOf(IllegalArgumentException.class);
            assertThat(LogStoreContract.all(store)).isEqualTo(entries(1, 3, 2));
            store.append(entries(2, 3, 3)); // replacing a suffix with a higher term is fine
            assertThat(store.term(2)).isEqualTo(3);
        }
    }

    @Test
    void closeMakesUnsyncedWritesDurable() {
        try (RocksDbLogStore store = open()) {
            store.save(new HardState(1, 1, 1), entries(1, 4, 1), false);
        }
        try (RocksDbLogStore store = open()) {
            assertThat(LogStoreContract.all(store)).isEqualTo(entries(1, 4, 1));
            assertThat(store.hardState()).isEqualTo(new HardState(1, 1, 1));
        }
    }

    @Test
    void directoryIsCreatedAndReported() {
        Path nested = dir.resolve("a/b/log");
        try (RocksDbLogStore store = RocksDbLogStore.open(nested, OPTIONS)) {
            assertThat(store.directory()).isEqualTo(nested.toAbsolutePath());
            assertThat(store.repairedTornTail()).isFalse();
            assertThat(store.toString()).contains(nested.toString(), "entries 1..0");
        }
    }

    @Test
    void aStoreThatIsAlreadyOpenIsRefused() {
        try (RocksDbLogStore store = open()) {
            assertThatThrownBy(this::open).isInstanceOf(LogStoreException.class)
                    .hasMessageContaining("cannot open RocksDB log store " + dir)
                    .hasMessageContaining("LOCK");
            assertThat(store.lastIndex()).isZero();
        }
    }

    // ---------------------------------------------------------------- prefix compaction

    @Test
    void compactDropsTheEntriesButKeepsTheTermBeforeTheLogAcrossReopen() {
        try (RocksDbLogStore store = open()) {
            store.save(new HardState(2, 1, 8), entries(1, 6, 1), false);
            store.append(entries(6, 11, 2));
            store.compact(7);
            assertThat(store.firstIndex()).isEqualTo(8);
            assertThat(store.term(7)).isEqualTo(2);
            assertThatThrownBy(() -> store.term(6)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.entries(7, 8, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> store.append(entries(7, 8, 2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("before firstIndex 8");
            store.compact(3); // already compacted: a no-op
            assertThat(store.firstIndex()).isEqualTo(8);
        }
        try (RocksDbLogStore store = open()) {
            assertThat(store.firstIndex()).isEqualTo(8);
            assertThat(store.term(7)).isEqualTo(2);
            assertThat(LogStoreContract.all(store)).isEqualTo(entries(8, 11, 2));
            store.truncateSuffix(8);
            assertThat(store.lastIndex()).isEqualTo(7);
            assertThat(store.term(7)).isEqualTo(2);
            store.append(entries(8, 9, 3));
            assertThat(LogStoreContract.all(store)).isEqualTo(entries(8, 9, 3));
        }
    }

    @Test
    void compactOfTheWholeLogLeavesAnEmptyLogAfterTheSnapshot() {
        try (RocksDbLogStore store = open()) {
            store.save(new HardState(1, 1, 5), entries(1, 6, 1), true);
            store.compact(5);
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.lastIndex()).isEqualTo(5);
            assertThat(store.term(5)).isEqualTo(1);
        }
        try (RocksDbLogStore store = open()) {
            assertThat(store.lastIndex()).isEqualTo(5);
            assertThat(store.entries(6, 6, 0)).isEmpty();
            store.append(entries(6, 7, 2));
            assertThat(store.term(6)).isEqualTo(2);
        }
    }

    @Test
    void compactRefusesEntriesThatAreNotCommittedOrNotThere() {
        try (RocksDbLogStore store = open()) {
            store.save(new HardState(1, 1, 3), entries(1, 6, 1), false);
            assertThatThrownBy(() -> store.compact(4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("compact(4) must be at most lastIndex 5 and the hard state's commit index 3");
            store.saveHardState(new HardState(1, 1, 5));
            assertThatThrownBy(() -> store.compact(6)).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.firstIndex()).isEqualTo(1);
        }
    }

    /**
     * {@code compact} only writes a range delete; RocksDB reclaims the space in the background (entries still
     * in the memtable are dropped when it is flushed, the rest by compaction). A node that keeps writing and
     * compacting, as one taking a snapshot every 10,000 entries does, keeps table files near the size of
     * what it retains, not of everything it ever wrote.
     */
    @Test
    void compactedEntriesAreReclaimedInTheBackground() {
        int rounds = 15;
        int perRound = 10_000;
        int retained = 1_000;
        SplittableRandom random = new SplittableRandom(1);
        long written = 0;
        try (RocksDbLogStore store = open()) {
            for (int round = 0; round < rounds; round++) {
                long last = store.lastIndex();
                for (long from = last + 1; from <= last + perRound; from += 500) {
                    List<Entry> batch = new ArrayList<>();
                    for (long i = from; i < from + 500; i++) {
                        byte[] incompressible = new byte[1024];
                        random.nextBytes(incompressible);
                        batch.add(Entry.command(i, 1, Payload.copyOf(incompressible)));
                    }
                    store.save(new HardState(1, 1, from + 499), batch, false);
                    written += 500 * 1024;
                }
                store.compact(store.lastIndex() - retained);
            }
            long bound = written / 4;
            await("table files below a quarter of the " + written + " bytes written").atMost(Duration.ofSeconds(60))
                    .until(() -> tableBytes() < bound);
            assertThat(store.firstIndex()).isEqualTo(rounds * perRound - retained + 1);
        }
        try (RocksDbLogStore store = open()) {
            assertThat(store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE)).hasSize(retained);
        }
    }

    /** The bytes in table files now; a file deleted while listed counts as gone. */
    private long tableBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().endsWith(".sst")) {
                    try {
                        total += Files.size(p);
                    } catch (NoSuchFileException deletedMeanwhile) {
                        // a compaction removed it
                    }
                }
            }
            return total;
        }
    }

    // ---------------------------------------------------------------- snapshot install

    @Test
    void installSnapshotRejectsANonPositiveIndexOrTerm() {
        try (RocksDbLogStore store = open()) {
            store.append(entries(1, 3, 1));
            assertThatThrownBy(() -> store.installSnapshot(0, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("installSnapshot: the snapshot's index and term must be > 0, were 0 and 1");
            assertThatThrownBy(() -> store.installSnapshot(5, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThat(LogStoreContract.all(store)).isEqualTo(entries(1, 3, 1));
        }
    }

    /** §5.3: terms never decrease, counting the snapshot's: the first entry after it may not have a lower term. */
    @Test
    void theFirstEntryAfterASnapshotMayNotHaveALowerTerm() {
        try (RocksDbLogStore store = open()) {
            store.installSnapshot(10, 3);
            assertThatThrownBy(() -> store.append(entries(11, 12, 2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("terms must not decrease: entry 11 has term 2 after term 3");
            store.append(entries(11, 12, 3));
            assertThat(store.toString()).contains("entries 11..11", "1 term runs");
        }
    }

    // ---------------------------------------------------------------- against a naive model

    /**
     * Random Raft-shaped operations (appends that may replace an uncommitted suffix, truncations, hard
     * states, syncs, prefix compactions, snapshot installs and reopens) against a naive model, comparing every
     * answer.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void randomOperationsMatchANaiveModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TreeMap<Long, Entry> model = new TreeMap<>();
        long first = 1;
        long compactedTerm = 0;
        HardState hs = HardState.EMPTY;
        long term = 1;
        RocksDbLogStore store = open();
        try {
            for (int op = 0; op < 300; op++) {
                long last = model.isEmpty() ? first - 1 : model.lastKey();
                long commit = hs.commit();
                int kind = random.nextInt(21);
                String what;
                if (kind < 10) {
                    long start = random.nextInt(4) == 0 ? random.nextLong(Math.max(first, commit + 1), last + 2) : last + 1;
                    term += random.nextInt(5) == 0 ? 1 : 0;
                    List<Entry> batch = new ArrayList<>();
                    for (long i = start; i < start + random.nextInt(1, 20); i++) {
                        batch.add(Entry.command(i, term, Payload.ofUtf8("s" + seed + "-" + i + "-" + term)));
                    }
                    model.tailMap(start, true).clear();
                    batch.forEach(e -> model.put(e.index(), e));
                    boolean withHardState = random.nextBoolean();
                    if (withHardState) {
                        hs = new HardState(term, 1, commit);
                    }
                    store.save(withHardState ? hs : null, batch, random.nextBoolean());
                    what = "append " + start + ".." + (start + batch.size() - 1) + " term " + term;
                } else if (kind < 12) {
                    long from = random.nextLong(Math.max(first, commit + 1), last + 2);
                    store.truncateSuffix(from);
                    model.tailMap(from, true).clear();
                    what = "truncate from " + from;
                } else if (kind < 15) {
                    hs = new HardState(term, random.nextInt(3), random.nextLong(commit, last + 1));
                    store.saveHardState(hs);
                    what = "hard state " + hs;
                } else if (kind < 17) {
                    long through = commit < first ? first - 1 : random.nextLong(first - 1, commit + 1);
                    store.compact(through);
                    if (through >= first) {
                        compactedTerm = model.get(through).term();
                        model.headMap(through, true).clear();
                        first = through + 1;
                    }
                    what = "compact through " + through;
                } else if (kind < 18) {
                    store.sync();
                    what = "sync";
                } else if (kind < 20) {
                    store.close();
                    store = open();
                    what = "reopen";
                } else { // a snapshot from a leader, ending at or after the commit index (as the core installs them)
                    long index = random.nextLong(Math.max(commit, 1), last + 30);
                    term += random.nextBoolean() ? 1 : 0;
                    store.installSnapshot(index, term);
                    model.clear();
                    first = index + 1;
                    compactedTerm = term;
                    what = "install snapshot " + index + " term " + term;
                }
                String context = "seed " + seed + ", op " + op + " (" + what + ")";
                long modelLast = model.isEmpty() ? first - 1 : model.lastKey();
                assertThat(store.firstIndex()).as(context).isEqualTo(first);
                assertThat(store.lastIndex()).as(context).isEqualTo(modelLast);
                assertThat(store.hardState()).as(context).isEqualTo(hs);
                assertThat(store.term(first - 1)).as(context).isEqualTo(compactedTerm);
                for (long i = first; i <= modelLast; i++) {
                    assertThat(store.term(i)).as(context + ", term(" + i + ")").isEqualTo(model.get(i).term());
                }
                assertThat(store.entries(first, modelLast + 1, Long.MAX_VALUE)).as(context)
                        .isEqualTo(new ArrayList<>(model.values()));
            }
        } finally {
            store.close();
        }
    }

    @Test
    void manyEntriesInOneSyncedSaveAreOneWrite() {
        List<Entry> log = LongStream.rangeClosed(1, 5000).mapToObj(i -> Entry.noop(i, 1)).toList();
        try (RocksDbLogStore store = open()) {
            store.save(new HardState(1, 1, 0), log, true);
            assertThat(store.lastIndex()).isEqualTo(5000);
        }
    }
}
