package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;

/**
 * A snapshot of a node's state, as last published by its event loop (and apply thread, for {@code applied}).
 *
 * @param id          this node's id
 * @param role        its role
 * @param term        its current term
 * @param leaderId    the leader it knows of in that term, or 0
 * @param commitIndex the highest index it knows committed
 * @param lastIndex   the index of the last entry in its log
 * @param applied     the highest index its state machine has applied
 * @param running     false once the node has closed or stopped on an error
 * @param firstIndex  the index of the first entry still in its log (entries before it were compacted, §7)
 * @param snapshotIndex the last index covered by its newest snapshot, or 0 if it has none
 * @param stall       why this node is stalled — a log write or its state machine made no progress for longer than
 *                    {@link RaftConfig#maxStall()} — or null while it is healthy. A stalled node fails reads and
 *                    proposals at once and does not lead. While a log write hangs the event loop is stuck, so
 *                    {@code role} may still say {@code LEADER}: health checks should look at this field.
 * @param failure     why the node stopped on its own — a storage error (a failed fsync or write, a full disk), a broken
 *                    invariant, an {@link Error} from the state machine — or null. A node that failed is not running,
 *                    is no longer leader ({@code role} {@code FOLLOWER}, {@code leaderId} 0), sends nothing and answers
 *                    nothing; restart it on its store (see docs/runtime.md, "Storage errors")
 */
public record NodeStatus(long id, Role role, long term, long leaderId, long commitIndex, long lastIndex,
                         long applied, boolean running, long firstIndex, long snapshotIndex, String stall,
                         String failure) {
    /** Whether the node is running and not stalled. */
    public boolean healthy() {
        return running && stall == null;
    }
}
