package io.flotilla.raft.log;

/**
 * The state a node must persist before it answers (Raft paper, Figure 2, "Persistent state on all
 * servers", and thesis §3.8), plus the commit index, which etcd persists too so that a restarted node
 * can re-apply committed entries without waiting for a leader.
 *
 * @param term     latest term the server has seen ({@code currentTerm}), 0 at first boot
 * @param votedFor candidate that received this node's vote in {@code term}, or 0 for none
 * @param commit   highest log index known to be committed ({@code commitIndex}) when last persisted
 */
public record HardState(long term, long votedFor, long commit) {
    /** The state of a node that has never run. */
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public HardState {
        if (term < 0 || votedFor < 0 || commit < 0) {
            throw new IllegalArgumentException("hard state fields must be >= 0: " + term + "/" + votedFor + "/" + commit);
        }
    }
}
