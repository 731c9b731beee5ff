package io.flotilla.raft.examples.coordination;

/**
 * A node's metadata. Revisions are log indexes.
 *
 * @param version         0 on creation, +1 on each set
 * @param createdRevision the log index of the entry that created the node
 * @param modifiedRevision the log index of the entry that last changed its data
 * @param ephemeralOwner  the owning session's id, or 0 for a persistent node
 * @param children        the number of children
 */
public record Stat(long version, long createdRevision, long modifiedRevision, long ephemeralOwner, int children) {
}
