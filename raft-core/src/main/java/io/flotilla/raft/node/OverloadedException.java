package io.flotilla.raft.node;

/**
 * The request was refused by back-pressure (too many requests pending on this node, or too much uncommitted data
 * on the leader). Nothing was appended; retry later, ideally with back-off.
 */
public final class OverloadedException extends RaftException {
    private static final long serialVersionUID = 1L;

    OverloadedException(String message) {
        super(message);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
