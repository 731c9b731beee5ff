package io.flotilla.raft.examples.coordination;

/**
 * A coordination call did not succeed. {@link UnavailableException}: the cluster did not answer before the
 * deadline (the outcome of a write is unknown until a retry under the same session answers it);
 * {@link SessionExpiredException}: the session is gone.
 */
public class CoordinationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message. */
    public CoordinationException(String message) {
        super(message);
    }

    /** With a message and a cause. */
    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }
}
