package io.flotilla.raft.node;

/** The node was closed (or stopped on a storage error) before the request was handed to Raft. Nothing was appended. */
public final class NodeClosedException extends RaftException {
    private static final long serialVersionUID = 1L;

    NodeClosedException(String message) {
        super(message);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
