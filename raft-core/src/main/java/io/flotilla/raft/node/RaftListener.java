package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;

/**
 * Observes a node's role, term and leader. Called on the node's apply thread, in order with the entries it
 * applies, never on the event loop; keep callbacks short.
 */
public interface RaftListener {
    /** This node's role or term changed. */
    default void onRoleChange(Role role, long term) {
    }

    /** The leader this node knows of changed ({@code leaderId} 0: none known, e.g. during an election). */
    default void onLeaderChange(long leaderId, long term) {
    }
}
