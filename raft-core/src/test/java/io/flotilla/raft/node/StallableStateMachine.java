package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;

/**
 * A {@link KvStateMachine} whose applies can be made to hang, as a state machine stuck on a lock or a slow
 * downstream call does: after {@code gate.stall()} the next {@code apply} blocks the node's apply thread until
 * {@code gate.release()} (at most {@link StallGate#MAX_STALL}). Queries are not blocked themselves, but they run
 * on the same thread, behind the blocked apply.
 */
final class StallableStateMachine implements StateMachine {
    private final KvStateMachine kv = new KvStateMachine();
    /** Stall and release the applies here. */
    final StallGate gate = new StallGate();
    private volatile long slowNanos;

    /** Makes every apply take {@code perApply} (a slow but progressing state machine); zero for full speed. */
    void slowDown(java.time.Duration perApply) {
        slowNanos = perApply.toNanos();
    }

    @Override
    public Payload apply(long index, Payload command) {
        gate.pass();
        long slow = slowNanos;
        if (slow > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(slow); // work that takes time, not a wait for a condition
        }
        return kv.apply(index, command);
    }

    @Override
    public Payload query(Payload query) {
        return kv.query(query);
    }
}
