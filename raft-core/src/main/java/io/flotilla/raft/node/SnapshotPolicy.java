package io.flotilla.raft.node;

import java.time.Duration;
import java.util.Objects;

/**
 * When a node snapshots its state machine and compacts its log, and how it sends snapshots to followers (Raft paper
 * §7). Immutable; validated when built. Start from {@link #defaults()}.
 *
 * @param everyEntries     snapshot once this many entries have been applied since the last snapshot; 0 turns
 *                         snapshots off. Default 10,000 (etcd's default). Needs a state machine that implements
 *                         {@link StateMachine#snapshot()}.
 * @param everyBytes       ... or once this many bytes of entries have been applied since the last snapshot, whichever
 *                         comes first. Default 64 MiB.
 * @param trailingEntries  how many entries before the snapshot the log keeps when it is compacted, so that a follower
 *                         a little behind catches up from the log rather than by a snapshot. Default 5,000.
 * @param chunkBytes       the data in one snapshot chunk. Default 1 MiB; must fit the transport's frame limit.
 * @param maxInflightChunks how many chunks may be unacknowledged per transfer (the flow-control window): the sender
 *                         holds at most this many chunks in the transport's queue, the receiver one. Default 4.
 * @param transferTimeout  a transfer that makes no progress (no chunk acknowledged) for this long is abandoned and
 *                         retried, resuming where the follower's data ends. Not a deadline for the whole transfer.
 *                         Default 10 s.
 */
public record SnapshotPolicy(long everyEntries, long everyBytes, long trailingEntries, int chunkBytes,
                             int maxInflightChunks, Duration transferTimeout) {
    public SnapshotPolicy {
        if (everyEntries < 0) {
            throw new IllegalArgumentException("everyEntries must be >= 0 (0 = no snapshots), was " + everyEntries);
        }
        if (everyBytes <= 0) {
            throw new IllegalArgumentException("everyBytes must be > 0, was " + everyBytes);
        }
        if (trailingEntries < 0) {
            throw new IllegalArgumentException("trailingEntries must be >= 0, was " + trailingEntries);
        }
        if (chunkBytes < 1 || chunkBytes > (64 << 20)) {
            throw new IllegalArgumentException("chunkBytes must be in [1, 64 MiB], was " + chunkBytes);
        }
        if (maxInflightChunks < 1) {
            throw new IllegalArgumentException("maxInflightChunks must be >= 1, was " + maxInflightChunks);
        }
        Objects.requireNonNull(transferTimeout, "transferTimeout");
        if (transferTimeout.isNegative() || transferTimeout.isZero()) {
            throw new IllegalArgumentException("transferTimeout must be positive, was " + transferTimeout);
        }
    }

    /** The defaults listed above. */
    public static SnapshotPolicy defaults() {
        return new SnapshotPolicy(10_000, 64L << 20, 5_000, 1 << 20, 4, Duration.ofSeconds(10));
    }

    /** No snapshots: the log is never compacted. */
    public static SnapshotPolicy disabled() {
        return defaults().withThresholds(0, 64L << 20, 5_000);
    }

    /** Whether snapshots are taken at all. */
    public boolean enabled() {
        return everyEntries > 0;
    }

    /** A copy with other thresholds. */
    public SnapshotPolicy withThresholds(long everyEntries, long everyBytes, long trailingEntries) {
        return new SnapshotPolicy(everyEntries, everyBytes, trailingEntries, chunkBytes, maxInflightChunks,
                transferTimeout);
    }

    /** A copy with other transfer settings. */
    public SnapshotPolicy withTransfer(int chunkBytes, int maxInflightChunks, Duration transferTimeout) {
        return new SnapshotPolicy(everyEntries, everyBytes, trailingEntries, chunkBytes, maxInflightChunks,
                transferTimeout);
    }
}
