package io.flotilla.raft.transport.netty.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Three {@link NodeProcess}es for the fail-over measurements ({@link FailoverTrial}), and a writer thread that keeps
 * proposing to every live one: every {@code writeEvery} it sends {@code put k<seq mod 100> <seq>} to each node that
 * is up (a follower forwards it to the leader it knows, or holds it while it knows none). A {@link #kill} arms the
 * writer with the instant of the kill; from then on every acknowledged put sent at or after it is recorded
 * ({@link #acksSinceKill}), up to {@value #MAX_ACKS}.
 *
 * <p>Threads: the test thread calls everything; the writer thread only sends; acknowledgements and role events
 * arrive on each {@link ChildNode}'s reader thread.
 */
final class FailoverCluster implements AutoCloseable {
    static final int NODES = 3;
    /** Bounds the acknowledgements kept per kill: at a put per node every 5 ms, about 30 s of them. */
    private static final int MAX_ACKS = 20_000;

    private final Path dir;
    private final String ports;
    private final Map<String, String> properties;
    private final Duration writeEvery;
    /** The nodes that are up and ready, in id order: the writer sends to these. */
    private final Map<Long, ChildNode> up = new ConcurrentSkipListMap<>();
    private final Thread writer;
    private volatile boolean writing = true;
    private final long writeUntil;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** While set, every acknowledged put sent at or after its instant is recorded in it. */
    private final AtomicReference<Armed> armed = new AtomicReference<>();

    /** A put acknowledged by node {@code node}: sent at {@code sentNanos}, answered at {@code ackedNanos}. */
    record Ack(long node, long sentNanos, long ackedNanos) {
    }

    private record Armed(long since, Queue<Ack> acks, AtomicInteger size) {
        void record(Ack a) {
            if (a.sentNanos() - since >= 0 && size.incrementAndGet() <= MAX_ACKS) {
                acks.add(a);
            }
        }
    }

    /** One {@code status} answer: {@code status <role> <term> <leader> <commit> <applied>}. */
    record Status(long node, String role, long term, long leader, long commit, long applied) {
        static Status parse(long node, String answer) {
            String[] p = answer.split(" ");
            if (p.length != 6 || !p[0].equals("status")) {
                throw new IllegalStateException("node " + node + " answered " + answer);
            }
            return new Status(node, p[1], Long.parseLong(p[2]), Long.parseLong(p[3]), Long.parseLong(p[4]),
                    Long.parseLong(p[5]));
        }

        /** Whether this node leads in {@code term}, or follows {@code leader} in it. */
        boolean agreesWith(Status leader) {
            return term == leader.term() && (node == leader.node() ? role.equals("LEADER")
                    : role.equals("FOLLOWER") && this.leader == leader.node());
        }
    }

    /** A role change a node reported ({@code event role <role> <term> <nanoTime>}). */
    record RoleEvent(long node, String role, long term, long nanos) {
        boolean isLeaderAfter(long term) {
            return role.equals("LEADER") && this.term > term;
        }
    }

    /**
     * A kill: {@link System#nanoTime()} just before SIGKILL was sent, once {@code kill(2)} returned, and once the
     * process was gone ({@code Process.waitFor}).
     */
    record Kill(long node, long before, long signalled, long gone) {
    }

    private FailoverCluster(Path dir, String ports, Map<String, String> properties, Duration writeEvery,
                            Duration limit) {
        this.dir = dir;
        this.ports = ports;
        this.properties = Map.copyOf(properties);
        this.writeEvery = writeEvery;
        this.writeUntil = System.nanoTime() + limit.toNanos();
        this.writer = new Thread(this::write, "failover-writer");
        writer.setDaemon(true);
    }

    /**
     * The system properties of {@link NodeProcess}es for fail-overs: the timing, in milliseconds (the election
     * timeout is the base of the randomized one in [t, 2t)), the request timeout, and role events on.
     */
    static Map<String, String> nodeProperties(long tick, long electionTimeout, long heartbeat,
                                              long requestTimeoutMillis) {
        return Map.of(NodeProcess.TIMING, tick + "," + electionTimeout + "," + heartbeat,
                NodeProcess.REQUEST_TIMEOUT, Long.toString(requestTimeoutMillis),
                NodeProcess.ROLE_EVENTS, "true");
    }

    /**
     * Starts three processes with {@code properties} ({@link NodeProcess}'s system properties) and the writer, which
     * stops after {@code limit} at the latest.
     */
    static FailoverCluster start(Path dir, Map<String, String> properties, Duration writeEvery, Duration limit)
            throws Exception {
        Files.createDirectories(dir);
        FailoverCluster c = new FailoverCluster(dir, ChildNode.freePorts(NODES), properties, writeEvery, limit);
        try {
            for (long id = 1; id <= NODES; id++) {
                c.start(id, limit);
            }
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        c.writer.start();
        return c;
    }

    /** Starts (or restarts, on its directory and port) node {@code id}; the writer includes it once it is ready. */
    void start(long id, Duration limit) throws Exception {
        ChildNode n = new ChildNode(id, dir.resolve("node-" + id), ports, dir.resolve("node-" + id + ".log"),
                properties);
        try {
            n.awaitReady(limit);
        } catch (Exception e) {
            n.kill();
            throw e;
        }
        up.put(id, n);
    }

    /**
     * kill -9 of node {@code id}: sends SIGKILL, arms the writer with the instant {@code kill(2)} returned (from then
     * on the process runs none of its code, so no put sent later can reach it), then waits until the process is gone.
     */
    Kill kill(long id) throws InterruptedException {
        ChildNode n = up.remove(id);
        long before = System.nanoTime();
        n.signalKill();
        long signalled = System.nanoTime();
        armed.set(new Armed(signalled, new ConcurrentLinkedQueue<>(), new AtomicInteger()));
        if (!n.awaitExit(Duration.ofSeconds(30))) {
            throw new IllegalStateException("node " + id + " still alive 30 s after SIGKILL");
        }
        return new Kill(id, before, signalled, System.nanoTime());
    }

    /** The acknowledged puts sent since the last {@link #kill} returned from {@code kill(2)}, in order of arrival. */
    List<Ack> acksSinceKill() {
        Armed a = armed.get();
        if (a == null) {
            return List.of();
        }
        List<Ack> acks = new ArrayList<>(a.acks());
        acks.sort(Comparator.comparingLong(Ack::ackedNanos));
        return acks;
    }

    void disarm() {
        armed.set(null);
    }

    /** The role changes node {@code id} reported since it last started (empty if it is down). */
    List<RoleEvent> roleEvents(long id) {
        ChildNode n = up.get(id);
        List<RoleEvent> events = new ArrayList<>();
        if (n == null) {
            return events;
        }
        for (String e : n.events()) {
            String[] p = e.split(" ");
            if (p[0].equals("role")) {
                events.add(new RoleEvent(id, p[1], Long.parseLong(p[2]), Long.parseLong(p[3])));
            }
        }
        return events;
    }

    /** Every live node's status, in id order. */
    List<Status> statuses() throws Exception {
        List<Status> all = new ArrayList<>();
        for (ChildNode n : up.values()) {
            all.add(Status.parse(n.id, n.request("status").get(5, TimeUnit.SECONDS)));
        }
        return all;
    }

    /**
     * Waits until all three nodes are up, one leads, the others follow it in its term, and every node has applied
     * the leader's commit index as it was when that first held (a restarted node has caught up). Returns the leader's
     * status.
     */
    Status awaitStable(Duration limit) throws Exception {
        long target = -1;
        long leaderTerm = -1;
        List<Status> all = List.of();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() - deadline < 0) {
            all = statuses();
            List<Status> leaders = all.stream().filter(s -> s.role().equals("LEADER")).toList();
            Status leader = leaders.size() == 1 ? leaders.get(0) : null;
            if (all.size() == NODES && leader != null && all.stream().allMatch(s -> s.agreesWith(leader))) {
                if (target < 0 || leaderTerm != leader.term()) {
                    target = leader.commit();
                    leaderTerm = leader.term();
                }
                long caughtUp = target;
                if (all.stream().allMatch(s -> s.applied() >= caughtUp)) {
                    return leader;
                }
            } else {
                target = -1;
            }
            LockSupport.parkNanos(10_000_000);
        }
        throw new IllegalStateException("no leader followed by both others, all caught up, within " + limit
                + "; last statuses " + all + ", target " + target + "; logs in " + dir);
    }

    long sent() {
        return sent.get();
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long failed() {
        return failed.get();
    }

    /** The writer's loop: bounded by {@link #close} and by the cluster's time limit. */
    private void write() {
        long next = System.nanoTime();
        long seq = 0;
        while (writing && System.nanoTime() - writeUntil < 0) {
            for (ChildNode n : up.values()) {
                long value = seq++;
                long sentAt = System.nanoTime();
                sent.incrementAndGet();
                n.request("put k" + (value % 100) + " " + value).whenComplete((answer, e) -> {
                    long ackedAt = System.nanoTime();
                    if (e == null && answer.equals("ok " + value)) {
                        acknowledged.incrementAndGet();
                        Armed a = armed.get();
                        if (a != null) {
                            a.record(new Ack(n.id, sentAt, ackedAt));
                        }
                    } else {
                        failed.incrementAndGet();
                    }
                });
            }
            next += writeEvery.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime(); // behind: do not burst to catch up
            }
        }
    }

    @Override
    public void close() throws Exception {
        writing = false;
        if (writer.isAlive()) {
            writer.join(10_000);
        }
        for (ChildNode n : up.values()) {
            n.close();
        }
        up.clear();
    }
}
