package io.flotilla.raft.examples.coordination;

import java.util.List;
import java.util.Objects;

/**
 * A log entry of the coordination state machine (encoded by {@link Wire}). Time enters the log only through
 * {@link Tick}s, which a node's {@link TimeKeeper} proposes while it leads; every replica therefore decides
 * session expiry from the same entries (thesis §6.3).
 */
public sealed interface Command permits Command.OpenSession, Command.KeepAlive, Command.CloseSession, Command.Tick,
        Command.Request {

    /**
     * Opens a session; its id is the log index of this entry. {@code nonce} is a random number the client picks
     * once per session: a retried OpenSession with the nonce of a live session answers that session's id instead
     * of opening another.
     */
    record OpenSession(long ttlMillis, long nonce) implements Command {
        /** Validates. */
        public OpenSession {
            if (ttlMillis <= 0) {
                throw new IllegalArgumentException("ttlMillis must be > 0, was " + ttlMillis);
            }
        }
    }

    /** Extends a session's deadline to the log time plus its TTL. */
    record KeepAlive(long sessionId) implements Command {
    }

    /** Ends a session as expiry would: its ephemeral nodes go in this entry. */
    record CloseSession(long sessionId) implements Command {
    }

    /**
     * The proposing leader's clock: {@code nowMillis} read from its monotonic clock while it led {@code term}.
     * Clocks of different nodes are not compared: a tick of a higher term than any before rebases the log time on
     * the new leader's clock and grants every session a fresh TTL; a tick of a lower term is ignored.
     */
    record Tick(long term, long nowMillis) implements Command {
    }

    /**
     * A client request under a session: {@code ops} as one transaction, applied at most once per {@code (sessionId,
     * seq)}. {@code ackedBelow} tells the state machine that the client has every response below that sequence
     * number, so their cached copies can go.
     */
    record Request(long sessionId, long seq, long ackedBelow, List<Op> ops) implements Command {
        /** Validates and copies. */
        public Request {
            ops = List.copyOf(Objects.requireNonNull(ops, "ops"));
            if (ops.isEmpty()) {
                throw new IllegalArgumentException("a request needs at least one operation");
            }
            if (seq <= 0) {
                throw new IllegalArgumentException("seq must be > 0, was " + seq);
            }
        }
    }
}
