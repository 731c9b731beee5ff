package io.flotilla.raft.node;

/**
 * Why a request to a node failed. Subclasses say what the caller needs: whether the request may have taken
 * effect ({@link #mayHaveTakenEffect()}), and which leader to try.
 */
public abstract class RaftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RaftException(String message) {
        super(message);
    }

    /**
     * Whether the request may still take effect. False: it definitely did not (or, for reads, it had no effect
     * anyway), so retrying is safe. True: the outcome is unknown, and a retry of a non-idempotent command may
     * apply it twice.
     */
    public abstract boolean mayHaveTakenEffect();
}
