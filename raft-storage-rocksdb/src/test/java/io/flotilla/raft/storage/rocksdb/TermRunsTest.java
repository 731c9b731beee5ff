package io.flotilla.raft.storage.rocksdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TermRuns} against a naive oracle (a list of every entry's term) over thousands of seeded cases. */
class TermRunsTest {
    @Test
    void theWorkedExampleOfTheClassComment() {
        TermRuns runs = new TermRuns();
        long[] terms = {1, 1, 3, 3, 3, 4};
        for (int i = 0; i < terms.length; i++) {
            runs.append(5 + i, terms[i]);
        }
        assertThat(runs.runs()).isEqualTo(3);
        assertThat(runs.termAt(8)).isEqualTo(3);
        runs.truncateFrom(8);
        assertThat(runs.runs()).isEqualTo(2);
        runs.append(8, 5);
        assertThat(runs.termAt(7)).isEqualTo(3);
        assertThat(runs.termAt(8)).isEqualTo(5);
        assertThat(runs.lastTerm()).isEqualTo(5);
    }

    @Test
    void afterClearAnyIndexAndTermMayFollow() {
        TermRuns runs = new TermRuns();
        runs.append(1, 5);
        runs.append(2, 5);
        runs.clear();
        assertThat(runs.isEmpty()).isTrue();
        runs.append(40, 3);
        assertThat(runs.termAt(40)).isEqualTo(3);
        assertThatThrownBy(() -> runs.termAt(2)).isInstanceOf(IllegalStateException.class);
        runs.clear();
        runs.append(1, 1);
        assertThat(runs.runs()).isEqualTo(1);
    }

    @Test
    void aDecreasingTermOrAGapCannotBeAppended() {
        TermRuns runs = new TermRuns();
        runs.append(1, 2);
        assertThatThrownBy(() -> runs.append(2, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runs.append(3, 2)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "seeds from {0}")
    @ValueSource(longs = {0, 1000, 2000})
    void matchesANaiveListOfTerms(long firstSeed) {
        for (long seed = firstSeed; seed < firstSeed + 1000; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            TermRuns runs = new TermRuns();
            long first = 1;                         // the oracle: terms of entries first, first + 1, ...
            List<Long> oracle = new ArrayList<>();
            long term = 1;
            for (int op = 0; op < 60; op++) {
                int kind = random.nextInt(11);
                long last = first + oracle.size() - 1;
                if (kind < 6) {
                    term += random.nextInt(3) == 0 ? 1 + random.nextInt(3) : 0;
                    for (int n = random.nextInt(1, 6); n > 0; n--) {
                        runs.append(first + oracle.size(), term);
                        oracle.add(term);
                    }
                } else if (kind < 8 && !oracle.isEmpty()) {
                    long from = random.nextLong(first, last + 2);
                    runs.truncateFrom(from);
                    oracle.subList((int) (from - first), oracle.size()).clear();
                } else if (kind == 10) { // a snapshot installed: nothing held, the log may go on from anywhere
                    runs.clear();
                    oracle.clear();
                    first = Math.max(1, last + 1 + random.nextInt(-5, 20));
                } else if (!oracle.isEmpty()) {
                    long through = random.nextLong(first, last + 1);
                    runs.compactThrough(through);
                    oracle.subList(0, (int) (through - first + 1)).clear();
                    first = through + 1;
                }
                assertThat(runs.isEmpty()).as("seed %d", seed).isEqualTo(oracle.isEmpty());
                for (int i = 0; i < oracle.size(); i++) {
                    assertThat(runs.termAt(first + i)).as("seed %d, index %d", seed, first + i).isEqualTo(oracle.get(i));
                }
            }
        }
    }
}
