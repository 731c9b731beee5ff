package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One client session on a coordination cluster, talking to its members in process (a list of {@link RaftNode}s
 * running a {@link CoordinationStateMachine}) or over TCP ({@link TcpMember}, served by {@link CoordinationServer}). It opens a session on {@link #connect}, keeps it alive by
 * heartbeats to any member, and sends every write as a {@link Command.Request} under the session with the next
 * sequence number; a failed or timed-out attempt is retried on the next member with the same sequence number,
 * so a write applies exactly once even when an attempt's outcome was unknown.
 *
 * <p>Threading: every method is thread-safe; writes and reads block the calling thread up to {@link
 * Options#deadline()}. Keep-alives run on a daemon thread of their own, watch polling and
 * {@link WatchListener}s on another.
 */
public final class CoordinationClient implements AutoCloseable {
    /**
     * Client settings.
     *
     * @param ttl               the session's time to live without a keep-alive, in log time (default 2 s)
     * @param keepAliveInterval how often to send a keep-alive (default a third of the TTL)
     * @param attemptTimeout    how long one attempt on one member may take before trying the next (default 1 s)
     * @param deadline          how long a call retries before it fails with {@link UnavailableException} (10 s)
     * @param pollInterval      how often watches and waits read new events (default 20 ms)
     */
    public record Options(Duration ttl, Duration keepAliveInterval, Duration attemptTimeout, Duration deadline,
                          Duration pollInterval) {
        /** Validates. */
        public Options {
            for (Duration d : List.of(ttl, keepAliveInterval, attemptTimeout, deadline, pollInterval)) {
                if (d.toMillis() < 1) {
                    throw new IllegalArgumentException("durations must be >= 1 ms, was " + d);
                }
            }
            if (keepAliveInterval.compareTo(ttl) >= 0) {
                throw new IllegalArgumentException("keepAliveInterval " + keepAliveInterval + " must be < ttl " + ttl);
            }
        }

        /** The defaults with session TTL {@code ttl}. */
        public static Options withTtl(Duration ttl) {
            return new Options(ttl, ttl.dividedBy(3), Duration.ofSeconds(1), Duration.ofSeconds(10),
                    Duration.ofMillis(20));
        }
    }

    private final List<Member> members;
    private final Options options;
    private final ScheduledExecutorService keepAliveThread;
    private final ScheduledExecutorService watchThread;
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicLong nextSeq = new AtomicLong(1);
    /** Sequence numbers sent and not yet answered; the lowest bounds what the session must still cache. */
    private final ConcurrentSkipListSet<Long> inFlight = new ConcurrentSkipListSet<>();
    private final AtomicBoolean keepAlivesOn = new AtomicBoolean(true);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> expiryListeners = new CopyOnWriteArrayList<>();
    private volatile boolean expired;
    /** {@link System#nanoTime()} when a keep-alive sent then was last answered: the session was alive then. */
    private volatile long confirmedAt = System.nanoTime();
    private final long sessionId;

    private CoordinationClient(List<Member> members, Options options) {
        this.members = List.copyOf(members);
        this.options = options;
        current.set(ThreadLocalRandom.current().nextInt(members.size()));
        this.keepAliveThread = daemon("flotilla-coordination-keepalive");
        this.watchThread = daemon("flotilla-coordination-watch");
        Answer.Response opened = (Answer.Response) Wire.decodeAnswer(
                propose(Wire.encode(new Command.OpenSession(options.ttl().toMillis(),
                        ThreadLocalRandom.current().nextLong()))));
        this.sessionId = opened.revision();
        long every = options.keepAliveInterval().toMillis();
        keepAliveThread.scheduleWithFixedDelay(this::keepAlive, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens a session on the cluster made of {@code members}; blocks until it is open.
     *
     * @throws UnavailableException if no member opened it within the deadline
     */
    public static CoordinationClient connect(List<RaftNode> members, Options options) {
        return connectTo(members.stream().map(Member::of).toList(), options);
    }

    /** Opens a session through {@code members} (in process, or {@link TcpMember}s); blocks until it is open. */
    public static CoordinationClient connectTo(List<Member> members, Options options) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no members");
        }
        return new CoordinationClient(members, options);
    }

    /** This session's id: the log index of the entry that opened it. */
    public long sessionId() {
        return sessionId;
    }

    /** The settings. */
    public Options options() {
        return options;
    }

    /** Whether the client has learned that its session ended. */
    public boolean expired() {
        return expired;
    }

    /**
     * How long ago the cluster last confirmed the session alive: the time since the most recent keep-alive that
     * was answered was sent. Once this exceeds the TTL the client cannot know whether its session (and its locks,
     * claims and registrations) still exists; an application should stop acting on them by then, well before if
     * it can (see docs/recipes.md).
     */
    public Duration sinceConfirmed() {
        return Duration.ofNanos(System.nanoTime() - confirmedAt);
    }

    /** Runs {@code listener} (once, on a client thread or a caller's) when the client learns its session ended. */
    public void onExpiry(Runnable listener) {
        expiryListeners.add(listener);
    }

    /**
     * Applies {@code ops} as one transaction under the session, exactly once, and returns the outcome (check
     * {@link Answer.Response#ok()}).
     *
     * @throws SessionExpiredException if the session has ended
     * @throws UnavailableException    if no member answered within the deadline (the request may still apply, once)
     */
    public Answer.Response submit(List<Op> ops) {
        checkSession();
        long seq = nextSeq.getAndIncrement();
        inFlight.add(seq);
        try {
            long acked = inFlight.first();
            Answer.Response r = (Answer.Response) Wire.decodeAnswer(
                    propose(Wire.encode(new Command.Request(sessionId, seq, acked, ops))));
            if (r.code() == Code.SESSION_EXPIRED) {
                markExpired();
                throw new SessionExpiredException(sessionId);
            }
            return r;
        } finally {
            inFlight.remove(seq);
        }
    }

    /** {@link #submit(List)} of the given operations. */
    public Answer.Response submit(Op... ops) {
        return submit(List.of(ops));
    }

    /** Creates {@code path} and any missing ancestors as empty persistent nodes (existing ones are fine). */
    public void ensurePath(String path) {
        StringBuilder prefix = new StringBuilder();
        for (String part : path.substring(1).split("/")) {
            prefix.append('/').append(part);
            Answer.Response r = submit(new Op.Create(prefix.toString(), Payload.EMPTY, false, false));
            if (!r.ok() && r.code() != Code.NODE_EXISTS) {
                throw new CoordinationException("cannot create " + prefix + ": " + r.code());
            }
        }
    }

    /** A node's data and stat (linearizable). */
    public Answer.NodeData get(String path) {
        return (Answer.NodeData) read(new Query.Get(path));
    }

    /** A node's children's names in order, empty if it does not exist (linearizable). */
    public List<String> children(String path) {
        return ((Answer.ChildList) read(new Query.Children(path))).names();
    }

    /** Up to {@code max} events under {@code path} after {@code afterRevision} (linearizable). */
    public Answer.EventList events(long afterRevision, String path, int max) {
        return (Answer.EventList) read(new Query.Events(afterRevision, path, max));
    }

    /** The cluster's current revision: the last applied log index of the member that answered (linearizable). */
    public long revision() {
        return events(Long.MAX_VALUE - 1, "/", 1).revision();
    }

    /**
     * Blocks until something under {@code path} changes after {@code afterRevision}, or {@code timeout} passes;
     * returns what was read last (possibly no events). Used by recipes to wait.
     */
    public Answer.EventList awaitChange(String path, long afterRevision, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            checkSession();
            Answer.EventList ev = events(afterRevision, path, 1000);
            if (ev.compacted() || !ev.events().isEmpty() || System.nanoTime() - end >= 0) {
                return ev;
            }
            LockSupport.parkNanos(Math.min(options.pollInterval().toNanos(), Math.max(0, end - System.nanoTime())));
        }
    }

    /**
     * Delivers every event under {@code path} after {@code afterRevision}, in revision order, to {@code listener}
     * until the returned handle is closed or the client closes. Resumable: to pick up where a previous watch
     * stopped, pass the last revision it delivered. Polls every {@link Options#pollInterval()}.
     */
    public AutoCloseable watch(String path, long afterRevision, WatchListener listener) {
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong after = new AtomicLong(afterRevision);
        Runnable poll = new Runnable() {
            @Override
            public void run() {
                if (stopped.get() || closed.get()) {
                    return;
                }
                member().read(Wire.encode(new Query.Events(after.get(), path, 1000)))
                        .orTimeout(options.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .whenCompleteAsync((p, e) -> {
                            if (e != null) {
                                rotate();
                            } else if (!stopped.get()) {
                                Answer.EventList ev = (Answer.EventList) Wire.decodeAnswer(p);
                                if (ev.compacted()) {
                                    listener.onCompacted(ev.revision());
                                }
                                for (WatchEvent w : ev.events()) {
                                    listener.onEvent(w);
                                }
                                after.set(ev.revision());
                            }
                            schedule(this);
                        }, watchThread);
            }
        };
        schedule(poll);
        return () -> stopped.set(true);
    }

    private void schedule(Runnable r) {
        if (!closed.get()) {
            try {
                watchThread.schedule(r, options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /**
     * Ends the session (its ephemeral nodes are deleted at once) and stops the client's threads. Best effort: if
     * the cluster is unavailable the session expires by its TTL instead.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            if (!expired) {
                propose(Wire.encode(new Command.CloseSession(sessionId)));
            }
        } catch (CoordinationException e) {
            // the session will expire on its own
        } finally {
            stopThreads();
        }
    }

    private void stopThreads() {
        keepAliveThread.shutdownNow();
        watchThread.shutdownNow();
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Test hook: stop as a killed process would — no more keep-alives, no CloseSession. */
    void crash() {
        closed.set(true);
        stopThreads();
    }

    /** Test hook: stop or resume keep-alives, as a long pause (GC, swapping, a stopped VM) would. */
    void keepAlives(boolean on) {
        keepAlivesOn.set(on);
    }

    private void keepAlive() {
        if (!keepAlivesOn.get() || expired) {
            return;
        }
        Member m = member();
        long sent = System.nanoTime();
        m.propose(Wire.encode(new Command.KeepAlive(sessionId)))
                .orTimeout(options.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((p, e) -> {
                    if (e != null) {
                        rotate();
                    } else if (((Answer.Response) Wire.decodeAnswer(p)).code() == Code.SESSION_EXPIRED) {
                        markExpired();
                    } else if (sent - confirmedAt > 0) {
                        confirmedAt = sent;
                    }
                });
    }

    private void markExpired() {
        if (!expired) {
            expired = true;
            expiryListeners.forEach(Runnable::run);
        }
    }

    private void checkSession() {
        if (expired) {
            throw new SessionExpiredException(sessionId);
        }
        if (closed.get()) {
            throw new CoordinationException("client closed");
        }
    }

    private Member member() {
        return members.get(Math.floorMod(current.get(), members.size()));
    }

    private void rotate() {
        current.incrementAndGet();
    }

    private Answer read(Query q) {
        Payload answer = attempt(Wire.encode(q), true);
        Answer a = Wire.decodeAnswer(answer);
        if (a instanceof Answer.Response r) {
            throw new CoordinationException("query refused: " + r.code());
        }
        return a;
    }

    private Payload propose(Payload command) {
        return attempt(command, false);
    }

    /** Sends to one member after another until one answers or the deadline passes; bounded back-off between. */
    private Payload attempt(Payload message, boolean read) {
        long end = System.nanoTime() + options.deadline().toNanos();
        Throwable last = null;
        for (int attempt = 0; System.nanoTime() - end < 0; attempt++) {
            Member m = member();
            long left = Math.max(1, Math.min(options.attemptTimeout().toNanos(), end - System.nanoTime()));
            CompletableFuture<Payload> f = read ? m.read(message) : m.propose(message);
            try {
                return f.get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException("interrupted", e);
            }
            rotate();
            long backoff = Math.min(200, 5L << Math.min(attempt, 6)) * 1_000_000;
            LockSupport.parkNanos(Math.min(backoff, Math.max(0, end - System.nanoTime())));
        }
        throw new UnavailableException("no member answered within " + options.deadline(), last);
    }

    @Override
    public String toString() {
        return "CoordinationClient{session=" + sessionId + ", expired=" + expired + "}";
    }
}
