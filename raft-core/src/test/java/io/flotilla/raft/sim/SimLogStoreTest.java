package io.flotilla.raft.sim;

import static io.flotilla.raft.log.LogStoreContract.all;
import static io.flotilla.raft.log.LogStoreContract.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogReader;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.LogStoreContract;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

class SimLogStoreTest implements LogStoreContract {
    /** What a reader can see of a store. */
    private record State(List<Entry> log, HardState hardState) {
        static State of(LogReader store) {
            return new State(all(store), store.hardState());
        }
    }

    /** Eight writes of every kind; the first {@link #SYNCED} are synced before the rest. */
    private static final List<Consumer<LogStore>> SCRIPT = List.of(
            s -> s.append(entries(1, 4, 1)),
            s -> s.saveHardState(new HardState(1, 1, 0)),
            s -> s.append(entries(4, 6, 1)),
            s -> s.saveHardState(new HardState(2, 2, 3)),
            s -> s.truncateSuffix(5),
            s -> s.append(entries(3, 5, 2)),
            s -> s.save(new HardState(3, 0, 4), entries(5, 7, 3), false),
            s -> s.append(entries(7, 8, 3)));
    private static final int SYNCED = 2;

    @Override
    public LogStore newStore() {
        return new SimLogStore();
    }

    /** A crash is this store's restart: with everything synced, it must lose nothing. */
    @Override
    public LogStore reopen(LogStore closed) {
        ((SimLogStore) closed).crash(new SplittableRandom(1));
        return closed;
    }

    /** Runs the script, syncing after the first {@link #SYNCED} writes; returns the state after each write. */
    private static List<State> runScript(SimLogStore store) {
        List<State> states = new ArrayList<>(List.of(State.of(store)));
        for (int i = 0; i < SCRIPT.size(); i++) {
            SCRIPT.get(i).accept(store);
            states.add(State.of(store));
            if (i + 1 == SYNCED) {
                store.sync();
            }
        }
        return states;
    }

    @Test
    void crashWithNoUnsyncedOpsKeepsEverything() {
        SimLogStore store = new SimLogStore();
        List<State> states = runScript(store);
        store.sync();
        for (int seed = 0; seed < 20; seed++) {
            store.crash(new SplittableRandom(seed));
            assertThat(State.of(store)).isEqualTo(states.get(states.size() - 1));
        }
    }

    @Test
    void crashKeepsTheDurableStatePlusAPrefixOfTheUnsyncedOpsAndLosesTheRest() {
        TreeSet<Integer> keptPrefixes = new TreeSet<>();
        for (int seed = 0; seed < 300; seed++) {
            SimLogStore store = new SimLogStore();
            List<State> states = runScript(store);
            assertThat(store.unsyncedOps()).isEqualTo(SCRIPT.size() - SYNCED);

            store.crash(new SplittableRandom(seed));

            int kept = states.indexOf(State.of(store));
            assertThat(kept).as("seed %d: state after crash is the state after some write", seed)
                    .isBetween(SYNCED, SCRIPT.size());
            keptPrefixes.add(kept);
            assertThat(store.unsyncedOps()).isZero();
        }
        assertThat(keptPrefixes).as("every prefix length 0..n of the unsynced ops occurs")
                .containsExactly(2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void crashIsDeterministicForAGivenSeed() {
        for (int seed = 0; seed < 50; seed++) {
            List<State> outcomes = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                SimLogStore store = new SimLogStore();
                runScript(store);
                SplittableRandom rnd = new SplittableRandom(seed);
                store.crash(rnd);
                store.append(entries(store.lastIndex() + 1, store.lastIndex() + 3, 4));
                store.saveHardState(new HardState(4, 1, 0));
                store.crash(rnd);
                outcomes.add(State.of(store));
            }
            assertThat(outcomes.get(1)).as("seed %d", seed).isEqualTo(outcomes.get(0));
        }
    }

    @Test
    void afterACrashTheLogIsContiguousAndTheStoreIsUsable() {
        for (int seed = 0; seed < 50; seed++) {
            SimLogStore store = new SimLogStore();
            runScript(store);
            store.crash(new SplittableRandom(seed));

            List<Entry> log = all(store);
            for (int i = 0; i < log.size(); i++) {
                assertThat(log.get(i).index()).isEqualTo(store.firstIndex() + i);
            }
            long last = store.lastIndex();
            store.append(entries(last + 1, last + 3, 9));
            store.saveHardState(new HardState(9, 1, last));
            store.sync();
            State synced = State.of(store);
            store.crash(new SplittableRandom(seed));
            assertThat(State.of(store)).isEqualTo(synced);
        }
    }

    @Test
    void saveIsOneOpThatACrashKeepsWholeOrNotAtAll() {
        TreeSet<Long> outcomes = new TreeSet<>();
        for (int seed = 0; seed < 50; seed++) {
            SimLogStore store = new SimLogStore();
            store.save(new HardState(1, 1, 0), entries(1, 3, 1), false);
            assertThat(store.unsyncedOps()).isOne();
            store.crash(new SplittableRandom(seed));
            State kept = State.of(store);
            assertThat(kept).isIn(new State(List.of(), HardState.EMPTY), new State(entries(1, 3, 1), new HardState(1, 1, 0)));
            outcomes.add(store.lastIndex());
        }
        assertThat(outcomes).containsExactly(0L, 2L);
    }

    @Test
    void unsyncedOpsCountsWritesSinceTheLastSyncAndSyncCountCountsSyncs() {
        SimLogStore store = new SimLogStore();
        store.append(entries(1, 3, 1));
        store.truncateSuffix(2);
        store.saveHardState(new HardState(1, 0, 0));
        assertThat(store.unsyncedOps()).isEqualTo(3);
        assertThat(store.syncCount()).isZero();

        store.sync();
        assertThat(store.unsyncedOps()).isZero();
        store.save(new HardState(1, 1, 0), entries(2, 3, 1), true);
        assertThat(store.unsyncedOps()).isZero();
        assertThat(store.syncCount()).isEqualTo(2);
    }

    @Test
    void aRejectedWriteIsNeitherVisibleNorQueued() {
        SimLogStore store = new SimLogStore();
        store.append(entries(1, 3, 1));
        assertThatThrownBy(() -> store.append(entries(5, 6, 1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.unsyncedOps()).isOne();
        assertThat(store.lastIndex()).isEqualTo(2);
    }

    @Test
    void crashReopensAClosedStoreWithoutItsUnsyncedSuffix() {
        SimLogStore store = new SimLogStore();
        store.append(entries(1, 3, 1));
        store.sync();
        store.append(entries(3, 5, 1));
        store.close();
        assertThatThrownBy(store::lastIndex).isInstanceOf(IllegalStateException.class);

        store.crash(new SplittableRandom(3));
        assertThat(store.lastIndex()).isIn(2L, 4L);
        assertThat(all(store)).isEqualTo(entries(1, store.lastIndex() + 1, 1));
    }

    // ---------------------------------------------------------------- disk faults

    private static SimLogStore faulty(DiskFaults faults, long seed) {
        SimLogStore store = new SimLogStore();
        store.injectFaults(faults, new SplittableRandom(seed));
        return store;
    }

    @Test
    void aTornTailIsDetectedByItsChecksumAndDroppedOnRestart() {
        TreeSet<Integer> keptPrefixes = new TreeSet<>();
        long torn = 0;
        for (int seed = 0; seed < 300; seed++) {
            SimLogStore store = new SimLogStore();
            List<State> states = runScript(store);
            store.injectFaults(new DiskFaults(0, 0, 0, 1, 0), new SplittableRandom(seed));

            store.crash(new SplittableRandom(seed));

            int kept = states.indexOf(State.of(store));
            assertThat(kept).as("seed %d: a torn record and what follows it are dropped, the prefix before it kept", seed)
                    .isBetween(SYNCED, SCRIPT.size());
            keptPrefixes.add(kept);
            torn += store.faultCounts()[4];
            assertThat(store.unsyncedOps()).isZero();
            long last = store.lastIndex();
            store.append(entries(last + 1, last + 2, 9)); // and the store is usable
            assertThat(store.lastIndex()).isEqualTo(last + 1);
        }
        assertThat(keptPrefixes).containsExactly(2, 3, 4, 5, 6, 7, 8);
        assertThat(torn).as("crashes that left a torn record").isBetween(100L, 299L);
    }

    @Test
    void damageToASyncedRecordMakesTheStoreRefuseToOpen() {
        SimLogStore store = new SimLogStore();
        runScript(store);
        store.sync();
        store.corruptSyncedRecord();

        assertThatThrownBy(() -> store.crash(new SplittableRandom(1)))
                .isInstanceOf(io.flotilla.raft.log.LogStoreException.class)
                .hasMessageContaining("fails its CRC check").hasMessageContaining("refusing to open");
        assertThatThrownBy(() -> store.append(entries(1, 2, 1))).isInstanceOf(io.flotilla.raft.log.LogStoreException.class);
        assertThatThrownBy(store::sync).isInstanceOf(io.flotilla.raft.log.LogStoreException.class);
        assertThatThrownBy(() -> store.crash(new SplittableRandom(2))).as("it stays refused")
                .isInstanceOf(io.flotilla.raft.log.LogStoreException.class);
    }

    /**
     * PostgreSQL's fsyncgate, modelled: after a failed fsync the kernel may have dropped the pages it could not write,
     * and a retried fsync succeeds — with the writes gone. Hence a node never retries one: it stops.
     */
    @Test
    void aFailedSyncThrowsAndARetriedSyncReportsSuccessWithoutTheLostWrites() {
        int lostAfterRetry = 0;
        for (int seed = 0; seed < 50; seed++) {
            SimLogStore store = faulty(new DiskFaults(1, 0, 0, 0, 0), seed);
            store.append(entries(1, 3, 1));
            assertThatThrownBy(store::sync).isInstanceOf(io.flotilla.raft.log.LogStoreException.class)
                    .hasMessageContaining("fsync failed");
            assertThat(store.lastIndex()).as("the process still sees its write").isEqualTo(2);

            store.injectFaults(DiskFaults.NONE, new SplittableRandom(seed));
            store.sync(); // "succeeds"
            store.crash(new SplittableRandom(seed));
            if (store.lastIndex() < 2) {
                lostAfterRetry++;
            }
        }
        assertThat(lostAfterRetry).isPositive();
    }

    @Test
    void aFullDiskFailsEveryWriteWithEnospcUntilSpaceIsFreed() {
        SimLogStore store = faulty(new DiskFaults(0, 0, 1, 0, 0), 1);
        assertThatThrownBy(() -> store.append(entries(1, 3, 1))).isInstanceOf(io.flotilla.raft.log.LogStoreException.class)
                .hasMessageContaining("ENOSPC");
        store.injectFaults(DiskFaults.NONE, new SplittableRandom(1));
        assertThat(store.diskFull()).isTrue();
        assertThatThrownBy(() -> store.saveHardState(new HardState(1, 1, 0)))
                .isInstanceOf(io.flotilla.raft.log.LogStoreException.class).hasMessageContaining("ENOSPC");
        assertThat(store.lastIndex()).isZero();
        assertThat(store.unsyncedOps()).isZero();

        store.freeSpace();
        store.append(entries(1, 3, 1));
        assertThat(store.lastIndex()).isEqualTo(2);
        assertThat(store.faultCounts()[2]).isEqualTo(2);
    }

    @Test
    void aWriteFailingWithEioIsNotVisibleAndWhatOfItReachedTheDiskIsDroppedOnRestart() {
        int tornOnDisk = 0;
        for (int seed = 0; seed < 50; seed++) {
            SimLogStore store = faulty(DiskFaults.NONE, seed);
            store.append(entries(1, 3, 1));
            store.sync();
            store.injectFaults(new DiskFaults(0, 1, 0, 0, 0), new SplittableRandom(seed));
            assertThatThrownBy(() -> store.append(entries(3, 5, 1)))
                    .isInstanceOf(io.flotilla.raft.log.LogStoreException.class).hasMessageContaining("EIO");
            assertThat(store.lastIndex()).isEqualTo(2);
            tornOnDisk += store.unsyncedOps();

            store.crash(new SplittableRandom(seed));
            assertThat(all(store)).isEqualTo(entries(1, 3, 1));
        }
        assertThat(tornOnDisk).as("some failed writes left a torn record").isPositive();
    }

    @Test
    void aLyingSyncReportsSuccessButACrashLosesTheWrites() {
        int lost = 0;
        for (int seed = 0; seed < 50; seed++) {
            SimLogStore store = faulty(new DiskFaults(0, 0, 0, 0, 1), seed);
            store.append(entries(1, 3, 1));
            store.sync();
            assertThat(store.faultCounts()[3]).isOne();
            store.crash(new SplittableRandom(seed));
            if (store.lastIndex() < 2) {
                lost++;
            }
        }
        assertThat(lost).isPositive();
    }

    @Test
    void restartsReplayOnlyTheRecordsAfterTheCheckpointAndKeepEverythingSynced() {
        SimLogStore store = new SimLogStore();
        for (long i = 1; i <= 500; i++) {
            store.append(entries(i, i + 1, 1));
            store.saveHardState(new HardState(1, 1, i - 1));
            if (i % 7 == 0) {
                store.sync();
            }
        }
        store.sync();
        State synced = State.of(store);
        store.crash(new SplittableRandom(5));
        assertThat(State.of(store)).isEqualTo(synced);
    }
}
