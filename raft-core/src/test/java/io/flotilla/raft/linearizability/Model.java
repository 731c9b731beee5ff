package io.flotilla.raft.linearizability;

import java.util.List;
import java.util.Optional;

/**
 * A sequential specification: how a single-copy object answers operations applied one at a time. The
 * {@link Linearizability} checker asks whether a concurrent history can be explained by some order of its
 * operations, consistent with real time, in which every answer is the one this specification gives.
 *
 * <p>Implementations must be pure and deterministic: {@link #step} depends only on its arguments, and states
 * are immutable, non-null values with value equality ({@code equals}/{@code hashCode}, e.g. records or
 * strings), because the checker memoizes on them (Lowe 2017). The checker calls a model from one thread.
 *
 * @param <S> the state of the object (one partition's worth, see {@link #partition})
 * @param <I> operation inputs
 * @param <O> operation outputs
 */
public interface Model<S, I, O> {
    /** The state before any operation. */
    S init();

    /**
     * Applies one operation to {@code state}.
     *
     * @param output the answer the client saw, or {@code null} if the operation is pending: then the result
     *               is the state the operation leaves whatever its answer would have been
     * @return the next state, or empty if {@code output} is impossible from {@code state}
     * @throws IllegalArgumentException if the output does not fit the input (a malformed history)
     */
    Optional<S> step(S state, I input, O output);

    /**
     * Splits a history into independent sub-histories that are checked separately (P-compositionality,
     * Lowe 2017 §5): a key-value store is linearizable if each key is. Each partition must be checkable from
     * {@link #init()}. The order of the returned partitions is the order in which they are checked and must
     * not depend on hash order. Default: the whole history is one partition.
     */
    default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
        return List.of(history);
    }

    /** A short label for one partition in reports, such as {@code key "x"}; empty by default. */
    default String describePartition(List<Operation<I, O>> partition) {
        return "";
    }

    /** One operation for reports, such as {@code get("x") -> "1"}; {@code output} is null if pending. */
    String describe(I input, O output);

    /** A state for reports. */
    default String describeState(S state) {
        return String.valueOf(state);
    }
}
