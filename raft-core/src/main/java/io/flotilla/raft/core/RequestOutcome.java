package io.flotilla.raft.core;

/**
 * The outcome of a client request the core handles asynchronously — a read index, or a proposal forwarded to the
 * leader — delivered in {@link Ready#outcomes()} under the id the driver chose for the request.
 */
public sealed interface RequestOutcome {
    /** The driver's id for the request. */
    long requestId();

    /**
     * A linearizable read may be served once the state machine has applied {@code readIndex} (thesis §6.4): the
     * leader was confirmed by a majority after the request was made, and {@code readIndex} was its commit index.
     */
    record ReadIndexReady(long requestId, long readIndex) implements RequestOutcome {
    }

    /** No read index could be established (no leader, or the leader stepped down). Safe to retry. */
    record ReadIndexFailed(long requestId, long leaderId) implements RequestOutcome {
    }

    /**
     * The leader appended forwarded commands at {@code [firstIndex, lastIndex]} in {@code term}. They take effect
     * if and only if the entries committed at those indexes have that term.
     */
    record ProposalAppended(long requestId, long firstIndex, long lastIndex, long term) implements RequestOutcome {
    }

    /** Forwarded commands were not appended; safe to retry. {@code overloaded} tells back-pressure from "no leader". */
    record ProposalRejected(long requestId, long leaderId, boolean overloaded) implements RequestOutcome {
    }
}
