package io.flotilla.raft.log;

import java.util.List;

/**
 * What identifies a snapshot of the replicated state (Raft paper §7, Figure 13): the last entry it
 * includes, the membership at that entry, and — for the transfer and for checking it on disk — the size and
 * checksum of its data.
 *
 * @param index      lastIncludedIndex: the snapshot replaces every entry up to and including this index (> 0)
 * @param term       lastIncludedTerm: the term of that entry (> 0)
 * @param membership the group's membership as of {@code index} (Figure 13: "last config as of lastIncludedIndex")
 * @param sizeBytes  the length of the snapshot's data in bytes
 * @param checksum   the CRC32C of the snapshot's data (0 to 2^32-1)
 */
public record SnapshotMeta(long index, long term, Membership membership, long sizeBytes, long checksum) {
    public SnapshotMeta {
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("snapshot index and term must be > 0, were " + index + " and " + term);
        }
        java.util.Objects.requireNonNull(membership, "membership");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must be >= 0, was " + sizeBytes);
        }
        if (checksum < 0 || checksum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("checksum must be an unsigned 32-bit value, was " + checksum);
        }
    }

    /** A snapshot of a group whose members are {@code voters} (no learners). */
    public SnapshotMeta(long index, long term, List<Long> voters, long sizeBytes, long checksum) {
        this(index, term, Membership.ofVoters(voters), sizeBytes, checksum);
    }

    /** The voting members at {@code index}. */
    public List<Long> voters() {
        return membership.voters();
    }

    /** Whether {@code other} describes the same snapshot data (same last entry, size and checksum). */
    public boolean sameDataAs(SnapshotMeta other) {
        return other != null && index == other.index && term == other.term && sizeBytes == other.sizeBytes
                && checksum == other.checksum;
    }
}
