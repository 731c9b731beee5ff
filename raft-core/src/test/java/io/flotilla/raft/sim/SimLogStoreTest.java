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
}
