package io.flotilla.raft.node;

/**
 * The node is stalled: a log write or its state machine has made no progress for longer than
 * {@link RaftConfig#maxStall()} (a hung disk, a stuck apply — a gray failure), so it fails requests at once rather
 * than let them hang. The request was not taken; send it to another node. {@link NodeStatus#stall()} says why.
 */
public final class NodeStalledException extends RaftException {
    private static final long serialVersionUID = 1L;

    NodeStalledException(String message) {
        super(message);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
