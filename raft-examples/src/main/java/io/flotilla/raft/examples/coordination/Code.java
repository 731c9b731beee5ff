package io.flotilla.raft.examples.coordination;

/**
 * The outcome of a coordination command or of one operation in a transaction. Every code but {@link #OK} is an
 * expected, deterministic refusal: each replica computes the same one, and none changes the state.
 */
public enum Code {
    /** Done. */
    OK,
    /** The node (or, for a create, its parent) does not exist. */
    NO_NODE,
    /** A create found the node already there. */
    NODE_EXISTS,
    /** A compare-and-set found another version. */
    BAD_VERSION,
    /** A delete found children under the node. */
    NOT_EMPTY,
    /** Ephemeral nodes cannot have children. */
    NO_CHILDREN_FOR_EPHEMERALS,
    /** The operation needs the node to be owned (as an ephemeral) by the calling session, and it is not. */
    NOT_OWNER,
    /** The session is unknown: it expired, was closed, or never existed. */
    SESSION_EXPIRED,
    /**
     * A retried request whose cached response the session no longer keeps (the client acknowledged it, or more
     * than {@link CoordinationStateMachine#MAX_CACHED_RESPONSES} later requests were answered). The request was
     * applied once; its result is lost.
     */
    RESPONSE_DISCARDED,
    /** A malformed path or argument. */
    BAD_ARGUMENT
}
