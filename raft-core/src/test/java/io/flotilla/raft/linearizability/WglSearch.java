package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The WGL search over one partition: Wing &amp; Gong's backtracking (1993) with Lowe's memoization of
 * configurations (2017, §3), in the shape Porcupine's {@code checkSingle} gives it.
 *
 * <p>The history is a doubly linked list of call and return events in time order. The search walks it
 * from the head. At a call it tries to linearize that operation now: if the model accepts the output and
 * the resulting configuration (set of linearized operations, state) is new, the operation's call and
 * return are lifted out of the list, pushed on the stack, and the walk restarts at the head. At a return
 * it has reached an operation that must already have taken effect but has not: it pops the last
 * linearized operation, puts its events back, and tries the next call after it. For example, with
 * {@code w(1) [0,10]}, {@code w(2) [5,20]}, {@code r()->1 [15,30]} the list is
 * {@code c(w1) c(w2) r(w1) c(r) r(w2) r(r)}. The search places {@code w1}, then {@code w2} (state 2); the
 * read of 1 fails, then {@code r(w2)} forces a backtrack: {@code w2} goes back, the walk resumes after
 * {@code c(w2)}, places the read (state 1) and then {@code w2}: the linearization is {@code w1, r, w2}.
 * Pending operations have no return event, so they never force a backtrack; the search ends
 * successfully once every completed operation is linearized.
 *
 * <p>One instance checks one partition, on the caller's thread.
 */
final class WglSearch<S, I, O> {
    /** Search steps between two looks at the clock. */
    private static final int STEPS_PER_DEADLINE_CHECK = 1 << 10;

    /** A call or return event; the call and return of one operation point at each other via {@code match}. */
    private static final class Event {
        final int op;
        final boolean call;
        final long time;
        Event match;
        Event prev;
        Event next;

        Event(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    /**
     * A configuration already explored: which operations are linearized and the state they lead to. The set
     * of linearized operations is stored compactly, as the bits of the pending operations, the number of
     * leading completed operations all linearized ({@code low}), and the bits from there on. Completed
     * operations are linearized roughly in call order, so the tail is short: a few words per entry instead
     * of one bit per operation of the history.
     */
    private record Config<S>(BitSet pending, int low, BitSet tail, S state) {
    }

    /** One linearized operation on the stack: its call event and the state before it. */
    private record Frame<S>(Event call, S before) {
    }

    /**
     * The outcome of one search.
     *
     * @param longestPrefix    indexes of the operations of the longest linearizable prefix found, in order
     * @param stateAfterPrefix the model state after that prefix
     */
    record Result<S>(CheckResult.Outcome outcome, List<Integer> longestPrefix, S stateAfterPrefix) {
        Result {
            longestPrefix = List.copyOf(longestPrefix);
        }
    }

    private final Model<S, I, O> model;
    private final List<Operation<I, O>> ops;
    /** Each operation's bit in the linearized set: pending operations first, then completed ones in call order. */
    private final int[] bit;
    private final int pendingCount;
    private final Event head = new Event(-1, true, Long.MIN_VALUE);
    /** The operations on the stack, bottom first. Invariant: {@code path[i] == stack.get(i).call.op}. */
    private final int[] path;
    private final int[] bestPath;
    private int bestDepth;
    private int bestCompleted;
    /** {@code bestPath[0..bestValid)} equals {@code path[0..bestValid)}: the part not popped since the copy. */
    private int bestValid;
    private S bestState;

    private WglSearch(Model<S, I, O> model, List<Operation<I, O>> ops) {
        this.model = model;
        this.ops = ops;
        this.bit = new int[ops.size()];
        this.pendingCount = (int) ops.stream().filter(Operation::isPending).count();
        int nextPending = 0;
        int nextCompleted = pendingCount;
        for (int i = 0; i < ops.size(); i++) {
            bit[i] = ops.get(i).isPending() ? nextPending++ : nextCompleted++;
        }
        this.path = new int[ops.size()];
        this.bestPath = new int[ops.size()];
    }

    /** Searches for a linearization of {@code ops}; UNKNOWN once {@code System.nanoTime()} passes the deadline. */
    static <S, I, O> Result<S> run(Model<S, I, O> model, List<Operation<I, O>> ops, long deadlineNanos) {
        return new WglSearch<>(model, ops).search(deadlineNanos);
    }

    private Result<S> search(long deadlineNanos) {
        int completed = buildEventList();
        int unlinearizedCompleted = completed;
        BitSet linearized = new BitSet(ops.size());
        Set<Config<S>> cache = new HashSet<>();
        List<Frame<S>> stack = new ArrayList<>();
        S state = model.init();
        bestState = state;
        Event entry = head.next;
        long steps = 0;
        while (unlinearizedCompleted > 0) {
            if (++steps % STEPS_PER_DEADLINE_CHECK == 0 && System.nanoTime() - deadlineNanos > 0) {
                return result(CheckResult.Outcome.UNKNOWN);
            }
            if (entry == null) {
                throw new IllegalStateException("walked off the event list with completed operations left");
            }
            if (entry.call) {
                Operation<I, O> op = ops.get(entry.op);
                Optional<S> next = model.step(state, op.input(), op.output());
                if (next.isPresent()) {
                    linearized.set(bit[entry.op]);
                    if (cache.add(config(linearized, next.get()))) {
                        path[stack.size()] = entry.op;
                        stack.add(new Frame<>(entry, state));
                        state = next.get();
                        lift(entry);
                        if (!op.isPending()) {
                            unlinearizedCompleted--;
                        }
                        recordIfLongest(stack.size(), completed - unlinearizedCompleted, state);
                        entry = head.next;
                        continue;
                    }
                    linearized.clear(bit[entry.op]);
                }
                entry = entry.next;
            } else {
                // An operation returned without being linearized: undo the last choice.
                if (stack.isEmpty()) {
                    return result(CheckResult.Outcome.ILLEGAL);
                }
                Frame<S> top = stack.remove(stack.size() - 1);
                bestValid = Math.min(bestValid, stack.size());
                state = top.before();
                linearized.clear(bit[top.call().op]);
                unlift(top.call());
                if (!ops.get(top.call().op).isPending()) {
                    unlinearizedCompleted++;
                }
                entry = top.call().next;
            }
        }
        return result(CheckResult.Outcome.OK);
    }

    private Config<S> config(BitSet linearized, S state) {
        int low = linearized.nextClearBit(pendingCount);
        return new Config<>(linearized.get(0, pendingCount), low,
                linearized.get(low, Math.max(low, linearized.length())), state);
    }

    /** Links the events after {@link #head}; returns the number of completed operations. */
    private int buildEventList() {
        List<Event> events = new ArrayList<>(2 * ops.size());
        int completed = 0;
        for (int i = 0; i < ops.size(); i++) {
            Operation<I, O> op = ops.get(i);
            Event call = new Event(i, true, op.callTime());
            events.add(call);
            if (!op.isPending()) {
                Event ret = new Event(i, false, op.returnTime());
                call.match = ret;
                ret.match = call;
                events.add(ret);
                completed++;
            }
        }
        // Closed intervals: at equal times calls come first, so touching operations count as concurrent.
        events.sort(Comparator.<Event>comparingLong(e -> e.time).thenComparing(e -> !e.call)
                .thenComparingInt(e -> e.op));
        Event last = head;
        for (Event e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        return completed;
    }

    /** Keeps the first prefix linearizing the most completed operations (pending ones place too easily to count). */
    private void recordIfLongest(int depth, int completed, S state) {
        if (completed > bestCompleted) {
            System.arraycopy(path, bestValid, bestPath, bestValid, depth - bestValid);
            bestCompleted = completed;
            bestDepth = depth;
            bestValid = depth;
            bestState = state;
        }
    }

    private Result<S> result(CheckResult.Outcome outcome) {
        List<Integer> prefix = new ArrayList<>(bestDepth);
        for (int i = 0; i < bestDepth; i++) {
            prefix.add(bestPath[i]);
        }
        return new Result<>(outcome, prefix, bestState);
    }

    /** Removes an operation's call and return events from the list; they keep their links for {@link #unlift}. */
    private static void lift(Event call) {
        unlink(call);
        if (call.match != null) {
            unlink(call.match);
        }
    }

    /** Undoes {@link #lift}, in reverse order; valid because lifts and unlifts nest like the stack. */
    private static void unlift(Event call) {
        if (call.match != null) {
            relink(call.match);
        }
        relink(call);
    }

    private static void unlink(Event e) {
        e.prev.next = e.next;
        if (e.next != null) {
            e.next.prev = e.prev;
        }
    }

    private static void relink(Event e) {
        e.prev.next = e;
        if (e.next != null) {
            e.next.prev = e;
        }
    }
}
