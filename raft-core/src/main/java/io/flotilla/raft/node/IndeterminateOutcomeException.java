package io.flotilla.raft.node;

/**
 * The command may or may not be committed: it was (or may have been) appended, but this node could not learn the
 * outcome in time — the request timed out (for example while the cluster had no leader or this node was cut
 * off), or the node closed. A retry of a non-idempotent command may apply it twice; make commands idempotent, or
 * read to find out.
 */
public final class IndeterminateOutcomeException extends RaftException {
    private static final long serialVersionUID = 1L;

    IndeterminateOutcomeException(String message) {
        super(message);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return true;
    }
}
