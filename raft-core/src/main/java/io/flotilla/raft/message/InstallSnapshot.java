package io.flotilla.raft.message;

import io.flotilla.raft.log.SnapshotMeta;

import java.util.Objects;

/**
 * InstallSnapshot (Raft paper §7, Figure 13), as the core sees it: the leader's decision that a follower needs
 * its snapshot {@code meta}, because the entries the follower lacks are compacted away. Like etcd's
 * {@code MsgSnap}, it names the snapshot but does not carry its data: the runtime streams the data in
 * {@link SnapshotChunk}s (Figure 13's offset, data and done fields), checks it, and only then steps this message
 * into the follower's core, which installs it (receiver rules 6–8) and answers with an {@link AppendResponse}
 * matching {@code meta.index()}.
 *
 * @param meta the snapshot: lastIncludedIndex, lastIncludedTerm, membership, size and checksum
 */
public record InstallSnapshot(long groupId, long from, long to, long term, SnapshotMeta meta) implements Message {
    public InstallSnapshot {
        Message.checkHeader(groupId, from, to, term);
        Objects.requireNonNull(meta, "meta");
    }
}
