package io.flotilla.raft.examples.verification;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.raft.examples.kv.KvCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Injects faults on a seeded schedule: one fault at a time, held for 1-4 s, then undone, then 0.5-2 s of quiet.
 * The schedule (which fault, which node, how long) comes from one {@link Random} seeded with the run's seed, so a
 * failing run's schedule can be replayed; the nodes actually hit also depend on who leads at that moment.
 *
 * <p>Faults ({@link Fault}): kill -9 of the leader or of a random node, then a restart on its data; SIGSTOP of the
 * leader or of a random node, longer than the election timeout (300-600 ms), then SIGCONT; a random
 * majority/minority partition; the leader isolated; a bridge (the nodes split in two halves that cannot talk, and
 * one node that talks to both). Partitions either cut the links (connections reset and refused) or blackhole them
 * (bytes silently dropped).
 *
 * <p>Threading: {@link #run} runs on the caller's thread until the deadline; {@link #healAll} may be called from any
 * thread and always leaves every node running and every link open.
 */
final class Nemesis {
    /** The kinds of fault. */
    enum Fault { KILL_LEADER, KILL_RANDOM, PAUSE_LEADER, PAUSE_RANDOM, PARTITION_HALVES, ISOLATE_LEADER, BRIDGE }

    private final KvCluster cluster;
    private final Network network;
    private final History history;
    private final Random random;
    private final List<Fault> faults;
    private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);

    Nemesis(KvCluster cluster, Network network, History history, long seed, List<Fault> faults) {
        this.cluster = cluster;
        this.network = network;
        this.history = history;
        this.random = new Random(seed);
        this.faults = List.copyOf(faults);
    }

    /** Injects faults until {@code deadline} ({@link System#nanoTime()}), then heals everything. */
    void run(long deadline) throws Exception {
        try {
            while (System.nanoTime() < deadline) {
                Fault fault = faults.get(random.nextInt(faults.size()));
                long hold = 1000 + random.nextInt(3000);
                inject(fault, hold, deadline);
                injected.merge(fault, 1, Integer::sum);
                park(500 + random.nextInt(1500), deadline);
            }
        } finally {
            healAll();
        }
    }

    /** How many faults of each kind were injected. */
    Map<Fault, Integer> injected() {
        return Collections.unmodifiableMap(injected);
    }

    private void inject(Fault fault, long holdMillis, long deadline) throws Exception {
        int n = cluster.size();
        switch (fault) {
            case KILL_LEADER, KILL_RANDOM -> {
                int node = fault == Fault.KILL_LEADER ? leaderOrRandom() : 1 + random.nextInt(n);
                hold(fault + ": kill -9 node " + node, () -> cluster.kill(node), holdMillis, deadline,
                        "restart node " + node, () -> cluster.restart(node));
            }
            case PAUSE_LEADER, PAUSE_RANDOM -> {
                int node = fault == Fault.PAUSE_LEADER ? leaderOrRandom() : 1 + random.nextInt(n);
                hold(fault + ": SIGSTOP node " + node, () -> cluster.pause(node), holdMillis, deadline,
                        "SIGCONT node " + node, () -> cluster.resume(node));
            }
            case PARTITION_HALVES, ISOLATE_LEADER, BRIDGE -> {
                boolean blackhole = random.nextBoolean();
                List<Integer> nodes = shuffled(n);
                Action cut;
                if (fault == Fault.ISOLATE_LEADER) {
                    int leader = leaderOrRandom();
                    cut = () -> network.isolate(leader, n, blackhole);
                } else if (fault == Fault.PARTITION_HALVES) {
                    Set<Integer> minority = new TreeSet<>(nodes.subList(0, n / 2));
                    cut = () -> network.partition(minority, Network.others(minority, n), blackhole);
                } else {
                    // nodes.get(0) is the bridge: it keeps its links to both halves
                    int half = (n - 1) / 2;
                    cut = () -> network.partition(new TreeSet<>(nodes.subList(1, 1 + half)),
                            new TreeSet<>(nodes.subList(1 + half, n)), blackhole);
                }
                hold(fault + (blackhole ? " (blackhole)" : " (cut)"), cut, holdMillis, deadline, "heal network",
                        network::heal);
            }
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    /** A step of a fault. */
    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /** Logs and injects a fault, holds it (until the deadline at most), then logs and undoes it. */
    private void hold(String what, Action inject, long holdMillis, long deadline, String undoWhat, Action undo)
            throws Exception {
        inject.run();
        List<String> links = network.faulty();
        history.event(what + (links.isEmpty() ? "" : ": " + links));
        park(holdMillis, deadline);
        history.event(undoWhat);
        undo.run();
    }

    private List<Integer> shuffled(int n) {
        List<Integer> nodes = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            nodes.add(id);
        }
        Collections.shuffle(nodes, random);
        return nodes;
    }

    /**
     * The node that says it leads with the highest term, among the running, unpaused nodes that answer
     * {@code /status} within a second; a random node if none does.
     */
    int leaderOrRandom() {
        int leader = 0;
        long term = -1;
        for (int id = 1; id <= cluster.size(); id++) {
            if (!cluster.isAlive(id) || cluster.isPaused(id)) {
                continue;
            }
            JsonNode s = cluster.status(id, Duration.ofSeconds(1));
            if (s != null && "LEADER".equals(s.path("role").asText()) && s.path("term").asLong() > term) {
                leader = id;
                term = s.path("term").asLong();
            }
        }
        return leader > 0 ? leader : 1 + random.nextInt(cluster.size());
    }

    /** Resumes paused nodes, restarts dead ones and opens every link; safe to call more than once. */
    void healAll() throws Exception {
        Exception failure = null;
        network.heal();
        for (int id = 1; id <= cluster.size(); id++) {
            try {
                if (cluster.isPaused(id)) {
                    cluster.resume(id);
                }
                if (!cluster.isAlive(id)) {
                    cluster.restart(id);
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        history.event("healed: every node running, every link open");
        if (failure != null) {
            throw failure;
        }
    }

    /** Waits {@code millis}, or until {@code deadline} if that comes first (a schedule interval, not a condition). */
    static void park(long millis, long deadline) {
        long now = System.nanoTime();
        long until = now + Math.min(TimeUnit.MILLISECONDS.toNanos(millis), deadline - now);
        for (int i = 0; i < 1000 && System.nanoTime() < until; i++) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }
}
