package io.flotilla.raft.examples.coordination;

/**
 * No member answered within the client's deadline: no leader (an election, a lost majority), or every member the
 * client knows is unreachable. For a write, the outcome is unknown: it may still apply, once. Read to find out,
 * and decide what the application does meanwhile (see docs/recipes.md, "When the cluster is unavailable").
 */
public final class UnavailableException extends CoordinationException {
    private static final long serialVersionUID = 1L;

    /** With a message and the last failure seen. */
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
