package io.flotilla.raft.node;

/**
 * A read did not complete in time: no leader could confirm a read index (an election, a partition) or this node
 * did not catch up. Reads change nothing, so a retry is always safe.
 */
public final class RaftTimeoutException extends RaftException {
    private static final long serialVersionUID = 1L;

    RaftTimeoutException(String message) {
        super(message);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
