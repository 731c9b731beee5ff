package io.flotilla.raft.node;

import io.flotilla.raft.core.ChangeResult;
import io.flotilla.raft.core.MembershipChange;
import io.flotilla.raft.core.ProposeResult;
import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.RequestOutcome;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A member of a Raft group, embedded in a host application: it drives a {@link RaftCore} and gives the host
 * {@link #propose} and {@link #read}.
 *
 * <p>Threads (see docs/runtime.md): one <em>event loop</em> owns the core — it takes ticks, inbound messages and
 * requests from a queue, and for each batch carries out the core's {@link Ready}: send the leader's appends, write
 * the log store (fsync when required), send the messages that depend on the write, hand committed entries to the
 * apply thread. Requests that arrive while a write is in progress are batched into the next one (group commit).
 * One <em>apply thread</em> runs the {@link StateMachine} in log order and completes futures; a slow state machine
 * delays applies and reads but not replication. Futures and listeners never run on the event loop.
 *
 * <p>Guarantees: a proposal's future completes with the state machine's result only once its entry is committed
 * and applied on this node; otherwise it fails with a {@link RaftException} that says whether the command may
 * still take effect. A read's future completes with a linearizable answer (ReadIndex, thesis §6.4): it reflects
 * every write acknowledged before the read was called. Reads never go through the log. During an election the
 * cluster answers nothing: requests made while no leader is known wait for one (up to
 * {@link RaftConfig#requestTimeout()}) and are retried where that is safe (reads, and proposals that were never
 * appended); then they fail with a timeout — never with a wrong answer. If the state machine throws an
 * {@link Error}, the node stops ({@link #failure()}).
 *
 * <p>Snapshots (paper §7; see docs/snapshots.md): started with a {@link SnapshotStore} and a state machine that
 * implements {@link StateMachine#snapshot()}, the node snapshots its state as its {@link SnapshotPolicy} says, on a
 * snapshot thread, then compacts its log; it restarts from its newest snapshot plus the log after it; as leader it
 * streams its snapshot to followers that need compacted entries ({@link SnapshotSender}); as follower it receives,
 * checks and installs one ({@link SnapshotReceiver}).
 *
 * <p>All public methods are thread-safe.
 */
public final class RaftNode implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RaftNode.class);
    private static final int MAX_INPUTS_PER_BATCH = 4096;

    private final RaftConfig config;
    private final LogStore store;
    private final Transport transport;
    private final NodeEnvironment env;
    private final boolean ownsEnvironment;
    private final Executor loop;
    private final Applier applier;
    private final RaftCore core;
    private final SnapshotStore snapshots;
    private final SnapshotSender snapshotSender;
    private final SnapshotReceiver snapshotReceiver;

    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger pendingRequests = new AtomicInteger();
    private final List<RaftListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile NodeStatus loopStatus;
    private final AutoCloseable ticker;

    // Stall detection (gray failures): written by the event loop and the apply thread, read by the ticker.
    /** When the event loop began the log write it is in, in clock nanoseconds; 0 while it is not writing. */
    private volatile long writingSince;
    /** Why this node is stalled, or null while it is healthy (see {@link #checkStalls()}). */
    private volatile String stall;
    /** The reads in flight on this node, so that a stall can fail them even while the event loop hangs. */
    private final java.util.Set<CompletableFuture<Payload>> openReads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // Ticker thread only.
    private long lastCheck;
    private final StallWatch writeWatch = new StallWatch();
    private final StallWatch applyWatch = new StallWatch();

    // Event-loop confined.
    private final Map<Long, CompletableFuture<Payload>> forwarded = new HashMap<>();
    private final Map<Long, Payload> forwardedCommands = new HashMap<>();
    private final Map<Long, PendingRead> reads = new HashMap<>();
    /** Requests waiting for a leader to be known; retried when one is (each is safe to retry: nothing appended). */
    private final java.util.ArrayDeque<Parked> awaitingLeader = new java.util.ArrayDeque<>();
    private long nextRequestId;
    private boolean stopped;
    /** The leader whose term the pending reads were last (re)issued in. */
    private long readsLeader;
    private Role lastRole;
    private long lastTerm = -1;
    private long lastLeader = -1;
    private final List<PendingTransfer> transfers = new java.util.ArrayList<>();
    private volatile Membership publishedMembership;
    private volatile List<PeerStatus> publishedPeers = List.of();
    /** The last membership whose addresses the transport was given. */
    private Membership transportMembership;
    /** A snapshot the receiver handed the core in this turn of the loop; discarded unless the core installs it. */
    private SnapshotMeta offeredSnapshot;

    /** A read waiting for its read index, and the leader it asked (0: none yet). */
    private record PendingRead(Payload query, CompletableFuture<Payload> future, long askedLeader) {
    }

    /** A leadership transfer waiting for its target to lead. */
    private record PendingTransfer(long target, CompletableFuture<Payload> future) {
    }

    /** A request parked until a leader is known; nothing of it was appended anywhere. */
    private record Parked(Runnable retry, CompletableFuture<Payload> future) {
    }

    private RaftNode(RaftConfig config, LogStore store, SnapshotStore snapshots, Transport transport,
                     StateMachine stateMachine, NodeEnvironment env, boolean ownsEnvironment) {
        this.config = config;
        this.store = store;
        this.snapshots = snapshots;
        this.transport = transport;
        this.env = env;
        this.ownsEnvironment = ownsEnvironment;
        this.loop = env.newSerialExecutor("flotilla-" + config.nodeId() + "-loop");
        Applier.Snapshots snapshotting = snapshots == null ? null : new Applier.Snapshots(snapshots,
                config.snapshots(), Membership.ofVoters(List.copyOf(config.members().keySet())),
                env.newSerialExecutor("flotilla-" + config.nodeId() + "-snapshot"),
                meta -> submit(() -> snapshotSaved(meta)));
        this.applier = new Applier(stateMachine, env.newSerialExecutor("flotilla-" + config.nodeId() + "-apply"),
                env::nanoTime, this::applyFailed, snapshotting);
        SnapshotMeta latest = snapshots == null ? null : snapshots.latest().orElse(null);
        if (latest != null) {
            reconcileLogWith(store, latest, config.nodeId());
            applier.restore(snapshots, latest);
        }
        java.util.random.RandomGenerator random = env.random();
        this.core = RaftCore.restore(env.coreConfig(config.coreConfig()), store, latest, random);
        this.snapshotSender = snapshots == null ? null : new SnapshotSender(snapshots, transport::send,
                core::reportSnapshot, config.snapshots(), config.transferTimeoutTicks());
        this.snapshotReceiver = snapshots == null ? null : new SnapshotReceiver(config.nodeId(), snapshots,
                transport::send, new SnapshotReceiver.Node() {
                    @Override
                    public long term() {
                        return core.term();
                    }

                    @Override
                    public long commitIndex() {
                        return core.commitIndex();
                    }

                    @Override
                    public void install(InstallSnapshot request) {
                        offeredSnapshot = request.meta();
                        core.step(request);
                    }
                });
        // Request ids start at a random point so that a restarted node never reuses its previous ids.
        this.nextRequestId = 1 + (random.nextLong() >>> 2);
        publishStatus();
        transport.start(this::receive);
        this.ticker = env.scheduleAtFixedRate(config.tickInterval(), () -> {
            checkStalls();
            submit(this::tick);
        });
    }

    /**
     * A node restarts from its newest snapshot plus the log after it. A crash may have come between installing a
     * leader's snapshot and resetting the log to it: then the log does not hold the snapshot's last entry, and is
     * reset now (Figure 13, rule 7); if it does hold it, the entries after it are kept (rule 6). A node whose stores
     * were seeded from a snapshot ({@link DisasterRecovery#seedFromSnapshot}) and which crashed before its log was
     * reset starts the same way; its term is then raised to the snapshot's, since no term may be below one in its log.
     *
     * @throws IllegalStateException if the snapshot is older than the log's first entry (entries in between lost)
     */
    static void reconcileLogWith(LogStore store, SnapshotMeta latest, long nodeId) {
        if (latest.index() < store.firstIndex() - 1) {
            throw new IllegalStateException("the newest snapshot (index " + latest.index() + ") is older than the log, "
                    + "which starts at " + store.firstIndex() + ": entries in between are missing");
        }
        if (latest.index() > store.lastIndex() || store.term(latest.index()) != latest.term()) {
            LOG.info("node {}: resetting the log to snapshot {} (term {})", nodeId, latest.index(), latest.term());
            store.installSnapshot(latest.index(), latest.term());
            io.flotilla.raft.log.HardState hs = store.hardState();
            if (hs.term() < latest.term()) {
                store.saveHardState(new io.flotilla.raft.log.HardState(latest.term(), 0,
                        Math.min(hs.commit(), latest.index())));
            }
            store.sync();
        }
    }

    private void tick() {
        core.tick();
        if (stall != null) {
            resign(); // again, if an earlier hand-over was abandoned
        }
        if (snapshotSender != null) {
            snapshotSender.tick();
        }
    }

    /** The snapshot thread saved a snapshot: tell the core, and compact the log behind it. Event loop. */
    private void snapshotSaved(SnapshotMeta meta) {
        if (stopped) {
            return;
        }
        core.snapshotSaved(meta);
        long through = meta.index() - config.snapshots().trailingEntries();
        if (through >= store.firstIndex() && core.snapshot() != null && through <= core.snapshot().index()) {
            writing(() -> store.compact(through));
            LOG.debug("node {}: snapshot {} saved; log compacted through {}", id(), meta.index(), through);
        }
    }

    /**
     * Starts a node on real threads. {@code store} holds the node's log from earlier runs, if any (the state
     * machine must be fresh: the node re-applies its committed log). The node owns {@code transport} (it closes
     * it); the caller keeps {@code store} and may close it after {@link #close()}.
     */
    public static RaftNode start(RaftConfig config, LogStore store, Transport transport, StateMachine stateMachine) {
        return new RaftNode(config, store, null, transport, stateMachine, NodeEnvironment.threaded(), true);
    }

    /**
     * Starts a node on real threads that keeps snapshots in {@code snapshots} (see the class comment): it restores
     * the state machine from the newest one, and takes and sends snapshots as {@link RaftConfig#snapshots()} says.
     * The caller keeps {@code snapshots} open until after {@link #close()}.
     */
    public static RaftNode start(RaftConfig config, LogStore store, SnapshotStore snapshots, Transport transport,
                                 StateMachine stateMachine) {
        return new RaftNode(config, store, java.util.Objects.requireNonNull(snapshots), transport, stateMachine,
                NodeEnvironment.threaded(), true);
    }

    /** Starts a node in a given environment (the simulator's virtual threads and clock, for instance). */
    public static RaftNode start(RaftConfig config, LogStore store, Transport transport, StateMachine stateMachine,
                                 NodeEnvironment environment) {
        return new RaftNode(config, store, null, transport, stateMachine, environment, false);
    }

    /** Starts a node with a snapshot store in a given environment. */
    public static RaftNode start(RaftConfig config, LogStore store, SnapshotStore snapshots, Transport transport,
                                 StateMachine stateMachine, NodeEnvironment environment) {
        return new RaftNode(config, store, java.util.Objects.requireNonNull(snapshots), transport, stateMachine,
                environment, false);
    }

    // ---------------------------------------------------------------- host API

    /**
     * Proposes a command. The future completes with the state machine's result once the command is committed and
     * applied on this node. On a follower the command is forwarded to the leader (unless
     * {@link RaftConfig#forwardProposals()} is off); while no leader is known, it waits for one. A command sent to a
     * leader that is then lost is not re-sent (it may have been appended): it times out as indeterminate. It fails
     * with {@link NotLeaderException} (forwarding off), {@link OverloadedException}, {@link ProposalLostException},
     * {@link NodeStalledException}, {@link NodeClosedException} or — when no leader took it within the request
     * timeout — {@link RaftTimeoutException}, all when the command definitely did not and will not take effect; and
     * with {@link IndeterminateOutcomeException} when it may have (a leader had it, then the timeout or a shutdown
     * came).
     */
    public CompletableFuture<Payload> propose(Payload command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<Payload> future = admitUnlessStalled();
        if (!future.isDone()) {
            AtomicInteger handOff = new AtomicInteger(WAITING);
            submit(new RequestInput(() -> proposeOnLoop(command, future, handOff), future, true));
            timeout(future, () -> handOff.compareAndSet(WAITING, TIMED_OUT)
                    ? new RaftTimeoutException("no leader took the command within " + config.requestTimeout()
                    + " (no leader, or this node is cut off); it was not appended anywhere and will not be")
                    : new IndeterminateOutcomeException("no outcome within " + config.requestTimeout()
                    + " (the leader was lost, or this node is cut off); the command may still commit"));
        }
        return future;
    }

    /**
     * Runs a read-only query linearizably: the answer reflects every write acknowledged before this call. While no
     * leader is known, or when the leader asked is replaced, the read waits and asks the next leader; it fails with
     * {@link RaftTimeoutException} if no read index is established within {@link RaftConfig#requestTimeout()}, or
     * {@link NodeClosedException}. Either way a retry is safe. An exception thrown by
     * {@link StateMachine#query} fails the read with that exception.
     */
    public CompletableFuture<Payload> read(Payload query) {
        Objects.requireNonNull(query, "query");
        CompletableFuture<Payload> future = admitUnlessStalled();
        if (!future.isDone()) {
            openReads.add(future);
            future.whenComplete((r, e) -> openReads.remove(future));
            submit(new RequestInput(() -> readOnLoop(query, future), future, false));
            timeout(future, () -> new RaftTimeoutException("no read index within " + config.requestTimeout()
                    + " (no leader, or this node is cut off)"));
        }
        return future;
    }

    // ---------------------------------------------------------------- membership (thesis chapter 4) and transfer

    /**
     * Adds node {@code id} at {@code address} as a learner: it receives the log (or a snapshot) but does not vote.
     * Call on the leader; start the new node with {@link RaftConfig#asJoining()}. Completes with the new membership
     * once the change is committed and applied here; fails with {@link MembershipChangeException} (the reason is in the
     * message) or {@link NotLeaderException}. One change at a time: a second one before the first commits is refused.
     */
    public CompletableFuture<Membership> addLearner(long id, String address) {
        return changeMembership(new MembershipChange.AddLearner(id, address), null);
    }

    /** Makes learner {@code id} a voter; refused until it has caught up with the leader. See {@link #addLearner}. */
    public CompletableFuture<Membership> promote(long id) {
        return changeMembership(new MembershipChange.Promote(id), null);
    }

    /**
     * Removes member {@code id}. Removing the leader itself makes it step down once the change commits (the future
     * completes first). See {@link #addLearner}.
     */
    public CompletableFuture<Membership> remove(long id) {
        return changeMembership(new MembershipChange.Remove(id), null);
    }

    /**
     * Asks the leader for a membership change, refused unless the membership is {@code expected} when the leader
     * takes it up (compare-and-set; null for no condition). See {@link #addLearner}.
     */
    public CompletableFuture<Membership> changeMembership(MembershipChange change, Membership expected) {
        java.util.Objects.requireNonNull(change, "change");
        CompletableFuture<Payload> applied = admit();
        java.util.concurrent.atomic.AtomicReference<Membership> accepted = new java.util.concurrent.atomic.AtomicReference<>();
        if (!applied.isDone()) {
            submit(new RequestInput(() -> changeOnLoop(change, expected, applied, accepted), applied));
            timeout(applied, () -> new IndeterminateOutcomeException("the membership change did not commit within "
                    + config.requestTimeout() + "; it may still take effect"));
        }
        return applied.thenApply(p -> accepted.get()); // completed on the apply thread, after the entry applied
    }

    private void changeOnLoop(MembershipChange change, Membership expected, CompletableFuture<Payload> future,
                              java.util.concurrent.atomic.AtomicReference<Membership> accepted) {
        if (future.isDone()) {
            return;
        }
        ChangeResult r = core.changeMembership(change, expected);
        if (r instanceof ChangeResult.Accepted a) {
            LOG.info("node {}: membership change {} appended at {}: {}", id(), change, a.index(), a.membership());
            accepted.set(a.membership());
            applier.awaitProposal(a.index(), a.term(), future);
        } else if (r instanceof ChangeResult.NotLeader nl) {
            failLater(future, notLeader(nl.leaderId()));
        } else if (r instanceof ChangeResult.Refused refused) {
            failLater(future, new MembershipChangeException(refused.reason()));
        }
    }

    /**
     * Hands leadership to voter {@code target} (thesis §3.10): the leader stops taking proposals (they wait, as during
     * an election), brings the target up to date and tells it to campaign at once. Completes once this node sees the
     * target lead; fails with {@link MembershipChangeException} if refused or if the target has not taken over within
     * an election timeout (the old leader then takes proposals again), or {@link NotLeaderException}.
     */
    public CompletableFuture<Void> transferLeadership(long target) {
        CompletableFuture<Payload> done = admit();
        if (!done.isDone()) {
            submit(new RequestInput(() -> transferOnLoop(target, done), done));
            timeout(done, () -> new MembershipChangeException("leadership did not pass to node " + target + " within "
                    + config.requestTimeout()));
        }
        return done.thenApply(p -> null);
    }

    private void transferOnLoop(long target, CompletableFuture<Payload> future) {
        if (future.isDone()) {
            return;
        }
        ChangeResult r = core.transferLeadership(target);
        if (r instanceof ChangeResult.Accepted) {
            LOG.info("node {}: handing leadership to node {}", id(), target);
            transfers.add(new PendingTransfer(target, future));
        } else if (r instanceof ChangeResult.NotLeader nl) {
            failLater(future, notLeader(nl.leaderId()));
        } else if (r instanceof ChangeResult.Refused refused) {
            failLater(future, new MembershipChangeException(refused.reason()));
        }
    }

    /** Completes transfers whose target now leads, and fails those the core abandoned. Event loop. */
    private void checkTransfers() {
        for (java.util.Iterator<PendingTransfer> it = transfers.iterator(); it.hasNext(); ) {
            PendingTransfer t = it.next();
            if (core.leaderId() == t.target()) {
                it.remove();
                applier.execute(() -> t.future().complete(Payload.EMPTY));
            } else if (core.role() == Role.LEADER && core.leadTransferee() != t.target()) {
                it.remove();
                failLater(t.future(), new MembershipChangeException("node " + t.target()
                        + " did not take over within an election timeout; this node leads on"));
            }
        }
    }

    /** The membership in effect on this node: the latest in its log (thesis §4.1). */
    public Membership membership() {
        return publishedMembership;
    }

    /**
     * The leader's view of its followers and learners: match and next index, replication state and lag behind the
     * leader's last index; empty on a node that is not the leader.
     */
    public List<PeerStatus> peers() {
        return publishedPeers;
    }

    /** The node's current state. */
    public NodeStatus status() {
        NodeStatus s = loopStatus;
        return new NodeStatus(s.id(), s.role(), s.term(), s.leaderId(), s.commitIndex(), s.lastIndex(),
                applier.appliedIndex(), running, s.firstIndex(), s.snapshotIndex(), stall, s.failure());
    }

    /** Registers a listener for role, term and leader changes (called on the apply thread). */
    public void addListener(RaftListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** Why the node stopped on its own (a storage error, a broken invariant), or null. */
    public Throwable failure() {
        return failure;
    }

    /** This node's id. */
    public long id() {
        return config.nodeId();
    }

    /**
     * Stops the node: no more ticks or messages, the transport closed, pending requests failed (proposals that
     * were appended with {@link IndeterminateOutcomeException}). The log store is left open for the caller.
     */
    public CompletableFuture<Void> closeAsync() {
        if (running) {
            running = false;
            closeQuietly(ticker);
            submit(() -> stop("the node was closed"));
        }
        return closed;
    }

    /** {@link #closeAsync()}, waiting up to 10 seconds for the node's threads to finish. */
    @Override
    public void close() {
        try {
            closeAsync().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("node " + id() + " did not close in time", e);
        }
    }

    // ---------------------------------------------------------------- event loop

    private CompletableFuture<Payload> admit() {
        CompletableFuture<Payload> future = new CompletableFuture<>();
        if (!running) {
            future.completeExceptionally(new NodeClosedException("node " + id() + " is not running"
                    + (failure == null ? "" : ": " + failure)));
        } else if (pendingRequests.incrementAndGet() > config.maxPendingRequests()) {
            pendingRequests.decrementAndGet();
            future.completeExceptionally(new OverloadedException(config.maxPendingRequests()
                    + " requests are already pending on node " + id()));
        } else {
            future.whenComplete((r, e) -> pendingRequests.decrementAndGet());
        }
        return future;
    }

    /** As {@link #admit()}, but a stalled node refuses at once: the request would only hang here. */
    private CompletableFuture<Payload> admitUnlessStalled() {
        String why = stall;
        if (why != null && running) {
            return CompletableFuture.failedFuture(stalled(why));
        }
        return admit();
    }

    private NodeStalledException stalled(String why) {
        return new NodeStalledException("node " + id() + " is stalled (" + why + "); try another node");
    }

    /**
     * The stall detector, run on the ticker's thread (not the event loop, which may be the part that hangs). A node
     * is stalled while a log write, or its state machine, has made no progress for longer than
     * {@link RaftConfig#maxStall()}. On becoming stalled it fails the reads in flight (a read has no effect, so a
     * retry elsewhere is safe; proposals may have been appended and run to their outcome or timeout), refuses new
     * requests, stops campaigning and hands leadership over ({@link #resign()}); it recovers once progress resumes.
     */
    private void checkStalls() {
        if (!running) {
            return;
        }
        long now = env.nanoTime();
        // Time in which the detector itself did not run (a GC pause, a starved process) is no evidence against the
        // event loop or the state machine: it is excused from the stall being watched.
        long hiccup = lastCheck == 0 ? 0 : Math.max(0, now - lastCheck - 2 * config.tickInterval().toNanos());
        lastCheck = now;
        long limit = config.maxStall().toNanos();
        long writingFor = writeWatch.observe(writingSince, now, hiccup);
        long applyingFor = applyWatch.observe(applier.busySince(), now, hiccup);
        String why = null;
        if (writingFor > limit) {
            why = "a log write has been blocked for " + writingFor / 1_000_000 + " ms";
        } else if (applyingFor > limit) {
            why = "the state machine has made no progress for " + applyingFor / 1_000_000 + " ms";
        }
        String was = stall;
        stall = why;
        if (why != null && was == null) {
            LOG.warn("node {}: stalled: {}; refusing requests and handing leadership over", id(), why);
            NodeStalledException error = stalled(why);
            List.copyOf(openReads).forEach(f -> f.completeExceptionally(error));
            submit(() -> {
                core.pauseElections(true);
                resign();
            });
        } else if (why == null && was != null) {
            LOG.info("node {}: no longer stalled", id());
            submit(() -> core.pauseElections(false));
        }
    }

    /** How long one piece of work (a log write, a state-machine step) has gone without progress. Ticker thread. */
    private static final class StallWatch {
        private long since;
        private long excused;

        /**
         * @param busySince when the watched work last made progress, or 0 if it is idle
         * @return how long it has gone without progress, less the time the detector itself was not running
         */
        long observe(long busySince, long now, long hiccup) {
            if (busySince == 0) {
                since = 0;
                return 0;
            }
            if (busySince != since) {
                since = busySince;
                excused = 0;
            } else {
                excused += hiccup;
            }
            return now - busySince - excused;
        }
    }

    /**
     * A stalled leader hands leadership to its most up-to-date voter (thesis §3.10), so that the group elects a
     * healthy leader within about an election timeout instead of waiting on this one. Event loop.
     */
    private void resign() {
        if (core.role() != Role.LEADER || core.leadTransferee() != 0) {
            return;
        }
        Membership m = core.membership();
        long best = 0;
        long bestMatch = -1;
        for (long voter : m.voters()) {
            if (voter != id() && core.matchIndex(voter) > bestMatch) {
                best = voter;
                bestMatch = core.matchIndex(voter);
            }
        }
        if (best != 0 && core.transferLeadership(best) instanceof ChangeResult.Accepted) {
            LOG.warn("node {}: stalled leader hands leadership to node {}", id(), best);
        }
    }

    private void timeout(CompletableFuture<Payload> future, java.util.function.Supplier<RaftException> error) {
        AutoCloseable t;
        try {
            t = env.schedule(config.requestTimeout(), () -> future.completeExceptionally(error.get()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // the node stopped meanwhile; stopping fails every request it still holds
        }
        future.whenComplete((r, e) -> closeQuietly(t));
    }

    /**
     * A caller's request on its way to the event loop: failed, never dropped, if the node stops before it runs.
     *
     * @param proposal whether it is a proposal, which a leader batches with the others of the same turn
     */
    private record RequestInput(Runnable action, CompletableFuture<Payload> future, boolean proposal)
            implements Runnable {
        RequestInput(Runnable action, CompletableFuture<Payload> future) {
            this(action, future, false);
        }

        @Override
        public void run() {
            action.run();
        }
    }

    /**
     * Fails the requests still queued for a stopped event loop: they never reached the core, so they took no effect.
     * Other queued inputs (ticks, messages) are dropped.
     */
    private void failQueuedRequests(String why) {
        Runnable input;
        while ((input = inbox.poll()) != null) {
            if (input instanceof RequestInput r && !r.future().isDone()) {
                NodeClosedException error = new NodeClosedException(why);
                try {
                    applier.execute(() -> r.future().completeExceptionally(error));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    r.future().completeExceptionally(error);
                }
            }
        }
    }

    private void receive(Message m) {
        if (!running) {
            return;
        }
        if (m instanceof SnapshotChunk c) {
            submit(() -> onSnapshotChunk(c));
        } else if (m instanceof SnapshotChunkAck a) {
            submit(() -> {
                if (snapshotSender != null && core.role() == Role.LEADER) {
                    snapshotSender.onAck(a);
                }
            });
        } else if (m instanceof InstallSnapshot) {
            return; // only this node's receiver hands the core an InstallSnapshot, once the data is checked
        } else {
            submit(() -> core.step(m));
        }
    }

    private void onSnapshotChunk(SnapshotChunk c) {
        if (c.groupId() != config.groupId() || c.to() != id() || c.from() == id()) {
            return; // (not checked against the members: a leader added after this node's configuration may send it)
        }
        if (snapshotReceiver == null) {
            transport.send(new SnapshotChunkAck(c.groupId(), id(), c.from(), Math.max(c.term(), core.term()),
                    c.meta().index(), c.meta().term(), 0, SnapshotChunkAck.Status.REJECTED));
            LOG.warn("node {}: node {} sends a snapshot but this node was started without a snapshot store", id(),
                    c.from());
            return;
        }
        snapshotReceiver.onChunk(c);
    }

    private void submit(Runnable input) {
        inbox.add(input);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                failQueuedRequests("node " + id() + " is not running"); // its threads are gone
            }
        }
    }

    /** One turn of the event loop: take the queued inputs, then carry out the core's Ready batches. */
    private void drain() {
        drainScheduled.set(false);
        if (stopped) {
            failQueuedRequests("node " + id() + " is not running" + (failure == null ? "" : ": " + failure));
            return;
        }
        try {
            Runnable input;
            int n = 0;
            while (n++ < MAX_INPUTS_PER_BATCH && (input = inbox.poll()) != null) {
                if (failure == null) {
                    if (!(input instanceof RequestInput r && r.proposal())) {
                        proposeBatch(); // every other input sees the proposals before it in the core's log
                    }
                    input.run();
                }
            }
            if (stopped) {
                return; // closed by one of the inputs: no more writes to the store
            }
            if (failure == null) {
                proposeBatch();
            }
            if (core.leaderId() != 0) {
                retryParked();
                reissueReadsAskedOfAnotherLeader();
            }
            if (failure == null) {
                handleReadies();
                if (offeredSnapshot != null) {
                    offeredSnapshot = null;
                    snapshots.discardReceived(); // the core kept its log (rule 6) or no longer wanted it
                }
                if (snapshotSender != null && core.role() != Role.LEADER && snapshotSender.active() > 0) {
                    snapshotSender.abortAll();
                }
                publishStatus();
            }
        } catch (RuntimeException | Error e) {
            failStop(e); // a storage error or a broken invariant: stop rather than run on state we cannot trust
        }
        if (!inbox.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    private void handleReadies() {
        while (core.hasReady()) {
            Ready rd = core.ready();
            updateTransportPeers();
            rd.messages().forEach(this::send);          // a leader's appends leave before its own write
            if (rd.snapshot() != null) {
                installSnapshot(rd.snapshot());
            }
            if (rd.needsPersist()) {
                writing(() -> store.save(rd.hardState(), rd.entries(), rd.mustSync()));
            }
            rd.messagesAfterPersist().forEach(this::send); // votes and acks only once durable
            if (!rd.committed().isEmpty()) {
                applier.apply(rd.committed());
            }
            rd.outcomes().forEach(this::onOutcome);
            core.advance(rd);
        }
    }

    /** Runs a write to the log store, watched by the stall detector. Event loop. */
    private void writing(Runnable write) {
        writingSince = env.nanoTime();
        try {
            write.run();
        } finally {
            writingSince = 0;
        }
    }

    /** Sends a message of the core's; an InstallSnapshot starts a transfer of the snapshot's data instead. */
    private void send(Message m) {
        if (m instanceof InstallSnapshot is) {
            snapshotSender.start(is);
        } else {
            transport.send(m);
        }
    }

    /**
     * Figure 13, rules 7 and 8, on the driver's side: the received snapshot becomes this node's newest, the log is
     * reset to follow it, and the state machine is restored from it (in order with the applies). If the node crashes
     * in between, it restarts from the snapshot and resets the log then ({@link #reconcileLogWith}).
     */
    private void installSnapshot(SnapshotMeta meta) {
        try {
            snapshots.install(meta);
        } catch (java.io.IOException e) {
            throw new io.flotilla.raft.log.LogStoreException("installing snapshot " + meta.index() + " failed", e);
        }
        if (meta.equals(offeredSnapshot)) {
            offeredSnapshot = null;
        }
        writing(() -> store.installSnapshot(meta.index(), meta.term()));
        applier.restore(snapshots, meta);
        LOG.info("node {}: installed snapshot {} (term {}, {} bytes) from the leader", id(), meta.index(), meta.term(),
                meta.sizeBytes());
    }

    private void retryParked() {
        List<Parked> retry = List.copyOf(awaitingLeader);
        awaitingLeader.clear();
        retry.forEach(p -> p.retry().run());
    }

    /**
     * A read-index request sent to a leader that has since been replaced may never be answered; ask the new leader.
     * Safe: any answer, from either, yields a linearizable read index.
     */
    private void reissueReadsAskedOfAnotherLeader() {
        long leader = core.leaderId();
        if (leader == readsLeader) {
            return;
        }
        readsLeader = leader;
        for (Map.Entry<Long, PendingRead> e : reads.entrySet()) {
            PendingRead r = e.getValue();
            if (r.askedLeader() != leader && !r.future().isDone()) {
                e.setValue(new PendingRead(r.query(), r.future(), leader));
                core.readIndex(e.getKey());
            }
        }
    }

    /** Completes a future off the event loop (on the apply thread), so callers' callbacks never run on it. */
    private void failLater(CompletableFuture<Payload> future, RaftException error) {
        applier.execute(() -> future.completeExceptionally(error));
    }

    /** A proposal's hand-off: still waiting on this node, handed to a leader (or to the core), or timed out here. */
    private static final int WAITING = 0;
    private static final int HANDED_OFF = 1;
    private static final int TIMED_OUT = 2;

    /** A proposal a leader took in this turn of the loop, not yet given to the core ({@link #proposeBatch()}). */
    private record BatchedProposal(Payload command, CompletableFuture<Payload> future, AtomicInteger handOff) {
    }

    /** This turn's proposals, in arrival order. Event loop. */
    private final List<BatchedProposal> batch = new java.util.ArrayList<>();

    private void proposeOnLoop(Payload command, CompletableFuture<Payload> future, AtomicInteger handOff) {
        if (future.isDone()) {
            return;
        }
        boolean handingOff = core.role() == Role.LEADER || (config.forwardProposals() && core.leaderId() != 0);
        if (handingOff && !handOff.compareAndSet(WAITING, HANDED_OFF) && handOff.get() == TIMED_OUT) {
            return; // its timeout told the caller it was not taken: it must not be taken now
        }
        if (core.role() == Role.LEADER && core.leadTransferee() == 0) {
            batch.add(new BatchedProposal(command, future, handOff)); // proposed with the rest of this turn's
            return;
        }
        onProposeResult(command, future, handOff, core.propose(List.of(command)));
    }

    /**
     * Proposes the commands a leader took in this turn of the loop as one append: one AppendEntries per follower
     * and one log write for all of them, instead of one per command. If the core refuses the batch (this node
     * stepped down meanwhile, or the batch would overflow the uncommitted-bytes limit), each command is proposed
     * on its own, as it would have been unbatched. Event loop.
     */
    private void proposeBatch() {
        if (batch.isEmpty()) {
            return;
        }
        List<BatchedProposal> proposals = List.copyOf(batch);
        batch.clear();
        List<Payload> commands = new java.util.ArrayList<>(proposals.size());
        for (BatchedProposal p : proposals) {
            commands.add(p.command());
        }
        if (core.propose(commands) instanceof ProposeResult.Accepted a) {
            List<CompletableFuture<Payload>> futures = new java.util.ArrayList<>(proposals.size());
            for (BatchedProposal p : proposals) {
                futures.add(p.future());
            }
            applier.awaitProposals(a.firstIndex(), a.term(), futures);
            return;
        }
        for (BatchedProposal p : proposals) {
            onProposeResult(p.command(), p.future(), p.handOff(), core.propose(List.of(p.command())));
        }
    }

    private void onProposeResult(Payload command, CompletableFuture<Payload> future, AtomicInteger handOff,
                                 ProposeResult r) {
        if (r instanceof ProposeResult.Accepted a) {
            applier.awaitProposals(a.firstIndex(), a.term(), List.of(future));
        } else if (r instanceof ProposeResult.NotLeader nl) {
            if (config.forwardProposals() && nl.leaderId() == 0) {
                awaitingLeader.add(new Parked(() -> proposeOnLoop(command, future, handOff), future)); // wait for a leader
            } else if (config.forwardProposals()) {
                long requestId = nextRequestId++;
                forwarded.put(requestId, future);
                future.whenComplete((x, e) -> submit(() -> {
                    forwarded.remove(requestId);
                    forwardedCommands.remove(requestId);
                }));
                core.forwardProposal(requestId, List.of(command));
                forwardedCommands.put(requestId, command);
            } else {
                failLater(future, notLeader(nl.leaderId()));
            }
        } else if (r instanceof ProposeResult.Overloaded o) {
            failLater(future, new OverloadedException("the leader has " + o.uncommittedBytes()
                    + " bytes uncommitted (limit " + config.maxUncommittedBytes() + ")"));
        }
    }

    private void readOnLoop(Payload query, CompletableFuture<Payload> future) {
        if (future.isDone()) {
            return;
        }
        if (core.leaderId() == 0) {
            awaitingLeader.add(new Parked(() -> readOnLoop(query, future), future)); // wait for a leader
            return;
        }
        long requestId = nextRequestId++;
        reads.put(requestId, new PendingRead(query, future, core.leaderId()));
        future.whenComplete((x, e) -> submit(() -> reads.remove(requestId)));
        core.readIndex(requestId);
    }

    private void onOutcome(RequestOutcome o) {
        if (o instanceof RequestOutcome.ReadIndexReady r) {
            PendingRead read = reads.remove(r.requestId());
            if (read != null) {
                applier.awaitRead(r.readIndex(), read.query(), read.future());
            }
        } else if (o instanceof RequestOutcome.ReadIndexFailed r) {
            PendingRead read = reads.remove(r.requestId());
            if (read != null) {
                awaitingLeader.add(new Parked(() -> readOnLoop(read.query(), read.future()), read.future()));
            }
        } else if (o instanceof RequestOutcome.ProposalAppended p) {
            CompletableFuture<Payload> future = forwarded.remove(p.requestId());
            forwardedCommands.remove(p.requestId());
            if (future != null) {
                applier.awaitProposals(p.firstIndex(), p.term(), List.of(future));
            }
        } else if (o instanceof RequestOutcome.ProposalRejected p) {
            CompletableFuture<Payload> future = forwarded.remove(p.requestId());
            Payload command = forwardedCommands.remove(p.requestId());
            if (future == null) {
                return;
            }
            if (p.overloaded()) {
                failLater(future, new OverloadedException("the leader refused the command: too much uncommitted data"));
            } else {
                // Nothing appended, but a leader had it: its timeout stays indeterminate, as the caller may not assume otherwise.
                AtomicInteger handedOff = new AtomicInteger(HANDED_OFF);
                awaitingLeader.add(new Parked(() -> proposeOnLoop(command, future, handedOff), future));
            }
        }
    }

    private NotLeaderException notLeader(long leaderId) {
        String address = core.membership().addresses().get(leaderId);
        return new NotLeaderException(leaderId, address != null ? address : config.members().get(leaderId));
    }

    private void publishStatus() {
        Role role = core.role();
        long term = core.term();
        long leader = core.leaderId();
        checkTransfers();
        Membership membership = core.membership();
        publishedMembership = membership;
        updateTransportPeers();
        publishedPeers = role != Role.LEADER ? List.of() : membership.members().stream().filter(p -> p != id())
                .map(core::peerProgress).filter(java.util.Objects::nonNull)
                .map(p -> new PeerStatus(p.id(), membership.isVoter(p.id()), p.matchIndex(), p.nextIndex(), p.state(),
                        Math.max(0, core.lastIndex() - p.matchIndex()))).toList();
        loopStatus = new NodeStatus(id(), role, term, leader, core.commitIndex(), core.lastIndex(),
                applier.appliedIndex(), running, core.firstIndex(), core.snapshot() == null ? 0 : core.snapshot().index(),
                null, null);
        if (role != lastRole || term != lastTerm) {
            applier.execute(() -> notifyListeners(l -> l.onRoleChange(role, term)));
        }
        if (leader != lastLeader) {
            applier.execute(() -> notifyListeners(l -> l.onLeaderChange(leader, term)));
        }
        lastRole = role;
        lastTerm = term;
        lastLeader = leader;
    }

    /**
     * Tells the transport the membership in effect, if it changed since it was last told: before the messages of
     * every Ready (a leader's first AppendEntries to a member it just added must find that member's address) and
     * when the status is published (the first time before the transport starts). Event loop.
     */
    private void updateTransportPeers() {
        Membership membership = core.membership();
        if (membership != transportMembership && !membership.equals(transportMembership)) {
            transportMembership = membership;
            transport.updatePeers(transportAddresses(membership));
        }
    }

    /** Every member with the address its membership records, "" for none (see {@link Transport#updatePeers}). */
    private static Map<Long, String> transportAddresses(Membership membership) {
        Map<Long, String> addresses = new java.util.TreeMap<>();
        for (long member : membership.members()) {
            addresses.put(member, membership.addresses().getOrDefault(member, ""));
        }
        return java.util.Collections.unmodifiableMap(addresses);
    }

    /** Calls every listener; one that throws does not keep the others from hearing of the change. */
    private void notifyListeners(java.util.function.Consumer<RaftListener> call) {
        for (RaftListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("node {}: listener {} threw", id(), l, e);
            }
        }
    }

    /** The apply thread hit an error it cannot recover from (an Error from the state machine): stop the node. */
    private void applyFailed(Throwable e) {
        LOG.error("node {}: the state machine failed; stopping the node", id(), e);
        submit(() -> failStop(e));
    }

    /**
     * Fail-stop: the node stops for good on an error it cannot recover from. A storage error is never retried — after
     * a failed fsync the kernel may have dropped the pages it could not write, and a second fsync can report success
     * without them (PostgreSQL's "fsyncgate") — so nothing that write was to make durable is ever acknowledged: the
     * vote or append acknowledgements of the failed Ready are not sent ({@link #handleReadies} throws before them),
     * the transport is closed, the pending requests fail and the node reports why. Restarted on its store, the node
     * recovers from what is durable. Event loop.
     */
    private void failStop(Throwable e) {
        if (stopped) {
            LOG.error("node {}: error after it stopped", id(), e);
            return;
        }
        boolean storage = e instanceof io.flotilla.raft.log.LogStoreException;
        String why = (storage ? "stopped on a storage error (not retried; restart the node on its store)"
                : "stopped on error") + ": " + e;
        LOG.error("node {}: {}", id(), why, e);
        failure = e;
        running = false;
        closeQuietly(ticker);
        NodeStatus s = loopStatus;
        loopStatus = new NodeStatus(s.id(), Role.FOLLOWER, s.term(), 0, s.commitIndex(), s.lastIndex(), s.applied(),
                false, s.firstIndex(), s.snapshotIndex(), null, why);
        applier.execute(() -> notifyListeners(l -> l.onStopped(e)));
        stop(why);
    }

    private void stop(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        closeQuietly(transport);
        forwarded.values().forEach(f -> failLater(f, new IndeterminateOutcomeException(
                "the node stopped (" + why + ") before the leader answered; the command may still commit")));
        forwarded.clear();
        forwardedCommands.clear();
        awaitingLeader.forEach(p -> failLater(p.future(), new NodeClosedException(why)));
        awaitingLeader.clear();
        batch.forEach(p -> failLater(p.future(), new NodeClosedException(why))); // never reached the core
        batch.clear();
        reads.values().forEach(r -> failLater(r.future(), new NodeClosedException(why)));
        reads.clear();
        transfers.forEach(t -> failLater(t.future(), new NodeClosedException(why)));
        transfers.clear();
        failQueuedRequests(why);
        applier.failAll(why);
        applier.execute(() -> {
            closed.complete(null);
            if (ownsEnvironment) {
                env.close();
            }
        });
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort
        }
    }
}
