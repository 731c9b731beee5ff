package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.IOException;
import java.io.InputStream;

/**
 * The host application's replicated state: Flotilla feeds it the committed commands, in log order, on every node.
 *
 * <p>Threading: both methods are called on the node's single apply thread, never concurrently and never on the
 * event loop, so an implementation needs no locking of its own; a slow state machine delays applies and reads
 * on this node but not replication. Determinism: {@code apply} must compute the same result from the same state
 * and command on every node (no clocks, randomness or I/O whose outcome differs between nodes).
 *
 * <p>Lifetime: a node starts with a fresh state machine, restores it from its newest snapshot (if any) and
 * re-applies its committed log after that, so {@code apply} is called at most once per committed entry per
 * process lifetime, and never for an entry a restored snapshot already covers.
 *
 * <p>Snapshots (Raft paper §7): a state machine that implements {@link #snapshot()} and {@link #restore} lets the
 * node compact its log and bring far-behind followers up to date by sending them a snapshot. The contract:
 * {@code snapshot()} is called on the apply thread between two applies and must return quickly with a
 * <em>point-in-time view</em> of the state as of the last applied entry — a copy-on-write reference, an immutable
 * structure, a storage-engine checkpoint — that no later apply changes. The node then calls
 * {@link SnapshotWriter#writeTo} on a separate snapshot thread while applies continue; so applies are paused only
 * for the capture, not for writing the data out. {@code restore} replaces the whole state with a snapshot's data.
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

    /**
     * Captures a point-in-time view of the state as of the last applied entry, to be written out off the apply
     * thread (see the class comment). Returns {@code null} if this state machine takes no snapshots — the default:
     * the node then never compacts its log.
     */
    default SnapshotWriter snapshot() {
        return null;
    }

    /**
     * Replaces the whole state with the data of a snapshot written by {@link SnapshotWriter#writeTo} (on any node of
     * the group). Called on the apply thread: at start-up from the node's newest snapshot, and on a follower that
     * installs a snapshot from the leader. The stream ends where the data ends; do not close it. If this throws, the
     * node stops: its state can no longer be trusted.
     */
    default void restore(InputStream data) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not restore snapshots");
    }
}
