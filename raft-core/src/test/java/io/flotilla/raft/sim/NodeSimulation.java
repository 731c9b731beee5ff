package io.flotilla.raft.sim;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.linearizability.CheckResult;
import io.flotilla.raft.linearizability.KvModel;
import io.flotilla.raft.linearizability.Linearizability;
import io.flotilla.raft.linearizability.Operation;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.node.KvStateMachine;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.snapshot.InMemorySnapshotStore;
import io.flotilla.raft.node.NodeEnvironment;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftException;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.Transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A deterministic simulation of whole {@link RaftNode}s — event loop, apply thread, timers, request futures — on
 * virtual executors and a virtual clock (FoundationDB-style interface swapping through {@link NodeEnvironment}),
 * over a network that drops, delays, reorders and duplicates messages (each one encoded and decoded by the real
 * codec) and partitions nodes, with crashes that lose unsynced writes. Concurrent clients issue puts, appends and
 * linearizable reads on a few keys against random nodes; after the faults heal, the history of completed
 * operations must be linearizable ({@link Linearizability} with {@link KvModel}), every node must converge, and
 * writes must succeed again. One seed drives everything.
 *
 * <p>Nodes snapshot every few dozen entries and compact their logs, and send snapshots in small chunks, so that
 * followers that fall behind (crashed, cut off) catch up by InstallSnapshot through the real sender and receiver;
 * a crash loses a snapshot being received, never an installed one. Two spare servers start outside the group, and
 * the nemesis asks the leader (through {@link RaftNode}'s admin API) to add them as learners, promote learners,
 * remove members and hand leadership over; clients talk to the group's current members.
 */
public final class NodeSimulation {
    private static final Duration TICK = Duration.ofMillis(10);
    private static final List<String> KEYS = List.of("a", "b", "c");
    /** Servers that start outside the group, for membership changes. */
    private static final int SPARES = 2;

    private record Event(long time, long seq, Runnable action) {
    }

    /**
     * Statistics of a passing run; {@code diskFaults} counts, over every node's store, failed syncs, writes failing
     * with EIO, writes failing with ENOSPC, lying syncs and torn tails dropped at a restart (as
     * {@link SimLogStore#faultCounts()}), plus failed snapshot installs; {@code failStops} counts nodes that stopped
     * on a storage error.
     */
    public record Result(long seed, int nodes, int completedWrites, int completedReads, int indeterminateWrites,
                         int failedRequests, int crashes, int writesAfterHealing, long virtualMillis,
                         int snapshotsInstalled, int membershipRequests, int failStops, List<Long> diskFaults) {
    }

    private final long seed;
    private final SplittableRandom rnd;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;
    private final int nodeCount;
    private final double lossRate;
    private final double duplicateRate;
    private final int maxDelay;
    private final Map<Long, String> members = new TreeMap<>();
    private final List<SimMember> nodes = new ArrayList<>();
    private final int[] group;
    /** Faults (loss, duplication, crashes, partitions) are injected until the schedule heals. */
    private boolean faults = true;
    /** Clients issue operations until this is cleared, some time after healing. */
    private boolean clientsActive = true;
    private final List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
    private final Client[] clients;
    private int failed;
    private int crashes;
    private int writesAfterHealing;
    private int snapshotsInstalled;
    private int membershipRequests;
    private final SnapshotPolicy snapshotPolicy;
    private long healedAt = Long.MAX_VALUE;

    private final io.flotilla.raft.core.BrokenRule brokenRule;
    /** The disk faults of this schedule (none in half the schedules), from a generator of their own. */
    private final DiskFaults diskFaults;
    private final long diskSeed;
    private int failStops;
    private int failedSnapshotInstalls;

    public NodeSimulation(long seed, int nodeCount) {
        this(seed, nodeCount, io.flotilla.raft.core.BrokenRule.NONE);
    }

    /** A simulation whose cores all break {@code brokenRule} on purpose (test-only; see {@link io.flotilla.raft.core.BrokenRule}). */
    public NodeSimulation(long seed, int nodeCount, io.flotilla.raft.core.BrokenRule brokenRule) {
        this(seed, nodeCount, brokenRule, 0);
    }

    private final boolean preVote;
    private final boolean checkQuorum;

    /**
     * A simulation whose disks' fsyncs lie with probability {@code lyingSync} (test-only: this breaks the durability
     * every Raft assumes, so the checks are expected to fail; 0 for honest disks). Disk faults are then on in every
     * schedule, not in half.
     */
    public NodeSimulation(long seed, int nodeCount, io.flotilla.raft.core.BrokenRule brokenRule, double lyingSync) {
        this.seed = seed;
        this.brokenRule = brokenRule;
        this.rnd = new SplittableRandom(seed);
        // Disk faults draw from their own generator, so that the other draws of a schedule stay as they were.
        SplittableRandom disk = new SplittableRandom(seed ^ 0x5DEECE66DL);
        DiskFaults drawn = DiskFaults.draw(disk);
        if (lyingSync > 0 && !drawn.any()) {
            drawn = DiskFaults.draw(new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL));
            drawn = drawn.any() ? drawn : new DiskFaults(0.002, 0.001, 0.0005, 0.4, 0);
        }
        this.diskFaults = lyingSync > 0 ? drawn.withLyingSync(lyingSync) : drawn;
        this.diskSeed = disk.nextLong();
        this.nodeCount = nodeCount;
        this.lossRate = rnd.nextDouble() * 0.1;
        this.duplicateRate = rnd.nextDouble() * 0.05;
        this.maxDelay = 1 + rnd.nextInt(15);
        // One schedule in four runs without PreVote or without CheckQuorum: safety must not depend on either, and a
        // deposed leader that still believes in itself (no CheckQuorum) is what a broken read path shows up on.
        this.preVote = rnd.nextInt(4) != 0;
        this.checkQuorum = rnd.nextInt(4) != 0;
        this.snapshotPolicy = SnapshotPolicy.defaults().withThresholds(5 + rnd.nextInt(40), 1L << 20, rnd.nextInt(10))
                .withTransfer(8 + rnd.nextInt(120), 1 + rnd.nextInt(4), Duration.ofMillis(200 + rnd.nextInt(800)));
        this.group = new int[nodeCount + SPARES];
        for (long id = 1; id <= nodeCount; id++) {
            members.put(id, "sim-node-" + id);
        }
        for (long id = 1; id <= nodeCount + SPARES; id++) {
            SimMember m = new SimMember(id, id > nodeCount);
            nodes.add(m);
            m.start();
        }
        clients = new Client[3 + rnd.nextInt(3)];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(i + 1);
        }
    }

    /** Runs the schedule; throws {@link SimulationFailure} naming the seed if a check fails. */
    public Result run() {
        long chaosEnd = 4000 + rnd.nextInt(4000);
        long stopClients = chaosEnd + 3000;
        long deadline = stopClients + 3000;
        for (Client c : clients) {
            at(rnd.nextInt(200), c::next);
        }
        for (long t = 100; t < chaosEnd; t += 100) {
            at(t + rnd.nextInt(100), this::nemesis);
        }
        at(chaosEnd, this::heal);
        at(stopClients, () -> clientsActive = false);
        while (!queue.isEmpty() && now <= deadline) {
            Event e = queue.poll();
            now = e.time;
            e.action.run();
            if (now > stopClients && idle() && converged()) {
                break;
            }
        }
        if (!idle() || !converged()) {
            throw failure("Liveness", "no convergence " + (deadline - chaosEnd) + " ms after healing: clients idle="
                    + idle() + ", nodes " + describe());
        }
        checkStateMachinesAgree();
        if (writesAfterHealing == 0) {
            throw failure("Liveness", "no write succeeded after healing");
        }
        CheckResult check = Linearizability.check(new KvModel(), history, Duration.ofSeconds(30));
        if (check.outcome() != CheckResult.Outcome.OK) {
            throw failure("Linearizability", check.outcome() + "\n" + check.report());
        }
        int writes = 0;
        int reads = 0;
        int pending = 0;
        for (Operation<KvModel.Input, KvModel.Output> op : history) {
            if (op.isPending()) {
                pending++;
            } else if (op.input() instanceof KvModel.Get) {
                reads++;
            } else {
                writes++;
            }
        }
        long[] faults = new long[6];
        for (SimMember m : nodes) {
            long[] c = m.store.faultCounts();
            for (int i = 0; i < c.length; i++) {
                faults[i] += c[i];
            }
        }
        faults[5] = failedSnapshotInstalls;
        return new Result(seed, nodeCount, writes, reads, pending, failed, crashes, writesAfterHealing, now,
                snapshotsInstalled, membershipRequests, failStops, java.util.Arrays.stream(faults).boxed().toList());
    }

    private SimulationFailure failure(String rule, String detail) {
        return new SimulationFailure(rule, rule + " violated at t=" + now + "ms: " + detail + "\n  seed=" + seed
                + " nodes=" + nodeCount + " preVote=" + preVote + " checkQuorum=" + checkQuorum + " " + diskFaults
                + "\n  replay: " + replayCommand(seed, nodeCount, brokenRule, diskFaults.lyingSync()), seed);
    }

    /** The one command that replays a schedule. */
    public static String replayCommand(long seed, int nodes, io.flotilla.raft.core.BrokenRule brokenRule) {
        return replayCommand(seed, nodes, brokenRule, 0);
    }

    /** The one command that replays a schedule, with lying fsyncs if {@code lyingSync > 0}. */
    public static String replayCommand(long seed, int nodes, io.flotilla.raft.core.BrokenRule brokenRule,
                                       double lyingSync) {
        return "mvn -pl raft-core test -Dtest=NodeSimulationTest#replay -Dflotilla.sim.seed=" + seed
                + " -Dflotilla.sim.nodes=" + nodes + (brokenRule == io.flotilla.raft.core.BrokenRule.NONE ? ""
                : " -Dflotilla.sim.brokenRule=" + brokenRule) + (lyingSync > 0 ? " -Dflotilla.sim.lyingSync="
                + lyingSync : "");
    }

    private void at(long time, Runnable action) {
        queue.add(new Event(time, seq++, action));
    }

    // ---------------------------------------------------------------- nodes

    /** One server: a RaftNode on a crash-prone store, with an environment of virtual threads. */
    private final class SimMember {
        final long id;
        /** Started outside the group (joining): the leader may add it as a learner. */
        final boolean spare;
        final SimLogStore store = new SimLogStore();
        /** Installed snapshots survive a crash (save and install are atomic); one being received does not. */
        final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        RaftNode node;
        KvStateMachine stateMachine;
        Env env;
        SimTransport transport;
        boolean up;

        /** Draws this server's disk faults; never the schedule's generator. */
        final SplittableRandom diskRandom;

        SimMember(long id, boolean spare) {
            this.id = id;
            this.spare = spare;
            this.diskRandom = new SplittableRandom(diskSeed + id);
            store.injectFaults(diskFaults, diskRandom);
        }

        void start() {
            env = new Env(this);
            transport = new SimTransport(id);
            Map<Long, String> known = new TreeMap<>(members);
            known.put(id, "sim-node-" + id);
            RaftConfig config = RaftConfig.of(1, id, known)
                    .withTiming(TICK, Duration.ofMillis(150), Duration.ofMillis(30))
                    .withRequestLimits(Duration.ofMillis(1500), 100)
                    .withSnapshots(snapshotPolicy)
                    .withElectionSafeguards(preVote, checkQuorum);
            if (spare) {
                config = config.asJoining();
            }
            up = true;
            stateMachine = new KvStateMachine();
            try {
                node = RaftNode.start(config, store, new CountingSnapshots(this), transport, stateMachine, env);
            } catch (io.flotilla.raft.log.LogStoreException e) {
                failStops++; // a storage error while starting (resetting the log to a snapshot): down, try again later
                crash();
                restartLater(this);
                return;
            }
            RaftNode incarnation = node;
            node.addListener(new io.flotilla.raft.node.RaftListener() {
                @Override
                public void onStopped(Throwable failure) {
                    stoppedOnError(SimMember.this, incarnation, failure);
                }
            });
        }

        void crash() {
            up = false; // its executors and timers go silent: in-flight work and futures are lost with the process
            try {
                store.crash(rnd);
            } catch (io.flotilla.raft.log.LogStoreException e) {
                throw failure("Durability", "node " + id + "'s store refuses to open: " + e.getMessage());
            }
            snapshots.discardReceived();
            crashes++;
            for (Client c : clients) {
                c.nodeCrashed(this);
            }
        }
    }

    /**
     * A node stopped on a storage error (fail-stop, as {@link RaftNode} does): a little later the process is restarted,
     * as a supervisor would, from what its disk holds — which loses the unsynced writes, and maybe the pages a failed
     * fsync dropped. A full disk is freed first half the time; otherwise the node may stop again on its first write.
     */
    private void stoppedOnError(SimMember m, RaftNode incarnation, Throwable failure) {
        failStops++;
        if (trace) {
            System.out.println("t=" + now + " node " + m.id + " stopped: " + failure);
        }
        at(now + 20 + rnd.nextInt(300), () -> {
            if (m.up && m.node == incarnation) {
                m.crash();
                restartLater(m);
            }
        });
    }

    private void restartLater(SimMember m) {
        at(now + 200 + rnd.nextInt(1500), () -> {
            if (!m.up) {
                if (m.diskRandom.nextBoolean()) {
                    m.store.freeSpace();
                }
                m.start();
            }
        });
    }

    private static final boolean trace = Boolean.getBoolean("flotilla.sim.trace");

    /**
     * Counts the snapshots a node installs from a leader; while disk faults are on, an install fails with an I/O
     * error as often as a log write does (the node then stops).
     */
    private final class CountingSnapshots extends io.flotilla.raft.snapshot.ForwardingSnapshotStore {
        private final SimMember member;

        CountingSnapshots(SimMember member) {
            super(member.snapshots);
            this.member = member;
        }

        @Override
        public void install(io.flotilla.raft.log.SnapshotMeta meta) throws java.io.IOException {
            if (faults && member.diskRandom.nextDouble() < diskFaults.ioError() * 20) {
                failedSnapshotInstalls++;
                throw new java.io.IOException("installing snapshot " + meta.index() + " failed: EIO (simulated)");
            }
            super.install(meta);
            snapshotsInstalled++;
        }
    }

    /** Virtual threads and timers of one incarnation of a node. */
    private final class Env implements NodeEnvironment {
        private final SimMember member;

        Env(SimMember member) {
            this.member = member;
        }

        boolean alive() {
            return member.up && member.env == this;
        }

        @Override
        public Executor newSerialExecutor(String name) {
            return new SimExecutor(this);
        }

        @Override
        public AutoCloseable schedule(Duration delay, Runnable task) {
            boolean[] cancelled = {false};
            at(now + Math.max(1, delay.toMillis()), () -> {
                if (!cancelled[0] && alive()) {
                    task.run();
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public AutoCloseable scheduleAtFixedRate(Duration period, Runnable task) {
            boolean[] cancelled = {false};
            long skew = rnd.nextInt(3);
            Runnable[] repeat = new Runnable[1];
            repeat[0] = () -> {
                if (!cancelled[0] && alive()) {
                    task.run();
                    at(now + period.toMillis() + skew, repeat[0]);
                }
            };
            at(now + period.toMillis(), repeat[0]);
            return () -> cancelled[0] = true;
        }

        @Override
        public long nanoTime() {
            return now * 1_000_000; // virtual: nothing stalls unless the schedule says so
        }

        @Override
        public RandomGenerator random() {
            return new SplittableRandom(rnd.nextLong());
        }

        @Override
        public io.flotilla.raft.core.CoreConfig coreConfig(io.flotilla.raft.core.CoreConfig derived) {
            return derived.withBrokenRule(brokenRule);
        }

        @Override
        public void close() {
        }
    }

    /** A serial executor whose tasks run as simulation events, a little later than submitted. */
    private final class SimExecutor implements Executor {
        private final Env env;
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private boolean scheduled;

        SimExecutor(Env env) {
            this.env = env;
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            if (!scheduled) {
                scheduled = true;
                at(now + rnd.nextInt(2), this::runNext);
            }
        }

        private void runNext() {
            scheduled = false;
            if (!env.alive()) {
                tasks.clear();
                return;
            }
            Runnable task = tasks.poll();
            if (task != null) {
                task.run();
            }
            if (!tasks.isEmpty()) {
                scheduled = true;
                at(now + rnd.nextInt(2), this::runNext);
            }
        }
    }

    /** A node's transport: every message crosses the simulated network as encoded bytes. */
    private final class SimTransport implements Transport {
        private final long id;
        private Consumer<Message> receiver;
        private boolean open = true;

        SimTransport(long id) {
            this.id = id;
        }

        @Override
        public void start(Consumer<Message> receiver) {
            this.receiver = receiver;
        }

        @Override
        public void send(Message m) {
            if (!open) {
                return;
            }
            byte[] wire = MessageCodec.encode(m);
            int copies = faults && rnd.nextDouble() < duplicateRate ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                if (faults && rnd.nextDouble() < lossRate) {
                    continue;
                }
                at(now + 1 + rnd.nextInt(maxDelay), () -> deliver(id, wire));
            }
        }

        @Override
        public void close() {
            open = false;
        }
    }

    private void deliver(long from, byte[] wire) {
        Message m = MessageCodec.decode(wire);
        SimMember to = nodes.get((int) m.to() - 1);
        if (to.up && to.transport.open && group[(int) from - 1] == group[(int) m.to() - 1]) {
            to.transport.receiver.accept(m);
        }
    }

    private void nemesis() {
        if (!faults) {
            return;
        }
        if (brokenRule == io.flotilla.raft.core.BrokenRule.NONE && rnd.nextDouble() < 0.03) {
            changeMembership();
        }
        if (rnd.nextDouble() < 0.04) {
            SimMember m = nodes.get(rnd.nextInt(nodes.size()));
            if (m.up) {
                m.crash();
                at(now + 200 + rnd.nextInt(1500), () -> {
                    if (!m.up) {
                        m.start();
                    }
                });
            }
        }
        if (rnd.nextDouble() < 0.04) {
            for (int i = 0; i < group.length; i++) {
                group[i] = rnd.nextInt(2);
            }
            at(now + 200 + rnd.nextInt(1500), () -> java.util.Arrays.fill(group, 0));
        }
    }

    /**
     * Asks the leader, through {@link RaftNode}'s admin API, to add a spare server as a learner, promote a learner,
     * remove a member (down to two voters; the leader too) or hand leadership to another voter. Whatever the outcome
     * (refused, lost to a crash), the clients' history must stay linearizable.
     */
    private void changeMembership() {
        SimMember leader = leader();
        if (leader == null) {
            return;
        }
        io.flotilla.raft.log.Membership m = leader.node.membership();
        List<Long> outside = nodes.stream().map(n -> n.id).filter(id -> !m.isMember(id)).toList();
        double kind = rnd.nextDouble();
        if (kind < 0.3 && !outside.isEmpty()) {
            long id = outside.get(rnd.nextInt(outside.size()));
            leader.node.addLearner(id, "sim-node-" + id);
        } else if (kind < 0.6 && !m.learners().isEmpty()) {
            leader.node.promote(m.learners().get(rnd.nextInt(m.learners().size())));
        } else if (kind < 0.85) {
            long id = m.members().get(rnd.nextInt(m.members().size()));
            if (!m.isVoter(id) || m.voters().size() > 2) {
                leader.node.remove(id);
            }
        } else {
            List<Long> others = m.voters().stream().filter(v -> v != leader.id).toList();
            if (!others.isEmpty()) {
                leader.node.transferLeadership(others.get(rnd.nextInt(others.size())));
            }
        }
        membershipRequests++;
    }

    /**
     * A node for a client to talk to: one of the group's members as the leader (if any) sees them — a client learns the
     * group's members as it changes, as an etcd client syncs its endpoints — else any server.
     */
    private SimMember pickNode() {
        SimMember leader = leader();
        List<Long> members = leader == null ? List.of() : leader.node.membership().members();
        if (members.isEmpty()) {
            return nodes.get(rnd.nextInt(nodeCount));
        }
        return nodes.get((int) (long) members.get(rnd.nextInt(members.size())) - 1);
    }

    /** The up node that leads the highest term, or null. */
    private SimMember leader() {
        SimMember best = null;
        for (SimMember n : nodes) {
            if (n.up && n.node.status().role() == io.flotilla.raft.core.Role.LEADER
                    && (best == null || n.node.status().term() > best.node.status().term())) {
                best = n;
            }
        }
        return best;
    }

    private void heal() {
        java.util.Arrays.fill(group, 0);
        for (SimMember m : nodes) {
            m.store.injectFaults(DiskFaults.NONE, null);
            m.store.freeSpace();
            if (m.up && !m.node.status().running()) {
                m.crash(); // stopped on a storage error: restart it now
            }
            if (!m.up) {
                m.start();
            }
        }
        healedAt = now;
        faults = false;
    }

    private boolean idle() {
        for (Client c : clients) {
            if (c.outstanding != null) {
                return false;
            }
        }
        return true;
    }

    private boolean converged() {
        long applied = -1;
        SimMember leader = leader();
        if (leader == null) {
            return false;
        }
        io.flotilla.raft.log.Membership group = leader.node.membership();
        for (SimMember m : nodes) {
            if (!group.isMember(m.id)) {
                continue; // spares never added, and removed servers
            }
            if (!m.up) {
                return false;
            }
            var s = m.node.status();
            if (applied == -1) {
                applied = s.applied();
            }
            if (s.applied() != applied || s.commitIndex() != s.applied() || s.lastIndex() != applied) {
                return false;
            }
        }
        return true;
    }

    /**
     * State Machine Safety on whole nodes: once converged to one applied index, every member's state machine holds the
     * same value for every key (read directly, between events, while no apply runs).
     */
    private void checkStateMachinesAgree() {
        io.flotilla.raft.log.Membership group = leader().node.membership();
        SimMember first = null;
        for (SimMember m : nodes) {
            if (!group.isMember(m.id)) {
                continue;
            }
            if (first == null) {
                first = m;
                continue;
            }
            for (String key : KEYS) {
                Payload query = Payload.ofUtf8("get " + key);
                String a = first.stateMachine.query(query).toStringUtf8();
                String b = m.stateMachine.query(query).toStringUtf8();
                if (!a.equals(b)) {
                    throw failure("State Machine Safety", "at applied index " + m.node.status().applied() + " node "
                            + first.id + " holds " + key + "=" + a + " but node " + m.id + " holds " + key + "=" + b);
                }
            }
        }
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (SimMember m : nodes) {
            sb.append("\n    ").append(m.up ? m.node.status().toString() : "node " + m.id + " down");
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- clients

    /** A client: one operation at a time, each against a random node, recorded in the history. */
    private final class Client {
        final int id;
        int count;
        Outstanding outstanding;

        private record Outstanding(SimMember node, KvModel.Input input, long callTime) {
        }

        Client(int id) {
            this.id = id;
        }

        void next() {
            if (!clientsActive) {
                return;
            }
            SimMember target = pickNode();
            if (!target.up) {
                at(now + 10, this::next);
                return;
            }
            String key = KEYS.get(rnd.nextInt(KEYS.size()));
            String value = "c" + id + "-" + (++count);
            int kind = rnd.nextInt(10);
            KvModel.Input input;
            CompletableFuture<Payload> f;
            if (kind < 4) {
                input = new KvModel.Get(key);
                f = target.node.read(Payload.ofUtf8("get " + key));
            } else if (kind < 7) {
                input = new KvModel.Put(key, value);
                f = target.node.propose(Payload.ofUtf8("put " + key + " " + value));
            } else {
                input = new KvModel.Append(key, value + ";");
                f = target.node.propose(Payload.ofUtf8("append " + key + " " + value + ";"));
            }
            Outstanding op = new Outstanding(target, input, now);
            outstanding = op;
            f.whenComplete((result, error) -> complete(op, result, error));
        }

        private void complete(Outstanding op, Payload result, Throwable error) {
            if (outstanding != op) {
                return; // abandoned when its node crashed
            }
            outstanding = null;
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            boolean read = op.input() instanceof KvModel.Get;
            if (cause == null) {
                KvModel.Output out = read ? new KvModel.Value(result.isEmpty() ? null : result.toStringUtf8())
                        : new KvModel.Ok();
                history.add(Operation.completed(id, op.input(), out, op.callTime(), now));
                if (!read && now >= healedAt) {
                    writesAfterHealing++;
                }
            } else if (!read && !(cause instanceof RaftException re && !re.mayHaveTakenEffect())) {
                history.add(Operation.pending(id, op.input(), op.callTime())); // may or may not have taken effect
            } else {
                failed++; // a read that failed, or a write that definitely did not take effect
            }
            at(now + rnd.nextInt(20), this::next);
        }

        void nodeCrashed(SimMember m) {
            if (outstanding != null && outstanding.node() == m) {
                if (!(outstanding.input() instanceof KvModel.Get)) {
                    history.add(Operation.pending(id, outstanding.input(), outstanding.callTime()));
                }
                outstanding = null;
                at(now + rnd.nextInt(20), this::next);
            }
        }
    }
}
