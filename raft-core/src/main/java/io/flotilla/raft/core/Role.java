package io.flotilla.raft.core;

/** The three roles of a Raft server (paper §5.1, Figure 4). Role-specific state lives in {@link RaftCore}. */
public enum Role {
    /** Passive: answers leaders and candidates, and campaigns if it hears from no leader. */
    FOLLOWER,
    /**
     * Asking whether it could win an election, without starting one (PreVote, thesis §9.6): its term and vote are
     * unchanged, so a node that cannot win — one cut off from the cluster, say — never disrupts a healthy leader.
     */
    PRE_CANDIDATE,
    /** Campaigning for leadership of a new term (§5.2). */
    CANDIDATE,
    /** Accepts proposals and replicates the log (§5.3). At most one per term (Election Safety). */
    LEADER
}
