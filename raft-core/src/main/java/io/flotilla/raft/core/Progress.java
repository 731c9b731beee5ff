package io.flotilla.raft.core;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower (paper, Figure 2, "Volatile state on leaders": nextIndex and
 * matchIndex), with etcd's two replication modes:
 * <ul>
 *   <li>{@link State#PROBE}: the leader does not know where the follower's log matches its own. It sends one
 *       AppendEntries at a time (from {@code next - 1}) and waits for the answer or the next heartbeat.</li>
 *   <li>{@link State#REPLICATE}: the follower matched; the leader streams entries optimistically, advancing
 *       {@code next} as it sends, with at most {@code maxInflight} unacknowledged appends (pipelining).</li>
 *   <li>{@link State#SNAPSHOT}: the follower needs entries the leader has compacted (paper §7); the leader has sent
 *       InstallSnapshot for {@code pendingSnapshot} and sends no appends until the follower acknowledges an index at
 *       or beyond it, or the transfer is reported failed.</li>
 * </ul>
 * Invariant: {@code 0 <= match < next}.
 */
final class Progress {
    enum State { PROBE, REPLICATE, SNAPSHOT }

    /** matchIndex: highest index known to be replicated on the follower. */
    long match;
    /** nextIndex: index of the next entry to send to the follower. */
    long next;
    State state = State.PROBE;
    /** PROBE: an append is outstanding; no further probe until its answer or the next heartbeat. */
    boolean probeSent;
    /** Ticks since the follower's match index last advanced while entries were outstanding. */
    int ticksWithoutProgress;
    /** The highest {@code AppendEntries.seq} the follower has answered in this term (ReadIndex confirmation). */
    long ackedSeq;
    /** {@link #ticksSinceHeard} of a follower not heard from in this leader's term. */
    static final int NEVER = Integer.MAX_VALUE;
    /** Ticks since the leader last heard from this follower in its term; {@link #NEVER} if not yet. */
    int ticksSinceHeard = NEVER;

    /**
     * Whether the follower was heard from within the last {@code electionTicks} (etcd's RecentActive). A leader sends
     * entries and snapshots only to followers that answer; to one that does not, only heartbeats, so a dead
     * follower costs neither log reads nor memory in the transport's queue. CheckQuorum counts these.
     */
    boolean recentActive(int electionTicks) {
        return ticksSinceHeard < electionTicks;
    }
    /** SNAPSHOT: the index of the snapshot being sent. */
    long pendingSnapshot;
    /** REPLICATE: the last index and byte size of each unacknowledged append, oldest first. */
    private final ArrayDeque<long[]> inflights = new ArrayDeque<>();
    private long inflightBytes;
    private final int maxInflight;
    private final long maxInflightBytes;

    Progress(long next, int maxInflight, long maxInflightBytes) {
        this.next = next;
        this.maxInflight = maxInflight;
        this.maxInflightBytes = maxInflightBytes;
    }

    /** Whether the leader must hold back further appends to this follower for now (flow control). */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.size() >= maxInflight || inflightBytes >= maxInflightBytes;
            case SNAPSHOT -> true;
        };
    }

    /** The leader sent InstallSnapshot for the snapshot ending at {@code snapshotIndex}. */
    void becomeSnapshot(long snapshotIndex) {
        reset(State.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /**
     * The snapshot transfer ended. If the data was delivered, the follower should now hold the snapshot: probe from
     * just after it. Either way probe only at the next heartbeat, so a follower that cannot take the snapshot (or
     * crashed before installing it) is not sent another in a tight loop.
     */
    void snapshotTransferEnded(boolean delivered) {
        long after = pendingSnapshot + 1;
        becomeProbe();
        if (delivered) {
            next = Math.max(next, after);
        }
        probeSent = true;
    }

    void becomeProbe() {
        reset(State.PROBE);
    }

    void becomeReplicate() {
        reset(State.REPLICATE);
    }

    /** Enters {@code newState}, resuming from just after the known match point with nothing in flight. */
    private void reset(State newState) {
        state = newState;
        next = match + 1;
        probeSent = false;
        inflights.clear();
        inflightBytes = 0;
        ticksWithoutProgress = 0;
        pendingSnapshot = 0;
    }

    /** Records that an append carrying entries up to {@code lastIndex}, of {@code bytes} in all, was sent. */
    void sentEntries(long lastIndex, long bytes) {
        if (state == State.REPLICATE) {
            next = lastIndex + 1;
            inflights.addLast(new long[] {lastIndex, bytes});
            inflightBytes += bytes;
        } else {
            probeSent = true;
        }
    }

    /** A successful response: the follower matches up to {@code index}. Returns whether match advanced. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            ticksWithoutProgress = 0;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        while (!inflights.isEmpty() && inflights.peekFirst()[0] <= index) {
            inflightBytes -= inflights.removeFirst()[1];
        }
        return updated;
    }

    /**
     * A rejection of the append whose prevLogIndex was {@code rejected}; {@code probeFrom} is the leader's best
     * guess (from the follower's hint) of the last index that may match. Returns false for a stale rejection,
     * which is ignored.
     */
    boolean maybeDecrTo(long rejected, long probeFrom) {
        if (state == State.SNAPSHOT) {
            return false; // a heartbeat anchored where the follower has nothing yet: the snapshot is on its way
        }
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false; // answers an append sent before the follower matched
            }
            becomeProbe();
            next = Math.max(match + 1, Math.min(rejected, probeFrom + 1));
            return true;
        }
        if (next - 1 != rejected) {
            return false; // answers an older probe
        }
        next = Math.max(match + 1, Math.min(rejected, probeFrom + 1));
        probeSent = false;
        return true;
    }

    @Override
    public String toString() {
        return state + "{match=" + match + ", next=" + next + ", inflight=" + inflights.size()
                + (state == State.SNAPSHOT ? ", snapshot=" + pendingSnapshot : "") + "}";
    }
}
