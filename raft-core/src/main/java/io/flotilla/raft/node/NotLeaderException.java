package io.flotilla.raft.node;

/**
 * This node is not the leader and did not forward the proposal ({@link RaftConfig#forwardProposals()} is off).
 * Nothing was appended: retry on the named leader, or later if none is known (an election may be in progress).
 */
public final class NotLeaderException extends RaftException {
    private static final long serialVersionUID = 1L;
    private final long leaderId;
    private final String leaderAddress;

    NotLeaderException(long leaderId, String leaderAddress) {
        super(leaderId == 0 ? "no leader is known (an election may be in progress); retry later"
                : "not the leader; the leader is node " + leaderId + (leaderAddress == null ? "" : " at " + leaderAddress));
        this.leaderId = leaderId;
        this.leaderAddress = leaderAddress;
    }

    /** The leader's id, or 0 if none is known. */
    public long leaderId() {
        return leaderId;
    }

    /** The leader's address from the configuration, or null if unknown. */
    public String leaderAddress() {
        return leaderAddress;
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
