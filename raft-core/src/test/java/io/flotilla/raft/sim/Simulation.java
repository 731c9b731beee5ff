package io.flotilla.raft.sim;

import io.flotilla.raft.core.CoreConfig;
import io.flotilla.raft.core.ProposeResult;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.RequestOutcome;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.LongStream;

/**
 * A deterministic, seeded simulation of a Raft cluster (FoundationDB and TigerBeetle style): N cores over
 * crash-prone stores, a virtual clock, and a network that drops, delays, reorders and duplicates messages and
 * partitions any subset of nodes. One seed drives everything, so a failing run replays exactly.
 *
 * <p>A run has two phases. During <em>chaos</em>, a nemesis crashes nodes (each loses its unsynced writes
 * and restarts later from what its store kept) and partitions the network while a client proposes commands.
 * Then everything heals: all nodes up, no partition, no loss. The run passes if no invariant broke at any
 * event ({@link InvariantChecker}) and, within {@link SimConfig#livenessTicks()} of healing, one leader is in
 * charge and every command the client proposed has been committed and applied on every node (the client
 * retries commands whose outcome it has not seen, as a real client would).
 *
 * <p>Snapshots (paper §7): in most schedules each node snapshots its state machine every few entries and compacts
 * its log, so followers that fall behind need InstallSnapshot. The transfer of a snapshot's data is modelled as one
 * lossy delivery of the InstallSnapshot message; the leader's driver reports how it ended — at once if delivered,
 * after a transfer timeout if lost — as the runtime does. Every snapshot a node restores, at restart or from a leader, is checked
 * against the committed log ({@link InvariantChecker#onRestore}).
 */
public final class Simulation {
    /** Virtual time units per tick. */
    public static final int TICK = 100;
    private static final long GROUP = 7;

    private record Event(long time, long seq, Runnable action) {
    }

    private final long seed;
    private final SimConfig cfg;
    private final SplittableRandom rnd;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private final List<SimNode> nodes = new ArrayList<>();
    private final InvariantChecker checker = new InvariantChecker();
    private final Consumer<String> trace;
    private long now;
    private long seq;
    private boolean chaos = true;
    /** Partition group of each node (index id-1); messages cross only within a group. */
    private final int[] group;
    private boolean partitioned;

    // The client: commands proposed and not yet seen applied, with the time of their last attempt.
    private final TreeMap<Long, Long> pending = new TreeMap<>();
    private long nextCommand = 1;
    private long knownLeader;
    private long proposals;
    private long nextRequestId = 1;
    /** Open read-index requests: request id → entries known committed when it was made. */
    private final TreeMap<Long, Long> reads = new TreeMap<>();
    private long readsServed;
    private long delivered;
    private long dropped;
    private int membershipChanges;
    private int transfers;

    private int failStops;

    /**
     * Statistics of a passing run; {@code diskFaults} sums every node's {@link SimLogStore#faultCounts()}, and
     * {@code failStops} counts nodes stopped (and later restarted) on a storage error.
     */
    public record Result(long seed, int nodes, long committedEntries, long commands, long proposals, long readsServed,
                         long messages, long droppedMessages, int crashes, long ticks, int snapshotsTaken,
                         int snapshotsInstalled, int membershipChanges, int leadershipTransfers, int failStops,
                         List<Long> diskFaults) {
    }

    public Simulation(long seed, SimConfig cfg, Consumer<String> trace) {
        this.seed = seed;
        this.cfg = cfg;
        this.rnd = new SplittableRandom(seed);
        this.trace = trace;
        this.group = new int[cfg.nodes() + cfg.spareNodes()];
        List<Long> voters = LongStream.rangeClosed(1, cfg.nodes()).boxed().toList();
        for (long id = 1; id <= cfg.nodes() + cfg.spareNodes(); id++) {
            CoreConfig c = CoreConfig.of(GROUP, id, voters).withTicks(cfg.electionTicks(), cfg.heartbeatTicks())
                    .withReplicationLimits(512 + rnd.nextInt(4096), 1 + rnd.nextInt(8))
                    .withElectionSafeguards(cfg.preVote(), cfg.checkQuorum())
                    .withBrokenRule(cfg.brokenRule());
            SimNode node = new SimNode(id, c, rnd.nextLong());
            node.store.injectFaults(cfg.diskFaults(), new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * id)));
            nodes.add(node);
        }
    }

    /** Runs a schedule from its seed. */
    public static Result run(long seed, SimConfig cfg) {
        return new Simulation(seed, cfg, null).run();
    }

    /** Runs the schedule; throws {@link SimulationFailure} (naming the seed) if a check fails. */
    public Result run() {
        try {
            return runUnchecked();
        } catch (InvariantChecker.Violation v) {
            throw new SimulationFailure(v.rule, v.getMessage(), seed, cfg, now);
        } catch (IllegalStateException e) {
            // The core's own assertions (e.g. two leaders seen by a node) are invariant violations too.
            throw new SimulationFailure("Core assertion", e.toString(), seed, cfg, now);
        }
    }

    private Result runUnchecked() {
        for (SimNode n : nodes) {
            scheduleTick(n, rnd.nextInt(TICK));
        }
        for (long t = 1; t <= cfg.chaosTicks(); t++) {
            at(t * TICK + rnd.nextInt(TICK), this::nemesis);
            at(t * TICK + rnd.nextInt(TICK), this::client);
        }
        long healAt = (cfg.chaosTicks() + 1L) * TICK;
        at(healAt, this::heal);
        long deadline = healAt + (long) cfg.livenessTicks() * TICK;
        for (long t = cfg.chaosTicks() + 1L; t <= cfg.chaosTicks() + cfg.livenessTicks(); t++) {
            at(t * TICK + TICK / 2, this::client);
        }
        while (!queue.isEmpty()) {
            Event e = queue.poll();
            now = e.time;
            if (now > deadline) {
                break;
            }
            e.action.run();
            for (SimNode n : nodes) {
                if (n.up) {
                    checker.check(n.core);
                }
            }
            if (!chaos && converged()) {
                return new Result(seed, cfg.nodes(), checker.committedCount(), nextCommand - 1, proposals, readsServed,
                        delivered, dropped, nodes.stream().mapToInt(n -> n.crashes).sum(), now / TICK,
                        nodes.stream().mapToInt(n -> n.snapshotsTaken).sum(),
                        nodes.stream().mapToInt(n -> n.snapshotsInstalled).sum(), membershipChanges, transfers,
                        failStops, diskFaultCounts());
            }
        }
        throw new InvariantChecker.Violation("Liveness", "no convergence within " + cfg.livenessTicks()
                + " ticks of healing: pending commands " + pending.keySet() + ", nodes " + describe());
    }

    private List<Long> diskFaultCounts() {
        long[] sum = new long[5];
        for (SimNode n : nodes) {
            long[] c = n.store.faultCounts();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += c[i];
            }
        }
        return java.util.Arrays.stream(sum).boxed().toList();
    }

    /**
     * Runs one write of a node's driver; on a storage error the driver fails stop, as the runtime does: the node
     * goes down at once (nothing of the failed write acknowledged, its unsynced writes at the mercy of the disk) and
     * restarts later from what its store kept. Returns whether the write succeeded.
     */
    private boolean write(SimNode n, Runnable write) {
        try {
            write.run();
            return true;
        } catch (io.flotilla.raft.log.LogStoreException e) {
            failStops++;
            log("node " + n.id + " stops on a storage error: " + e.getMessage());
            crash(n);
            return false;
        }
    }

    /** Crashes a node and schedules its restart. */
    private void crash(SimNode n) {
        try {
            n.crash(rnd);
        } catch (io.flotilla.raft.log.LogStoreException e) {
            throw new InvariantChecker.Violation("Durability", "node " + n.id + "'s store refuses to open: "
                    + e.getMessage());
        }
        long restartSeed = rnd.nextLong();
        at(now + (1 + rnd.nextInt(4 * cfg.electionTicks())) * (long) TICK, () -> restart(n, restartSeed));
    }

    /**
     * One leader; every member of its membership up, caught up and applied to the leader's last index; no command
     * pending. Servers outside the membership (spares, removed servers) do not count.
     */
    private boolean converged() {
        if (!pending.isEmpty()) {
            return false;
        }
        SimNode leader = nodes.stream().filter(n -> n.up && n.core.role() == Role.LEADER)
                .max((a, b) -> Long.compare(a.core.term(), b.core.term())).orElse(null);
        if (leader == null || leader.core.commitIndex() != leader.core.lastIndex()) {
            return false;
        }
        for (SimNode n : nodes) {
            if (!leader.core.membership().isMember(n.id)) {
                continue;
            }
            if (!n.up || n.core.term() != leader.core.term() || n.core.appliedIndex() != leader.core.lastIndex()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- events

    private void at(long time, Runnable action) {
        queue.add(new Event(time, seq++, action));
    }

    private void log(String what) {
        if (trace != null) {
            trace.accept(String.format("t=%7d %s", now, what));
        }
    }

    private void scheduleTick(SimNode n, long delay) {
        int epoch = n.epoch;
        at(now + delay, () -> {
            if (n.up && n.epoch == epoch) {
                Role before = n.core.role();
                long term = n.core.term();
                n.core.tick();
                if (n.core.role() != before || n.core.term() != term) {
                    log("node " + n.id + " " + before + "->" + n.core.role() + " term " + n.core.term());
                }
                drive(n);
                scheduleTick(n, TICK);
            }
        });
    }

    /** The driver loop of one node: take a Ready, carry it out, advance — as the runtime does. */
    private void drive(SimNode n) {
        while (n.up && n.writing == null && n.core.hasReady()) {
            Ready rd = n.core.ready();
            checker.onReady(n.core, rd);
            for (RequestOutcome o : rd.outcomes()) {
                Long committedBefore = reads.remove(o.requestId());
                if (o instanceof RequestOutcome.ReadIndexReady r && committedBefore != null) {
                    checker.onReadIndex(n.id, r.readIndex(), committedBefore);
                    readsServed++;
                }
            }
            rd.messages().forEach(this::send);
            if (rd.snapshot() != null && !installSnapshot(n, rd.snapshot())) {
                return;
            }
            if (rd.needsPersist() && !write(n, () -> n.store.save(rd.hardState(), rd.entries(), false))) {
                return;
            }
            if (rd.mustSync()) {
                n.writing = rd;
                int epoch = n.epoch;
                at(now + 1 + rnd.nextInt(cfg.maxDiskDelay()), () -> {
                    if (n.up && n.epoch == epoch) {
                        if (!write(n, n.store::sync)) {
                            return; // a failed fsync: the after-persist messages (votes, acks) are never sent
                        }
                        n.writing = null;
                        complete(n, rd);
                        drive(n);
                    }
                });
                return;
            }
            complete(n, rd);
        }
    }

    private void complete(SimNode n, Ready rd) {
        rd.messagesAfterPersist().forEach(this::send);
        for (Entry e : rd.committed()) {
            checker.onApply(n.core, e);
            n.stateHash = SimNode.mix(n.stateHash, e);
            if (e.type() == EntryType.COMMAND) {
                pending.remove(Long.parseLong(e.data().toStringUtf8()));
            }
        }
        n.core.advance(rd);
        if (!rd.committed().isEmpty()) {
            maybeSnapshot(n, rd.committed().get(rd.committed().size() - 1));
        }
    }

    /**
     * The snapshot policy: once {@link SimConfig#snapshotEvery()} entries have been applied since the last snapshot,
     * save one as of the last applied entry and compact the log through it, less a trailing window.
     */
    private void maybeSnapshot(SimNode n, Entry lastApplied) {
        SimNode.SimSnapshot latest = n.latestSnapshot();
        long since = lastApplied.index() - (latest == null ? 0 : latest.meta().index());
        if (cfg.snapshotEvery() == 0 || since < cfg.snapshotEvery()) {
            return;
        }
        SnapshotMeta meta = new SnapshotMeta(lastApplied.index(), lastApplied.term(),
                n.core.membershipAt(lastApplied.index()), 8, n.stateHash & 0xFFFF_FFFFL);
        n.saveSnapshot(new SimNode.SimSnapshot(meta, n.stateHash));
        n.snapshotsTaken++;
        n.core.snapshotSaved(meta);
        long compactThrough = meta.index() - cfg.trailingEntries();
        if (compactThrough >= n.store.firstIndex()) {
            checker.check(n.core); // let the checker see the committed entries before they are compacted away
            if (!write(n, () -> n.store.compact(compactThrough))) {
                return;
            }
            log("node " + n.id + " snapshot at " + meta.index() + ", log compacted through " + compactThrough);
        }
    }

    /**
     * Rules 7 and 8 on the driver's side: keep the received snapshot, reset the log to it, restore the state machine.
     * Returns false if the node stopped on a storage error.
     */
    private boolean installSnapshot(SimNode n, SnapshotMeta meta) {
        SimNode.SimSnapshot s = n.received.remove(meta.index());
        if (s == null || !s.meta().equals(meta)) {
            throw new IllegalStateException("node " + n.id + " installs snapshot " + meta + " it never received");
        }
        n.saveSnapshot(s);
        if (!write(n, () -> n.store.installSnapshot(meta.index(), meta.term()))) {
            return false;
        }
        n.stateHash = s.hash();
        n.snapshotsInstalled++;
        checker.onRestore(n.id, meta, s.hash());
        log("node " + n.id + " installed snapshot " + meta.index() + " of term " + meta.term());
        return true;
    }

    private void send(Message m) {
        int from = (int) m.from() - 1;
        int to = (int) m.to() - 1;
        if (m instanceof InstallSnapshot is) {
            sendSnapshot(is);
            return;
        }
        if ((chaos && rnd.nextDouble() < cfg.lossRate()) || group[from] != group[to]) {
            dropped++;
            return;
        }
        deliverLater(m);
        if (chaos && rnd.nextDouble() < cfg.duplicateRate()) {
            deliverLater(m);
        }
    }

    private void deliverLater(Message m) {
        long delay = 1 + rnd.nextInt(cfg.maxDelay());
        if (chaos && rnd.nextDouble() < cfg.longDelayRate()) {
            delay += rnd.nextInt(3 * TICK);
        }
        at(now + delay, () -> {
            SimNode n = nodes.get((int) m.to() - 1);
            if (!n.up || group[(int) m.from() - 1] != group[(int) m.to() - 1]) {
                dropped++;
                return;
            }
            delivered++;
            long term = n.core.term();
            Role role = n.core.role();
            n.core.step(m);
            if (n.core.role() != role || n.core.term() != term) {
                log("node " + n.id + " " + role + "->" + n.core.role() + " term " + n.core.term() + " on " + m);
            }
            drive(n);
        });
    }

    /**
     * The transfer of a snapshot's data: it takes a while, and is lost like any message — or because either end
     * crashes or is cut off before it completes. A lost transfer is reported to the leader's core after a timeout.
     */
    private void sendSnapshot(InstallSnapshot is) {
        SimNode leader = nodes.get((int) is.from() - 1);
        SimNode.SimSnapshot data = leader.snapshots.stream().filter(s -> s.meta().equals(is.meta())).findFirst()
                .orElseThrow(() -> new IllegalStateException("leader " + leader.id + " sends snapshot " + is.meta()
                        + " it does not hold"));
        int leaderEpoch = leader.epoch;
        boolean lost = (chaos && rnd.nextDouble() < cfg.lossRate()) || group[(int) is.from() - 1] != group[(int) is.to() - 1];
        long transferTime = 1 + rnd.nextInt(cfg.maxDelay()) + rnd.nextInt(2 * TICK);
        Runnable reportFailure = () -> at(now + (long) cfg.electionTicks() * TICK, () -> report(leader, leaderEpoch, is, false));
        if (lost) {
            dropped++;
            reportFailure.run();
            return;
        }
        at(now + transferTime, () -> {
            SimNode n = nodes.get((int) is.to() - 1);
            if (!n.up || group[(int) is.from() - 1] != group[(int) is.to() - 1]) {
                dropped++;
                reportFailure.run();
                return;
            }
            delivered++;
            n.received.put(is.meta().index(), data);
            n.core.step(is);
            drive(n);
            at(now + 1 + rnd.nextInt(cfg.maxDelay()), () -> report(leader, leaderEpoch, is, true));
        });
    }

    /** The leader's driver learns how a snapshot transfer ended (unless it crashed meanwhile). */
    private void report(SimNode leader, int epoch, InstallSnapshot is, boolean delivered) {
        if (leader.up && leader.epoch == epoch) {
            leader.core.reportSnapshot(is.to(), delivered);
            drive(leader);
        }
    }

    /** Crashes, partitions and membership changes, at random, during the chaos phase. */
    private void nemesis() {
        if (!chaos) {
            return;
        }
        if (rnd.nextDouble() < cfg.membershipRate()) {
            changeMembership();
        }
        if (rnd.nextDouble() < cfg.crashRate()) {
            SimNode n = nodes.get(rnd.nextInt(nodes.size()));
            if (n.up) {
                log("crash node " + n.id + " (" + n.store.unsyncedOps() + " unsynced writes at risk)");
                crash(n);
            }
        }
        if (!partitioned && rnd.nextDouble() < cfg.partitionRate()) {
            partitioned = true;
            int kind = rnd.nextInt(3);
            SimNode leader = nodes.stream().filter(n -> n.up && n.core.role() == Role.LEADER).findFirst().orElse(null);
            for (int i = 0; i < group.length; i++) {
                group[i] = kind == 0 ? rnd.nextInt(2) : 0;
            }
            if (kind == 1 || (kind == 2 && leader == null)) {
                group[rnd.nextInt(group.length)] = 1;
            } else if (kind == 2) {
                group[(int) leader.id - 1] = 1;
            }
            log("partition " + java.util.Arrays.toString(group));
            at(now + (2 + rnd.nextInt(4 * cfg.electionTicks())) * (long) TICK, this::healPartition);
        }
    }

    /**
     * Asks the leader (if any) for one membership change — add a server outside the group as a learner, promote a
     * learner, remove a member (down to two voters) — or to hand leadership to another voter. Refusals (a change in
     * flight, a learner not caught up) are part of the schedule.
     */
    private void changeMembership() {
        SimNode leader = nodes.stream().filter(n -> n.up && n.core.role() == Role.LEADER)
                .max((a, b) -> Long.compare(a.core.term(), b.core.term())).orElse(null);
        if (leader == null) {
            return;
        }
        io.flotilla.raft.log.Membership m = leader.core.membership();
        List<Long> outside = nodes.stream().map(n -> n.id).filter(id -> !m.isMember(id)).toList();
        io.flotilla.raft.core.ChangeResult r;
        String what;
        double kind = rnd.nextDouble();
        if (kind < 0.3 && !outside.isEmpty()) {
            long id = outside.get(rnd.nextInt(outside.size()));
            what = "add learner " + id;
            r = leader.core.changeMembership(new io.flotilla.raft.core.MembershipChange.AddLearner(id, null), null);
        } else if (kind < 0.6 && !m.learners().isEmpty()) {
            long id = m.learners().get(rnd.nextInt(m.learners().size()));
            what = "promote " + id;
            r = leader.core.changeMembership(new io.flotilla.raft.core.MembershipChange.Promote(id), null);
        } else if (kind < 0.85) {
            List<Long> members = m.members();
            long id = members.get(rnd.nextInt(members.size()));
            if (m.isVoter(id) && m.voters().size() <= 2) {
                return;
            }
            what = "remove " + id;
            r = leader.core.changeMembership(new io.flotilla.raft.core.MembershipChange.Remove(id), null);
        } else {
            List<Long> others = m.voters().stream().filter(v -> v != leader.id).toList();
            if (others.isEmpty()) {
                return;
            }
            long id = others.get(rnd.nextInt(others.size()));
            what = "transfer leadership to " + id;
            r = leader.core.transferLeadership(id);
            if (r instanceof io.flotilla.raft.core.ChangeResult.Accepted) {
                transfers++;
            }
        }
        if (r instanceof io.flotilla.raft.core.ChangeResult.Accepted && !what.startsWith("transfer")) {
            membershipChanges++;
        }
        log("leader " + leader.id + ": " + what + " -> " + r);
        drive(leader);
    }

    private void healPartition() {
        java.util.Arrays.fill(group, 0);
        partitioned = false;
        log("partition healed");
    }

    private void restart(SimNode n, long coreSeed) {
        if (n.up) {
            return;
        }
        if (n.store.diskFull() && rnd.nextBoolean()) {
            n.store.freeSpace(); // the operator freed space while it was down (half the time)
        }
        if (!write(n, () -> n.restart(coreSeed))) {
            return; // failed resetting its log to its snapshot: down again, restarted later
        }
        checker.restarted(n.id);
        SimNode.SimSnapshot s = n.latestSnapshot();
        if (s != null) {
            checker.onRestore(n.id, s.meta(), s.hash());
        }
        log("restart node " + n.id + " " + n.core);
        scheduleTick(n, rnd.nextInt(TICK));
        drive(n);
    }

    private void heal() {
        chaos = false;
        healPartition();
        for (SimNode n : nodes) {
            n.store.injectFaults(DiskFaults.NONE, null);
            n.store.freeSpace();
        }
        for (SimNode n : nodes) {
            if (!n.up) {
                restart(n, rnd.nextLong());
            }
        }
        log("healed: all nodes up, no loss, no partition");
    }

    /** The client proposes new commands during chaos and retries those whose outcome it has not seen. */
    private void client() {
        if (chaos && rnd.nextDouble() < cfg.proposeRate()) {
            pending.put(nextCommand++, Long.MIN_VALUE);
        }
        if (chaos && rnd.nextDouble() < cfg.proposeRate()) {
            SimNode n = nodes.get(rnd.nextInt(nodes.size()));
            if (n.up) {
                long requestId = nextRequestId++;
                reads.put(requestId, (long) checker.committedCount());
                n.core.readIndex(requestId);
                drive(n);
            }
        }
        long retryAfter = 3L * cfg.electionTicks() * TICK;
        List<Long> due = pending.entrySet().stream()
                .filter(e -> e.getValue() == Long.MIN_VALUE || now - e.getValue() >= retryAfter)
                .map(java.util.Map.Entry::getKey).toList();
        for (long command : due) {
            if (!propose(command)) {
                break;
            }
            pending.replace(command, now);
        }
    }

    private boolean propose(long command) {
        SimNode target = knownLeader > 0 ? nodes.get((int) knownLeader - 1) : null;
        if (target == null || !target.up) {
            target = nodes.get(rnd.nextInt(nodes.size()));
        }
        if (!target.up) {
            return false;
        }
        Payload payload = Payload.ofUtf8(Long.toString(command));
        ProposeResult r = target.core.propose(List.of(payload));
        proposals++;
        if (r instanceof ProposeResult.NotLeader nl) {
            knownLeader = nl.leaderId();
            if (nl.leaderId() == 0 || rnd.nextBoolean()) {
                return false;
            }
            target.core.forwardProposal(nextRequestId++, List.of(payload)); // the follower forwards it
            drive(target);
            return true;
        }
        knownLeader = target.id;
        log("propose " + command + " at node " + target.id + ": " + r);
        drive(target);
        return true;
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : nodes) {
            sb.append("\n    ").append(n.up ? n.core.toString() : "node " + n.id + " down");
        }
        return sb.toString();
    }
}
