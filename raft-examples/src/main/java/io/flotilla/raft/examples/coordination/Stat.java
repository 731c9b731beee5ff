package io.flotilla.raft.examples.coordination;

/**
 * A node's metadata. Revisions are log indexes.
 *
 * @param version         0 on creation, +1 on each set
 * @param createdRevision the log index of the entry that created the node
 * @param modifiedRevision the log index of the entry that last changed its data
 * @param ephemeralOwner  the owning session's id, or 0 for a persistent node
 * @param children        the number of children
 * @param lockDelayed     whether a lock delay holds this node's lock: a holder created with
 *                        {@link Op.Create#lockDelayMillis()} expired, and the delay has not passed in log time
 */
public record Stat(long version, long createdRevision, long modifiedRevision, long ephemeralOwner, int children,
                   boolean lockDelayed) {
    /** Metadata of a node without a lock delay. */
    public Stat(long version, long createdRevision, long modifiedRevision, long ephemeralOwner, int children) {
        this(version, createdRevision, modifiedRevision, ephemeralOwner, children, false);
    }
}
