package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;

/**
 * The host application's replicated state: Flotilla feeds it the committed commands, in log order, on every node.
 *
 * <p>Threading: both methods are called on the node's single apply thread, never concurrently and never on the
 * event loop, so an implementation needs no locking of its own; a slow state machine delays applies and reads
 * on this node but not replication. Determinism: {@code apply} must compute the same result from the same state
 * and command on every node (no clocks, randomness or I/O whose outcome differs between nodes).
 *
 * <p>Lifetime: a node starts with a fresh state machine and re-applies its committed log from the beginning
 * (until snapshots exist), so {@code apply} is called once per committed entry per process lifetime.
 */
public interface StateMachine {
    /**
     * Applies a committed command and returns its result, which completes the proposer's future on the node where
     * it was proposed.
     *
     * @param index the command's position in the log; strictly increasing across calls
     */
    Payload apply(long index, Payload command);

    /**
     * Answers a read-only query against the current state. Called only once the state machine has applied every
     * entry the read must see (ReadIndex), so the answer is linearizable. Must not change the state.
     */
    Payload query(Payload query);
}
