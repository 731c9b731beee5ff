package io.flotilla.raft.storage.rocksdb;

import java.util.Arrays;

/**
 * The term of every entry in the retained log, in memory, as runs of equal terms. Terms in a Raft log
 * never decrease, and a leader writes a whole run of entries in its term, so a log of millions of entries
 * has as many runs as it saw leaders with entries — usually a handful. {@link #termAt} is a binary search
 * over the runs and never touches the disk: it is on the core's hot path (every AppendEntries consistency
 * check and every RequestVote's up-to-date check asks for a term).
 *
 * <p>Worked example: the log
 * <pre>
 *   index: 5 6 7 8 9 10
 *   term:  1 1 3 3 3 4
 * </pre>
 * is held as {@code starts = [5, 7, 10], terms = [1, 3, 4], last = 10}. {@code termAt(8)} finds the last
 * start {@code <= 8}, which is 7, and answers 3. {@code truncateFrom(8)} leaves {@code starts = [5, 7],
 * last = 7}; appending index 8 with term 5 then adds the run {@code (8, 5)}. {@code compactThrough(7)} leaves
 * {@code starts = [8], terms = [5]}; {@code clear()} (a snapshot installed) leaves no run at all, and the next
 * append may start anywhere.
 *
 * <p>Not thread-safe; owned by the store, used on the store's (single) calling thread.
 */
final class TermRuns {
    /** Invariant: {@code starts[0..size)} strictly increasing; {@code terms[0..size)} strictly increasing. */
    private long[] starts = new long[8];
    private long[] terms = new long[8];
    private int size;
    /** Invariant: {@code size == 0} or {@code last >= starts[size - 1]}; the index of the last entry. */
    private long last;

    /** Whether no entry is held. */
    boolean isEmpty() {
        return size == 0;
    }

    /** The number of runs (for tests and {@code toString}). */
    int runs() {
        return size;
    }

    /**
     * Records that the entry at {@code index} has {@code term}. {@code index} must directly follow the
     * last entry held (or be the first), and {@code term} must not be below the last term: the caller has
     * checked both.
     */
    void append(long index, long term) {
        if (size > 0 && (index != last + 1 || term < terms[size - 1])) {
            throw new IllegalStateException("term runs: (" + index + ", " + term + ") cannot follow (" + last
                    + ", " + terms[size - 1] + ")");
        }
        if (size == 0 || term != terms[size - 1]) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                terms = Arrays.copyOf(terms, size * 2);
            }
            starts[size] = index;
            terms[size] = term;
            size++;
        }
        last = index;
    }

    /** The term of the entry at {@code index}, which the caller has checked is held. */
    long termAt(long index) {
        if (size == 0 || index < starts[0] || index > last) {
            throw new IllegalStateException("term runs: index " + index + " is not held");
        }
        int i = Arrays.binarySearch(starts, 0, size, index);
        return terms[i >= 0 ? i : -i - 2]; // not found: -(insertion point) - 1; the run starts one before it
    }

    /** The term of the last entry held; the caller has checked that one is. */
    long lastTerm() {
        return terms[size - 1];
    }

    /** Forgets the entries from {@code index} on. */
    void truncateFrom(long index) {
        if (size == 0 || index > last) {
            return;
        }
        int i = Arrays.binarySearch(starts, 0, size, index);
        size = i >= 0 ? i : -i - 1; // drop every run that starts at or after index
        last = index - 1;
    }

    /** Forgets every entry: the log is empty (after a snapshot was installed), and any index and term may follow. */
    void clear() {
        size = 0;
        last = 0;
    }

    /** Forgets the entries up to and including {@code index}. */
    void compactThrough(long index) {
        if (size == 0) {
            return;
        }
        if (index >= last) {
            size = 0;
            return;
        }
        int i = Arrays.binarySearch(starts, 0, size, index + 1);
        int firstKept = i >= 0 ? i : -i - 2; // the run holding index + 1
        System.arraycopy(starts, firstKept, starts, 0, size - firstKept);
        System.arraycopy(terms, firstKept, terms, 0, size - firstKept);
        size -= firstKept;
        starts[0] = index + 1;
    }
}
