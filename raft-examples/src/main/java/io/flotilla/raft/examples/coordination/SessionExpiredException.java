package io.flotilla.raft.examples.coordination;

/**
 * The client's session has ended (expired, or closed): its ephemeral nodes are gone, so every lock, claim,
 * registration and leadership it held is lost. Open a new {@link CoordinationClient} to go on.
 */
public final class SessionExpiredException extends CoordinationException {
    private static final long serialVersionUID = 1L;

    /** Names the session. */
    public SessionExpiredException(long sessionId) {
        super("session " + sessionId + " has expired or was closed");
    }
}
