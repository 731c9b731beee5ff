package io.flotilla.raft.examples.coordination;

/**
 * One change to the namespace. {@code revision} is the log index of the entry that made it; events of one entry
 * (a transaction, a session's expiry) share a revision and keep their order.
 */
public record WatchEvent(long revision, Type type, String path) {
    /** What happened to the node. */
    public enum Type {
        /** It was created. */
        CREATED,
        /** Its data was set. */
        CHANGED,
        /** It was deleted, explicitly or with its session's {@code CloseSession}. */
        DELETED,
        /** It was an ephemeral node, deleted because its session expired. */
        EXPIRED,
        /** The lock delay on it ended (see {@link Op.Create#lockDelayMillis()}): its lock may be taken again. */
        LOCK_DELAY_ENDED
    }
}
