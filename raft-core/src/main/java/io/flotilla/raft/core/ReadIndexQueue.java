package io.flotilla.raft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The leader's read-index requests in flight (thesis §6.4), like etcd's {@code readOnly}. A request first waits,
 * if need be, for the leader's first commit in its term; then it joins a confirmation round, identified by the
 * {@code AppendEntries.seq} of the heartbeats sent for it, and is released once a majority has answered that
 * round. Used only by {@link RaftCore}, on its thread.
 *
 * <p>Invariant: reads awaiting confirmation are in round order, so confirming a round confirms every earlier one.
 */
final class ReadIndexQueue {
    /**
     * A read-index request.
     *
     * @param from      this node, or the follower that asked
     * @param seq       its confirmation round (0 while it waits for the first commit)
     * @param readIndex the leader's commit index when the round started
     */
    record PendingRead(long requestId, long from, long seq, long readIndex) {
    }

    private final ArrayDeque<PendingRead> awaitingCommit = new ArrayDeque<>();
    private final ArrayDeque<PendingRead> awaitingQuorum = new ArrayDeque<>();

    /** Thesis §6.4 step 1: the read waits until an entry of the leader's term has committed. */
    void awaitFirstCommit(long requestId, long from) {
        awaitingCommit.addLast(new PendingRead(requestId, from, 0, 0));
    }

    boolean hasAwaitingCommit() {
        return !awaitingCommit.isEmpty();
    }

    /** Thesis §6.4 step 2: the read joins round {@code seq} with the current commit index as its read index. */
    void startRound(long requestId, long from, long seq, long readIndex) {
        awaitingQuorum.addLast(new PendingRead(requestId, from, seq, readIndex));
    }

    /** Moves every read waiting for the first commit into round {@code seq}. */
    void startRoundForAwaitingCommit(long seq, long readIndex) {
        for (PendingRead r : awaitingCommit) {
            startRound(r.requestId(), r.from(), seq, readIndex);
        }
        awaitingCommit.clear();
    }

    /** Thesis §6.4 step 3: removes and returns, in order, the reads whose round {@code confirmed} accepts. */
    List<PendingRead> releaseConfirmed(LongPredicate confirmed) {
        List<PendingRead> released = new ArrayList<>();
        while (!awaitingQuorum.isEmpty() && confirmed.test(awaitingQuorum.peekFirst().seq())) {
            released.add(awaitingQuorum.removeFirst());
        }
        return released;
    }

    /** Removes and returns every pending read (the leader steps down). */
    List<PendingRead> clear() {
        List<PendingRead> all = new ArrayList<>(awaitingCommit);
        all.addAll(awaitingQuorum);
        awaitingCommit.clear();
        awaitingQuorum.clear();
        return all;
    }
}
