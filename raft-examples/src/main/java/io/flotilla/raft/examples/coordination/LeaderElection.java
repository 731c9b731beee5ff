package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.time.Duration;
import java.util.Optional;

/**
 * Leader election among the processes of a host application: the candidate that holds the {@link DistributedLock}
 * at {@code path} leads, in the order candidates joined. Leadership lasts until {@link #resign()} or the end of the
 * leader's session; the {@link #term()} (the lock's fencing token) only grows from one leader to the next, so a
 * resource can refuse a deposed leader that still thinks it leads.
 *
 * <p>Threading: one object per candidate; methods block the calling thread.
 */
public final class LeaderElection {
    private final DistributedLock lock;
    private volatile DistributedLock.Lease lease;

    /** A candidate named {@code candidate} for leadership at {@code path}. */
    public LeaderElection(CoordinationClient client, String path, String candidate) {
        this.lock = new DistributedLock(client, path, Payload.ofUtf8(candidate));
    }

    /** Waits up to {@code timeout} to become leader; true if it did. */
    public boolean awaitLeadership(Duration timeout) {
        Optional<DistributedLock.Lease> l = lock.acquire(timeout);
        l.ifPresent(x -> lease = x);
        return l.isPresent();
    }

    /** Whether this candidate still leads (linearizable; it may lose leadership right after). */
    public boolean isLeader() {
        DistributedLock.Lease l = lease;
        return l != null && lock.held(l);
    }

    /** This leader's term: the fencing token of its leadership, 0 if it never led. */
    public long term() {
        DistributedLock.Lease l = lease;
        return l == null ? 0 : l.fencingToken();
    }

    /** The name of the current leader, if there is one. */
    public Optional<String> leader() {
        return lock.holder().map(Payload::toStringUtf8);
    }

    /** Gives up leadership (if held). */
    public void resign() {
        DistributedLock.Lease l = lease;
        if (l != null) {
            lock.release(l);
            lease = null;
        }
    }
}
