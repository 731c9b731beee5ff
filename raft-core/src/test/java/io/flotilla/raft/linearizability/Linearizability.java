package io.flotilla.raft.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Checks that a concurrent history of client operations is linearizable (Herlihy &amp; Wing 1990): that
 * every operation appears to take effect at one instant between its call and its return, in an order in
 * which each output is what the sequential {@link Model} gives.
 *
 * <h2>Algorithm</h2>
 * The search is the "WGL" algorithm, as in Knossos and Porcupine (github.com/anishathalye/porcupine):
 * <ol>
 *   <li>Wing &amp; Gong, "Testing and Verifying Concurrent Objects" (JPDC 1993): walk a linked list of call
 *       and return events, linearize an operation at its call when the model accepts it, backtrack when an
 *       operation returns without having been linearized;</li>
 *   <li>Lowe, "Testing for Linearizability" (CCPE 2017): memoize every configuration explored, a
 *       {@link java.util.BitSet} of linearized operations plus the model state, so that no two orders
 *       reaching the same configuration are explored twice; and check independent parts of the history
 *       (here {@link Model#partition}, e.g. one key of a key-value store) separately.</li>
 * </ol>
 * The problem is NP-complete; the search is exponential in the number of mutually concurrent operations
 * in the worst case and close to linear for histories with a handful of clients, so it is bounded by a
 * timeout and may answer {@link CheckResult.Outcome#UNKNOWN}, never a guess.
 *
 * <h2>Use</h2>
 * Record a history of {@link Operation}s (see there for times and pending operations: a pending operation
 * may take effect anywhere after its call, or not at all, and the checker accepts either), then
 * <pre>{@code
 * CheckResult result = Linearizability.check(new KvModel(), history, Duration.ofSeconds(10));
 * assertThat(result.outcome()).as("seed %d: %s", seed, result).isEqualTo(CheckResult.Outcome.OK);
 * }</pre>
 * Partitions are checked one after another on the caller's thread, in the order the model returns them;
 * the first one that cannot be linearized is reported. The verdict is deterministic except that a slow
 * machine may turn a verdict into UNKNOWN.
 */
public final class Linearizability {
    private static final Duration MAX_TIMEOUT = Duration.ofDays(365);

    private Linearizability() {
    }

    /**
     * Checks {@code history} against {@code model}.
     *
     * @param timeout wall-clock budget for the whole check; when it runs out the result is UNKNOWN
     * @return OK, ILLEGAL with a report on the first partition that cannot be linearized, or UNKNOWN
     */
    public static <S, I, O> CheckResult check(Model<S, I, O> model, List<Operation<I, O>> history, Duration timeout) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        long start = System.nanoTime();
        Duration budget = timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : timeout;  // toNanos() overflows
        long deadline = start + budget.toNanos();
        List<List<Operation<I, O>>> partitions = model.partition(List.copyOf(history));
        for (int p = 0; p < partitions.size(); p++) {
            List<Operation<I, O>> ops = new ArrayList<>(partitions.get(p));
            ops.sort(Comparator.<Operation<I, O>>comparingLong(Operation::callTime)
                    .thenComparingLong(Operation::returnTime));
            WglSearch.Result<S> result = WglSearch.run(model, ops, deadline);
            switch (result.outcome()) {
                case OK:
                    continue;
                case ILLEGAL:
                    return new CheckResult(CheckResult.Outcome.ILLEGAL,
                            Reports.illegal(model, ops, header(model, ops, p, partitions.size()), result));
                case UNKNOWN:
                    return new CheckResult(CheckResult.Outcome.UNKNOWN, String.format(
                            "timed out after %s (budget %s) in %s; %d partitions before it were linearizable; "
                                    + "longest linearizable prefix found: %d operations",
                            Duration.ofNanos(System.nanoTime() - start), timeout,
                            header(model, ops, p, partitions.size()), p, result.longestPrefix().size()));
                default:
                    throw new IllegalStateException("unexpected outcome " + result.outcome());
            }
        }
        return CheckResult.ok();
    }

    private static <I, O> String header(Model<?, I, O> model, List<Operation<I, O>> ops, int p, int count) {
        String label = model.describePartition(ops);
        return "partition " + (p + 1) + " of " + count + (label.isEmpty() ? "" : " (" + label + ")")
                + ", " + ops.size() + " operations";
    }
}
