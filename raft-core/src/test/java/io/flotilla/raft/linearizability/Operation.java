package io.flotilla.raft.linearizability;

import java.util.Objects;

/**
 * One client operation in a history: what the client asked ({@code input}), what it was told
 * ({@code output}), and the interval during which it was outstanding, from the moment the client sent it
 * ({@code callTime}) to the moment the client received the answer ({@code returnTime}).
 *
 * <h2>Building a history</h2>
 * A test harness (the simulator driving Raft nodes, or a harness against real servers) records, for every
 * client request, the clock reading just before sending it and just after its answer arrives, then builds
 * one {@code Operation} per request with {@link #completed} or {@link #pending}. Times are longs from any
 * monotone clock shared by all clients: virtual ticks or {@link System#nanoTime()}. Intervals are closed:
 * an operation called at the instant another returns counts as concurrent with it, so a coarse clock can
 * only make a history easier to linearize, never raise a false alarm.
 *
 * <h2>Pending operations</h2>
 * An operation whose answer never arrived (timeout, crash, connection lost: MicroRaft's
 * {@code IndeterminateStateException}) is <em>pending</em>: its output is {@code null} and its return time
 * {@link Long#MAX_VALUE}. It may have taken effect at any point after its call, or never; the checker
 * tries both. A client must not reuse its id after a pending operation (as in Jepsen, a crashed process
 * comes back under a new id), since one client's operations never overlap.
 *
 * @param clientId   the client (process) that issued the operation; informational, used in reports
 * @param input      what was asked, interpreted by the {@link Model}
 * @param output     the answer, or {@code null} if the operation is pending
 * @param callTime   when the request was sent
 * @param returnTime when the answer arrived, {@code >= callTime}; {@link Long#MAX_VALUE} if pending
 * @param <I>        the model's input type
 * @param <O>        the model's output type
 */
public record Operation<I, O>(long clientId, I input, O output, long callTime, long returnTime) {
    /** Validates that the input is present and that exactly the pending operations lack an output. */
    public Operation {
        Objects.requireNonNull(input, "input");
        if (returnTime < callTime) {
            throw new IllegalArgumentException(
                    "returnTime must be >= callTime, was callTime=" + callTime + ", returnTime=" + returnTime);
        }
        if ((output == null) != (returnTime == Long.MAX_VALUE)) {
            throw new IllegalArgumentException("an operation is pending (output null) exactly when returnTime is "
                    + "Long.MAX_VALUE, was output=" + output + ", returnTime=" + returnTime);
        }
    }

    /** An operation that returned {@code output} at {@code returnTime}. */
    public static <I, O> Operation<I, O> completed(long clientId, I input, O output, long callTime, long returnTime) {
        return new Operation<>(clientId, input, Objects.requireNonNull(output, "output"), callTime, returnTime);
    }

    /** An operation called at {@code callTime} that never returned: it may or may not have taken effect. */
    public static <I, O> Operation<I, O> pending(long clientId, I input, long callTime) {
        return new Operation<>(clientId, input, null, callTime, Long.MAX_VALUE);
    }

    /** Whether the operation never returned (its effect is unknown). */
    public boolean isPending() {
        return output == null;
    }
}
