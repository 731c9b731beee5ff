package io.flotilla.raft.log;

/**
 * A log store could not read or write, or found its data damaged. The message names what is wrong
 * and where. A node that sees this stops instead of running on state it cannot trust.
 */
public class LogStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogStoreException(String message) {
        super(message);
    }

    public LogStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
