package io.flotilla.raft.examples.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A benchmark cluster: its nodes in this JVM ({@link InProcessCluster}) or as OS processes ({@link ProcessCluster}).
 * The clients always run beside the leader, as an embedding application's would.
 */
interface BenchCluster extends AutoCloseable {
    /** Runs the clients at the leader and returns what they measured. */
    LoadGenerator.Load load(long firstClientId, int clients, int valueBytes, Duration warmup, Duration duration)
            throws Exception;

    /** Every node's counters, once all nodes applied the same number of commands (or the deadline passed). */
    List<BenchStateMachine.Check> checks(Duration deadline) throws Exception;

    /** The most heap any node held right after a collection during the last load. */
    long peakHeapAfterGc() throws Exception;

    @Override
    void close() throws Exception;

    /** Something to poll: null for not yet. */
    interface Poll<T> {
        T poll() throws Exception;
    }

    /**
     * Polls every {@code everyMillis} until {@code poll} returns a value; after {@code within}, returns
     * {@code lastTry}'s value (null: throws {@link IllegalStateException} saying {@code what} did not happen).
     */
    static <T> T await(Duration within, long everyMillis, String what, Poll<T> poll, Poll<T> lastTry) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            T value = poll.poll();
            if (value != null) {
                return value;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(everyMillis * 1_000_000);
        }
        T last = lastTry == null ? null : lastTry.poll();
        if (last == null) {
            throw new IllegalStateException(what + " within " + within);
        }
        return last;
    }

    /** Whether every node applied the same number of commands. */
    static boolean caughtUp(List<BenchStateMachine.Check> checks) {
        return checks.stream().mapToLong(BenchStateMachine.Check::applied).distinct().count() == 1;
    }

    /** {@code nodes} addresses on 127.0.0.1 whose ports were free a moment ago. */
    static Map<Long, String> loopbackAddresses(int nodes) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        Map<Long, String> peers = new TreeMap<>();
        try {
            for (long id = 1; id <= nodes; id++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                peers.put(id, "127.0.0.1:" + s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return peers;
    }

    /**
     * Whether the checks agree: every node applied the same commands in the same order (count and digest), and each
     * includes every client's last acknowledged command (a client's commands are sequential, so the last implies the
     * rest). Returns null if so, else what is wrong.
     */
    static String verify(List<BenchStateMachine.Check> checks, Map<Long, Long> acknowledged) {
        BenchStateMachine.Check first = checks.get(0);
        for (int i = 0; i < checks.size(); i++) {
            BenchStateMachine.Check c = checks.get(i);
            if (c.applied() != first.applied() || c.digest() != first.digest()) {
                return "node " + (i + 1) + " applied " + c.applied() + " commands (digest " + c.digest()
                        + "), node 1 applied " + first.applied() + " (digest " + first.digest() + ")";
            }
            for (Map.Entry<Long, Long> a : acknowledged.entrySet()) {
                long applied = c.maxSequence().getOrDefault(a.getKey(), -1L);
                if (applied < a.getValue()) {
                    return "node " + (i + 1) + " lacks client " + a.getKey() + "'s acknowledged command " + a.getValue()
                            + " (applied up to " + applied + ")";
                }
            }
        }
        return null;
    }
}
