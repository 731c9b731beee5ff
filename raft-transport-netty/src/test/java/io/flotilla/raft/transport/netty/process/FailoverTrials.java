package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.transport.netty.process.FailoverCluster.Ack;
import io.flotilla.raft.transport.netty.process.FailoverCluster.Kill;
import io.flotilla.raft.transport.netty.process.FailoverCluster.RoleEvent;
import io.flotilla.raft.transport.netty.process.FailoverCluster.Status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Fail-overs of a {@link FailoverCluster}, one after another, for {@link FailoverBenchmark} and {@link FailoverTest}.
 * A trial waits until the cluster is stable (one leader, both others following it, all caught up), pauses, checks
 * that nothing changed, kills the leader with SIGKILL and measures, from the instant just before the signal:
 * <ul>
 *   <li><b>first write</b>: the parent receives the acknowledgement of a put that it sent after {@code kill(2)}
 *       returned, from a node that was then leader in a later term than the one killed (its last role event before
 *       the answer says so: a node prints both on one stream, in order). The old leader ran none of its code after
 *       {@code kill(2)}, so it never saw such a put: a new leader appended and committed it. The survivor that
 *       follows the new leader forwards puts to it too; the first of those acknowledgements that arrives, if
 *       earlier, is kept apart ({@link Trial#anyWriteNanos}).</li>
 *   <li><b>timer</b>: a survivor reports PRE_CANDIDATE (its election timeout fired: PreVote, thesis §9.6), and
 *       <b>elected</b>: a survivor reports LEADER in a later term. Both are stamped with {@link System#nanoTime()}
 *       in the child, by a listener on its apply thread (CLOCK_MONOTONIC: one clock for all processes on the
 *       machine), so they may lag the event loop a little.</li>
 * </ul>
 * Then the killed node restarts on its directory and port, and the next trial kills whichever node leads then.
 * Every wait is bounded by {@code wait}; the attempts to find a leader that stays put until the kill, by
 * {@value #MAX_ATTEMPTS}.
 *
 * <p>Threads: the test thread only.
 */
final class FailoverTrials {
    private static final int MAX_ATTEMPTS = 20;

    private final FailoverCluster cluster;
    private final Duration wait;
    private Trial previous;
    private int unprovokedLeaderChanges;
    private long termsBetweenTrials;
    private int discarded;

    /**
     * One fail-over; times in nanoseconds from the instant before SIGKILL.
     *
     * @param oldTerm        the killed leader's term
     * @param signalNanos    until {@code kill(2)} returned
     * @param goneNanos      until {@code Process.waitFor} saw the process gone
     * @param timerNanos     until the first survivor's election timer fired (it became PRE_CANDIDATE or CANDIDATE)
     * @param electedNanos   until the first survivor became leader in a later term
     * @param newLeader      the leader that acknowledged the first write
     * @param newTerm        its term
     * @param leaders        leaders of later terms elected after the kill, up to that acknowledgement
     * @param anyWriteNanos  until the first acknowledged put sent after {@code kill(2)} returned, from any survivor
     *                       (the follower's forwarded ones included)
     * @param writeNanos     until the first such put acknowledged by the new leader itself: the figure measured
     * @param writeSentNanos until that put was sent
     * @param restartNanos   how long the killed node took to restart until it printed {@code ready} (not from the
     *                       kill)
     */
    record Trial(int number, long victim, long oldTerm, long signalNanos, long goneNanos, long timerNanos,
                 long electedNanos, long newLeader, long newTerm, int leaders, long anyWriteNanos, long writeNanos,
                 long writeSentNanos, long restartNanos) {
        Trial withRestart(long nanos) {
            return new Trial(number, victim, oldTerm, signalNanos, goneNanos, timerNanos, electedNanos, newLeader,
                    newTerm, leaders, anyWriteNanos, writeNanos, writeSentNanos, nanos);
        }
    }

    FailoverTrials(FailoverCluster cluster, Duration wait) {
        this.cluster = cluster;
        this.wait = wait;
    }

    /**
     * Runs trial {@code number}: waits until the cluster is stable, pauses for {@code pause}, then kills the leader
     * if it still leads and both others still follow it (or waits again), measures, and restarts the killed node. A
     * trial in which a survivor's role changed between the last check and the kill is discarded and run again.
     */
    Trial next(int number, Duration pause) throws Exception {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Status leader = cluster.awaitStable(wait);
            if (previous != null) {
                if (leader.node() != previous.newLeader() || leader.term() != previous.newTerm()) {
                    unprovokedLeaderChanges++; // while the killed node restarted or caught up
                }
                termsBetweenTrials += leader.term() - previous.newTerm();
                previous = null;
            }
            long pauseUntil = System.nanoTime() + pause.toNanos();
            for (int i = 0; i < 100_000 && System.nanoTime() - pauseUntil < 0; i++) {
                LockSupport.parkNanos(Math.min(1_000_000, pauseUntil - System.nanoTime())); // a pause, not a wait
            }
            long checked = System.nanoTime();
            if (!cluster.statuses().stream().allMatch(s -> s.agreesWith(leader))) {
                continue;
            }
            Kill kill = cluster.kill(leader.node());
            Trial measured = measure(leader, kill, checked, number);
            long restarting = System.nanoTime();
            cluster.start(leader.node(), wait);
            long restartNanos = System.nanoTime() - restarting;
            if (measured == null) {
                discarded++;
                continue;
            }
            previous = measured.withRestart(restartNanos);
            return previous;
        }
        throw new AssertionError(MAX_ATTEMPTS + " attempts to find a leader that stays put until the kill failed");
    }

    /** Leader changes between trials that no kill caused: the cluster elected again while a node restarted. */
    int unprovokedLeaderChanges() {
        return unprovokedLeaderChanges;
    }

    /** By how much the term grew between trials (0 if no node campaigned while the killed one restarted). */
    long termsBetweenTrials() {
        return termsBetweenTrials;
    }

    /** Trials run again because a survivor's role changed between the last check and the kill. */
    int discarded() {
        return discarded;
    }

    /**
     * The fail-over after {@code kill} of {@code leader}, or null if a survivor's role or term changed between
     * {@code checked} (the last check that {@code leader} led) and the kill.
     */
    private Trial measure(Status leader, Kill kill, long checked, int number) {
        long killed = kill.before();
        long deadline = killed + wait.toNanos();
        List<RoleEvent> events;
        List<Ack> acks;
        Optional<Ack> byLeader;
        try {
            while (true) {
                events = survivorEvents(kill.node(), checked);
                acks = cluster.acksSinceKill();
                List<RoleEvent> seen = events;
                byLeader = acks.stream().filter(a -> ledLaterTerm(seen, a, leader.term())).findFirst();
                if (byLeader.isPresent()) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("no write acknowledged by a leader of a term after " + leader.term()
                            + " within " + wait + " of killing node " + kill.node() + "; acknowledged since: "
                            + acks.subList(0, Math.min(acks.size(), 10)) + "; survivors' role changes: " + events);
                }
                LockSupport.parkNanos(2_000_000);
            }
        } finally {
            cluster.disarm();
        }
        if (events.stream().anyMatch(x -> x.nanos() - killed < 0)) {
            System.out.printf("trial %d discarded: a survivor's role changed between the last check and the kill "
                    + "(at %d): %s%n", number, killed, events);
            return null;
        }
        Ack write = byLeader.get();
        RoleEvent leading = lastBefore(events, write).orElseThrow();
        RoleEvent elected = events.stream().filter(x -> x.isLeaderAfter(leader.term()))
                .min(Comparator.comparingLong(RoleEvent::nanos)).orElseThrow();
        long timer = events.stream().filter(x -> x.role().equals("PRE_CANDIDATE") || x.role().equals("CANDIDATE"))
                .mapToLong(RoleEvent::nanos).min().orElse(elected.nanos());
        int leaders = (int) events.stream().filter(x -> x.isLeaderAfter(leader.term())
                && x.nanos() - write.ackedNanos() <= 0).count();
        return new Trial(number, kill.node(), leader.term(), kill.signalled() - killed, kill.gone() - killed,
                timer - killed, elected.nanos() - killed, write.node(), leading.term(), leaders,
                acks.get(0).ackedNanos() - killed, write.ackedNanos() - killed, write.sentNanos() - killed, 0);
    }

    /** Whether the node that acknowledged {@code a} was then leader in a term after {@code term}. */
    private static boolean ledLaterTerm(List<RoleEvent> events, Ack a, long term) {
        return lastBefore(events, a).filter(e -> e.isLeaderAfter(term)).isPresent();
    }

    /** The last role change {@code a}'s node reported before it answered {@code a}. */
    private static Optional<RoleEvent> lastBefore(List<RoleEvent> events, Ack a) {
        return events.stream().filter(e -> e.node() == a.node() && e.nanos() - a.ackedNanos() <= 0)
                .max(Comparator.comparingLong(RoleEvent::nanos));
    }

    /** The role changes of the nodes other than {@code victim} at or after {@code since}. */
    private List<RoleEvent> survivorEvents(long victim, long since) {
        List<RoleEvent> events = new ArrayList<>();
        for (long id = 1; id <= FailoverCluster.NODES; id++) {
            if (id != victim) {
                cluster.roleEvents(id).stream().filter(e -> e.nanos() - since >= 0).forEach(events::add);
            }
        }
        return events;
    }
}
