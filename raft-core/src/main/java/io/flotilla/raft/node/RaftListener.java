package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;

/**
 * Observes a node's role, term and leader, and its stopping on an error. Called on the node's apply thread, in order
 * with the entries it applies, never on the event loop; keep callbacks short.
 */
public interface RaftListener {
    /** This node's role or term changed. */
    default void onRoleChange(Role role, long term) {
    }

    /** The leader this node knows of changed ({@code leaderId} 0: none known, e.g. during an election). */
    default void onLeaderChange(long leaderId, long term) {
    }

    /**
     * The node stopped on its own (fail-stop): a storage error — a failed fsync or write, a full disk — a broken
     * invariant, or an {@link Error} from the state machine. Called once, just before the node fails its pending
     * requests; no other callback follows. {@link RaftNode#failure()} and {@link NodeStatus#failure()} say the same.
     */
    default void onStopped(Throwable failure) {
    }
}
