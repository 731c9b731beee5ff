package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A fair mutual-exclusion lock under {@code path}: each contender creates an ephemeral sequential node
 * {@code path/lock-N}; the lowest holds the lock, the others wait their turn in creation order. The lock is held
 * as long as the node exists: releasing deletes it, and so does the end of the holder's session (expiry after its
 * TTL without keep-alives, or close).
 *
 * <p>Fencing: every acquisition carries a {@link Lease#fencingToken()}, the log index of the entry that created
 * its node. Holders acquire in creation order, so tokens only grow from one holder to the next. A holder may lose
 * the lock without knowing (a long pause outlives its TTL); a resource that remembers the highest token it has
 * seen and refuses smaller ones is safe against such a stale holder (Kleppmann; Chubby's sequencers).
 *
 * <p>Lock delay (optional, Chubby/Consul style): a contender created with a {@code lockDelay} asks that, if its
 * session <em>expires</em> while it holds the lock, nobody takes the lock for {@code lockDelay} of log time (the
 * leader-stamped ticks that decide session expiry, so every replica agrees). A holder that was only paused may still
 * be finishing a write it began before it lost the lock; the delay gives such a write time to land or fail before
 * the next holder starts (for resources that cannot check a fencing token). A normal release or a closed session
 * sets no delay. The next holder therefore gets the lock no earlier than the TTL plus the delay after the expired
 * holder's last keep-alive, in log time, and its fencing token is still larger.
 *
 * <p>Threading: one lock object per contender; methods block the calling thread and may be called from any.
 */
public final class DistributedLock {
    /**
     * A held lock.
     *
     * @param node         the contender's node, e.g. {@code /locks/a/lock-0000000003}
     * @param fencingToken the log index that created the node; larger than every earlier holder's
     */
    public record Lease(String node, long fencingToken) {
    }

    private final CoordinationClient client;
    private final String path;
    private final Payload owner;
    private final Duration lockDelay;

    /** A contender for the lock at {@code path}, identifying itself with {@code owner} (visible to others). */
    public DistributedLock(CoordinationClient client, String path, Payload owner) {
        this(client, path, owner, Duration.ZERO);
    }

    /**
     * A contender whose expiry while holding the lock keeps the lock from everyone for {@code lockDelay}
     * (millisecond resolution; {@link Duration#ZERO}, the default, for none).
     */
    public DistributedLock(CoordinationClient client, String path, Payload owner, Duration lockDelay) {
        if (lockDelay.isNegative()) {
            throw new IllegalArgumentException("lockDelay must be >= 0, was " + lockDelay);
        }
        this.client = client;
        this.path = path;
        this.owner = owner;
        this.lockDelay = lockDelay;
    }

    /**
     * Waits up to {@code timeout} for the lock. On timeout the contender leaves the queue and the answer is empty.
     *
     * @throws SessionExpiredException if the session ended while waiting
     * @throws UnavailableException    if the cluster did not answer within the client's deadline
     */
    public Optional<Lease> acquire(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        client.ensurePath(path);
        Answer.Response created = client.submit(new Op.Create(path + "/lock-", owner, true, true, lockDelay.toMillis()));
        if (!created.ok()) {
            throw new CoordinationException("cannot join the queue of " + path + ": " + created.code());
        }
        Answer.OpResult mine = created.results().get(0);
        Lease lease = new Lease(mine.path(), mine.stat().createdRevision());
        long seen = lease.fencingToken();
        while (true) {
            List<String> queue = client.children(path);
            String name = CoordinationStateMachine.nameOf(lease.node());
            if (!queue.contains(name)) {
                throw new SessionExpiredException(client.sessionId());      // our node went with our session
            }
            // First in the queue and no lock delay left by an expired holder. The delay is set in the entry that
            // deleted the holder before us, so this read (after the one that showed us first) sees it.
            if (queue.get(0).equals(name) && !client.get(path).stat().lockDelayed()) {
                return Optional.of(lease);
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                release(lease);
                return Optional.empty();
            }
            seen = client.awaitChange(path, seen, Duration.ofNanos(left)).revision();
        }
    }

    /** Whether {@code lease} is still held (linearizable; it may be lost right after). */
    public boolean held(Lease lease) {
        Answer.NodeData d = client.get(lease.node());
        return d.exists() && d.stat().ephemeralOwner() == client.sessionId();
    }

    /** Releases the lock (or leaves the queue); does nothing if the node is already gone. */
    public void release(Lease lease) {
        Answer.Response r = client.submit(new Op.Delete(lease.node(), Op.ANY_VERSION, true));
        if (!r.ok() && r.code() != Code.NO_NODE) {
            throw new CoordinationException("cannot release " + lease.node() + ": " + r.code());
        }
    }

    /** The current holder's owner data, if the lock is held. */
    public Optional<Payload> holder() {
        for (String name : client.children(path)) {
            Answer.NodeData d = client.get(path + "/" + name);
            if (d.exists()) {
                return Optional.of(d.data());
            }
        }
        return Optional.empty();
    }
}
