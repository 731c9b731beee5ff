package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.snapshot.FileSnapshotStore;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import io.flotilla.raft.transport.netty.NettyTransport;
import io.flotilla.raft.transport.netty.NettyTransportConfig;
import io.flotilla.raft.transport.netty.TestCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * Three {@link RaftNode}s in this JVM as in production: each on a {@link NettyTransport} on 127.0.0.1, with a
 * {@link RocksDbLogStore} and a {@link FileSnapshotStore} in its own directory under {@code dir}, and a
 * {@link BoundedKvStateMachine}. A node can be stopped (node and stores closed) and started again on the same
 * directories and port. Used by {@link SnapshotCatchUpTest} and {@link SnapshotCatchUpBenchmark}; called from the
 * test thread only.
 */
final class SnapshotCluster implements AutoCloseable {
    static final String CLUSTER_ID = "flotilla-snapshot-bench";
    static final long GROUP = 1;

    /** What every node runs with. */
    record Settings(int keys, int valueBytes, SnapshotPolicy policy) {
    }

    /** One running node, its stores and state machine; {@code openNanos} is how long opening the stores took. */
    record Member(long id, RaftNode node, NettyTransport transport, WatchedLogStore log,
                  WatchedSnapshotStore snapshots, BoundedKvStateMachine stateMachine, long persistedCommit,
                  long openNanos, long startedAtNanos) {
        NodeStatus status() {
            return node.status();
        }
    }

    /**
     * What {@link #load} did: entries committed and how long it took; proposals that failed and were retried, by
     * exception class.
     */
    record Load(long entries, long nanos, long failures, Map<String, Long> failuresByCause) {
        double perSecond() {
            return entries * 1e9 / nanos;
        }
    }

    private final Path dir;
    private final Settings settings;
    private final Map<Long, String> addresses = TestCluster.freeAddresses(3);
    private final Map<Long, Member> running = new TreeMap<>();

    private SnapshotCluster(Path dir, Settings settings) {
        this.dir = dir;
        this.settings = settings;
    }

    /** Starts nodes 1, 2 and 3 with fresh stores in {@code dir}. */
    static SnapshotCluster start(Path dir, Settings settings) {
        SnapshotCluster c = new SnapshotCluster(dir, settings);
        for (long id : c.addresses.keySet()) {
            c.start(id);
        }
        return c;
    }

    /** Starts (or restarts, on its stores) node {@code id}. */
    Member start(long id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        long t0 = System.nanoTime();
        RocksDbLogStore rocks = RocksDbLogStore.open(dir.resolve("node-" + id).resolve("log"),
                RocksDbLogStore.Options.of(GROUP, id));
        WatchedSnapshotStore snapshots;
        try {
            snapshots = new WatchedSnapshotStore(FileSnapshotStore.open(
                    dir.resolve("node-" + id).resolve("snapshots")));
        } catch (IOException e) {
            rocks.close();
            throw new UncheckedIOException(e);
        }
        long persistedCommit = rocks.hardState().commit();
        long openNanos = System.nanoTime() - t0;
        WatchedLogStore log = new WatchedLogStore(rocks);
        BoundedKvStateMachine stateMachine = new BoundedKvStateMachine(settings.keys());
        NettyTransport transport = new NettyTransport(NettyTransportConfig.of(CLUSTER_ID, id, addresses.get(id),
                        addresses)
                .withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .withHandshakeTimeout(Duration.ofSeconds(2)));
        RaftConfig config = RaftConfig.of(GROUP, id, addresses).withSnapshots(settings.policy())
                .withRequestLimits(Duration.ofSeconds(10), 10_000);
        long startedAt = System.nanoTime();
        RaftNode node = RaftNode.start(config, log, snapshots, transport, stateMachine);
        Member m = new Member(id, node, transport, log, snapshots, stateMachine, persistedCommit, openNanos,
                startedAt);
        running.put(id, m);
        return m;
    }

    /** Stops node {@code id}: the node, then its stores. Returns what it was. */
    Member stop(long id) {
        Member m = running.remove(id);
        m.node().close();
        m.snapshots().close();
        m.log().close();
        return m;
    }

    Member member(long id) {
        return running.get(id);
    }

    List<Member> members() {
        return List.copyOf(running.values());
    }

    /** The running leader, awaited for up to {@code within}. */
    Member awaitLeader(Duration within) {
        long id = await("a leader").atMost(within).pollInterval(Duration.ofMillis(10)).until(() -> running.values()
                .stream().filter(m -> m.status().running() && m.status().role() == Role.LEADER)
                .mapToLong(Member::id).findFirst().orElse(0), leader -> leader != 0);
        return running.get(id);
    }

    /** A running follower (the highest id). */
    Member follower(Duration within) {
        long leader = awaitLeader(within).id();
        return running.values().stream().filter(m -> m.id() != leader).reduce((a, b) -> b).orElseThrow();
    }

    /**
     * Commits the puts numbered {@code from} to {@code from + count - 1} through the leader, with at most
     * {@code inFlight} proposals outstanding. A proposal that fails (a leader change, say) is proposed again; more
     * than {@code count / 10 + 100} failures, or not finishing within {@code within}, fails the load.
     */
    Load load(long from, long count, int inFlight, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        long maxFailures = count / 10 + 100;
        Semaphore permits = new Semaphore(inFlight);
        ConcurrentLinkedQueue<Long> retry = new ConcurrentLinkedQueue<>();
        AtomicLong failures = new AtomicLong();
        Map<String, AtomicLong> causes = new ConcurrentSkipListMap<>();
        RaftNode target = awaitLeader(within).node();
        long t0 = System.nanoTime();
        long next = from;
        long end = from + count;
        while (next < end || !retry.isEmpty() || permits.availablePermits() < inFlight) {
            if (failures.get() > maxFailures) {
                throw new IllegalStateException(failures.get() + " proposals failed; giving up");
            }
            long remaining = deadline - System.nanoTime();
            if (!permits.tryAcquire(Math.max(0, remaining), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("load of " + count + " entries did not finish within " + within
                        + "; " + (next - from) + " proposed");
            }
            Long again = retry.poll();
            long i;
            if (again != null) {
                i = again;
                target = awaitLeader(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).node();
            } else if (next < end) {
                i = next++;
            } else {
                permits.release(); // nothing to propose: wait for the outstanding ones
                if (!permits.tryAcquire(inFlight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("proposals still outstanding after " + within);
                }
                permits.release(inFlight);
                continue;
            }
            target.propose(BoundedKvStateMachine.put(i, settings.keys(), settings.valueBytes()))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            failures.incrementAndGet();
                            Throwable cause = e instanceof CompletionException && e.getCause() != null
                                    ? e.getCause() : e;
                            causes.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicLong())
                                    .incrementAndGet();
                            retry.add(i);
                        }
                        permits.release();
                    });
        }
        Map<String, Long> byCause = new TreeMap<>();
        causes.forEach((k, v) -> byCause.put(k, v.get()));
        return new Load(count, System.nanoTime() - t0, failures.get(), byCause);
    }

    /** Waits until every running node has applied everything the leader committed; returns that commit index. */
    long awaitConverged(Duration within) {
        return await("every node applied the leader's commit index").atMost(within)
                .pollInterval(Duration.ofMillis(5)).until(() -> {
                    long commit = running.values().stream().map(Member::status)
                            .filter(s -> s.running() && s.role() == Role.LEADER)
                            .mapToLong(NodeStatus::commitIndex).findFirst().orElse(-1);
                    return running.values().stream().allMatch(m -> m.status().applied() == commit) ? commit : -1;
                }, c -> c > 0);
    }

    /** The state digest of node {@code id}, by a linearizable read. */
    long digest(long id, Duration within) throws Exception {
        Payload answer = running.get(id).node().read(BoundedKvStateMachine.DIGEST)
                .get(within.toMillis(), TimeUnit.MILLISECONDS);
        return BoundedKvStateMachine.digest(answer);
    }

    @Override
    public void close() {
        running.values().forEach(m -> m.node().closeAsync());
        for (long id : List.copyOf(running.keySet())) {
            stop(id);
        }
    }
}
