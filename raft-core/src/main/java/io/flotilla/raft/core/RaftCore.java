package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogReader;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.ForwardProposal;
import io.flotilla.raft.message.ForwardProposalResponse;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.ReadIndexResponse;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.TimeoutNow;
import io.flotilla.raft.message.VoteResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol for one node of one group, as a pure state machine: it computes, it does nothing.
 *
 * <p>Time enters only through {@link #tick()}, the network only through {@link #step(Message)}, clients
 * only through {@link #propose(List)}. Everything the node must do in return — persist its hard state and
 * entries, send messages, apply committed entries — is collected into a {@link Ready} that the driver takes
 * with {@link #ready()}, carries out, and acknowledges with {@link #advance(Ready)}. The core has no
 * threads, clock, I/O or unseeded randomness: given the same inputs and the same seed it makes the same
 * decisions, which is what lets the simulator replay any run from its seed.
 *
 * <p>Not thread-safe: one thread (the node's event loop, or the simulator) calls every method.
 *
 * <p>Each safety rule of the Raft paper is enforced in one place, named in its Javadoc:
 * term rules in {@link #step}, votes in {@link #handleRequestVote}, log consistency in
 * {@link #handleAppendEntries}, commitment in {@link #maybeCommit}, snapshots in {@link #handleInstallSnapshot}
 * and {@link #sendSnapshot}, and persistence ordering in {@link #send} and {@link Ready}.
 */
public final class RaftCore {
    private final CoreConfig config;
    private final long id;
    private final RandomGenerator random;
    private final RaftLog log;
    /** The memberships in the log; the latest is in effect (thesis §4.1). */
    private final Configurations configs;

    // Persistent state on all servers (Figure 2), written out through Ready.hardState.
    /** currentTerm: latest term this server has seen. Invariant: never decreases. */
    private long currentTerm;
    /** votedFor: candidate that received this server's vote in currentTerm, or 0. */
    private long votedFor;

    private Role role = Role.FOLLOWER;
    private long leaderId;
    private int electionElapsed;
    private int randomizedElectionTimeout;
    private int heartbeatElapsed;

    /** Candidate only: the answers received in this election, by voter id. */
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();
    /** Set by the host while this node is unfit to lead (see {@link #pauseElections}). */
    private boolean electionsPaused;
    /** Leader only: the replication progress of each follower, by id. */
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    /** Leader only: the sequence number its AppendEntries carry; raised for each round of read confirmation. */
    private long sendSeq;
    /** Leader only: read-index requests being confirmed (thesis §6.4). */
    private final ReadIndexQueue reads = new ReadIndexQueue();
    /** Leader only: bytes appended in this term and not yet committed (back-pressure). */
    private final UncommittedBytes uncommitted = new UncommittedBytes();
    /** Leader only: forwarded proposals appended in this term, to drop duplicates. */
    private final ForwardedRequests forwarded = new ForwardedRequests();

    private final List<Message> messages = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();
    private final List<RequestOutcome> outcomes = new ArrayList<>();
    /** The hard state of the last Ready handed out (what the store has, or is writing). */
    private HardState lastHardState;
    /** The Ready handed out and not yet advanced, if any. */
    private Ready inFlight;
    private long droppedMessages;
    /** The newest snapshot this node holds (taken here or installed from a leader), or null. */
    private SnapshotMeta snapshot;
    /** Leader only: the voter leadership is being handed to (thesis §3.10), or 0. */
    private long leadTransferee;
    /** Leader only: ticks since the transfer started; it is abandoned after an election timeout. */
    private int transferElapsed;
    /** Leader only: whether TimeoutNow went to the transferee. */
    private boolean timeoutNowSent;

    /** How far behind the leader's commit index a learner may be and still be promoted to voter. */
    static final long MAX_PROMOTION_LAG = 100;

    private RaftCore(CoreConfig config, LogReader store, SnapshotMeta snapshot, RandomGenerator random) {
        this.config = config;
        this.id = config.id();
        this.random = random;
        this.log = new RaftLog(store, snapshot == null ? 0 : snapshot.index());
        this.snapshot = snapshot;
        this.configs = new Configurations(snapshot != null ? snapshot.membership() : Membership.ofVoters(config.voters()));
        for (long from = store.firstIndex(); from <= store.lastIndex(); ) {
            List<Entry> batch = store.entries(from, store.lastIndex() + 1, 4L << 20);
            configs.appended(batch); // configurations take effect where appended, committed or not
            from += batch.size();
        }
        this.lastHardState = store.hardState();
        this.currentTerm = lastHardState.term();
        this.votedFor = lastHardState.votedFor();
        resetElectionTimer();
    }

    /**
     * A node starting from what {@code store} holds (an empty store for a new node). The core reads the
     * store only through this view and only below the entries it has not yet seen persisted.
     *
     * @param random the source of election-timeout jitter; seed it for reproducible runs
     */
    public static RaftCore restore(CoreConfig config, LogReader store, RandomGenerator random) {
        return restore(config, store, null, random);
    }

    /**
     * A node starting from its newest snapshot plus the log after it (paper §7). The driver has restored the state
     * machine from {@code snapshot} and reconciled the store with it: the store holds the snapshot's last entry or
     * starts right after it ({@code store.firstIndex() - 1 <= snapshot.index() <= store.lastIndex()}).
     *
     * @param snapshot the snapshot the state machine was restored from, or {@code null} for none
     */
    public static RaftCore restore(CoreConfig config, LogReader store, SnapshotMeta snapshot, RandomGenerator random) {
        return new RaftCore(Objects.requireNonNull(config), Objects.requireNonNull(store), snapshot,
                Objects.requireNonNull(random));
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: drives election timeouts and heartbeats. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    /**
     * Figure 2, Followers and Candidates: "If election timeout elapses without receiving AppendEntries RPC from
     * current leader or granting vote to candidate: convert to candidate" / "start new election".
     */
    private void tickElection() {
        electionElapsed = Math.min(electionElapsed + 1, Integer.MAX_VALUE - 1); // the leader lease expires for all
        if (!configs.current().isVoter(id) || electionsPaused) {
            return; // learners and removed servers never campaign, nor does a node its host found unfit to lead
        }
        if (electionElapsed >= randomizedElectionTimeout) {
            if (config.preVote()) {
                preCampaign();
            } else {
                campaign();
            }
        }
    }

    /** §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all followers." */
    private void tickLeader() {
        if (leadTransferee != 0 && ++transferElapsed >= config.electionTicks()) {
            leadTransferee = 0; // thesis §3.10: abort the transfer if the target has not taken over in time
        }
        for (Progress pr : progress.values()) {
            if (pr.ticksSinceHeard != Progress.NEVER) {
                pr.ticksSinceHeard++;
            }
        }
        // Thesis §6.2, checked on every tick once the leader has led for an election timeout: it steps down as soon
        // as fewer than a majority of voters were heard from within the last election timeout.
        electionElapsed = Math.min(electionElapsed + 1, Integer.MAX_VALUE - 1);
        if (electionElapsed >= config.electionTicks() && config.checkQuorum() && !checkQuorum()) {
            return;
        }
        for (Progress pr : progress.values()) {
            if (pr.state == Progress.State.REPLICATE && pr.match < log.lastIndex()
                    && ++pr.ticksWithoutProgress >= config.electionTicks()) {
                pr.becomeProbe(); // appends or their answers were lost: find the match point again
            }
        }
        if (++heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            for (long peer : peers()) {
                Progress pr = progress.get(peer);
                if (pr.state == Progress.State.PROBE && pr.recentActive(config.electionTicks())) {
                    pr.probeSent = false;
                    sendAppend(peer, true);
                } else if (pr.state == Progress.State.PROBE) {
                    sendHeartbeat(peer); // not heard from lately: no entries until it answers
                } else if (!sendAppends(peer)) {
                    sendHeartbeat(peer);
                }
            }
        }
    }

    /**
     * Figure 2, All servers: "If RPC request or response contains term T > currentTerm: set currentTerm = T,
     * convert to follower (§5.1)". A request with a stale term is answered with the current term so the sender
     * steps down; a response with a stale term is ignored. Messages for another group, another node, or from a
     * non-member are dropped and counted ({@link #droppedMessages()}).
     */
    public void step(Message m) {
        Objects.requireNonNull(m, "message");
        if (m.groupId() != config.groupId() || m.to() != id || m.from() == id || m.term() == 0) {
            droppedMessages++;
            return;
        }
        // Messages from servers outside this node's membership are not dropped: its membership may be older than the
        // sender's (a leader or candidate added by an entry this node has not appended yet; refusing its votes can
        // deadlock elections). Answers from non-members are ignored below. A removed server that campaigns is kept from
        // disrupting the group by PreVote and the leader lease (thesis §4.2.3, §9.6).
        if (m.term() > currentTerm) {
            if (m instanceof RequestVote rv && !rv.transfer() && inLeaderLease()) {
                droppedMessages++; // thesis §4.2.3: a server that believes a leader exists disregards RequestVote
                return;
            }
            if (m instanceof RequestVote rv && rv.preVote()) {
                // Thesis §9.6: a pre-vote request changes no one's term; it is answered below.
            } else if (m instanceof VoteResponse vr && vr.preVote() && vr.granted()) {
                // A granted pre-vote carries the term we would campaign in, not a term anyone is in.
            } else if (m instanceof RequestVote && role == Role.FOLLOWER) {
                // Figure 2: a follower's election timer restarts on hearing from the leader or on granting a vote —
                // not on a vote request that merely carries a higher term. Restarting it here let two candidates with
                // stale logs, campaigning in turn, keep the one server that could win from ever timing out (a
                // livelock the simulator found). The timer restarts below if the vote is granted. A candidate that
                // steps down does restart it: else a stale candidate, its timer long run, would campaign again at
                // once and supersede the up-to-date candidate's term every time (the simulator found that too).
                adoptTerm(m.term());
            } else {
                becomeFollower(m.term(), m instanceof AppendEntries || m instanceof InstallSnapshot
                        || m instanceof TimeoutNow ? m.from() : 0);
            }
        }
        if (role == Role.LEADER && m.term() == currentTerm) {
            Progress pr = progress.get(m.from());
            if (pr != null) {
                pr.ticksSinceHeard = 0;
            }
        }
        if (stepClientRequest(m)) {
            return;
        }
        if (m.term() < currentTerm) {
            if (m instanceof AppendEntries ae) {
                send(AppendResponse.reject(config.groupId(), id, ae.from(), currentTerm, ae.prevLogIndex(), 0, 0,
                        ae.seq()));
            } else if (m instanceof RequestVote rv) {
                send(new VoteResponse(config.groupId(), id, rv.from(), currentTerm, false, rv.preVote()));
            } else if (m instanceof InstallSnapshot is) {
                send(AppendResponse.reject(config.groupId(), id, is.from(), currentTerm, 0, 0, 0));
            }
            return;
        }
        if (m instanceof RequestVote rv) {
            handleRequestVote(rv);
        } else if (m instanceof VoteResponse vr) {
            handleVoteResponse(vr);
        } else if (m instanceof AppendEntries ae) {
            handleAppendEntries(ae);
        } else if (m instanceof AppendResponse ar) {
            handleAppendResponse(ar);
        } else if (m instanceof InstallSnapshot is) {
            handleInstallSnapshot(is);
        } else if (m instanceof TimeoutNow tn) {
            handleTimeoutNow(tn);
        } else {
            droppedMessages++; // snapshot chunks and their acks belong to the driver's transfer, not to the core
        }
    }

    /**
     * The driver saved a snapshot of the state machine as of {@code meta.index()} (at most the applied index). From
     * now on the leader sends it to followers that need entries compacted away; the driver may compact the log
     * through {@code meta.index()}.
     */
    public void snapshotSaved(SnapshotMeta meta) {
        Objects.requireNonNull(meta, "meta");
        if (meta.index() > log.applied()) {
            throw new IllegalArgumentException("snapshot at " + meta.index() + " is beyond the applied index " + log.applied());
        }
        if (snapshot == null || meta.index() > snapshot.index()) {
            snapshot = meta;
        }
    }

    /**
     * The driver's transfer of the snapshot to {@code peer} ended: {@code delivered} if the follower received and
     * checked all of it, otherwise it failed (the connection broke, no progress within the transfer's timeout, the
     * follower refused it). Like etcd's {@code ReportSnapshot}. The leader probes the follower at the next heartbeat —
     * from just after the snapshot if it was delivered — and sends the snapshot again if the follower still needs
     * it. A driver must report every transfer it starts, or the follower waits for the snapshot until the follower
     * acknowledges an index beyond it some other way.
     */
    public void reportSnapshot(long peer, boolean delivered) {
        Progress pr = progress.get(peer);
        if (role == Role.LEADER && pr != null && pr.state == Progress.State.SNAPSHOT) {
            pr.snapshotTransferEnded(delivered);
        }
    }

    /**
     * Appends commands to the log if this node is the leader (§5.3: "the leader appends the command to its log
     * as a new entry, then issues AppendEntries RPCs in parallel"). On any other node nothing is appended and
     * the result names the leader this node knows of, if any.
     */
    public ProposeResult propose(List<Payload> commands) {
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("no commands to propose");
        }
        if (role != Role.LEADER) {
            return new ProposeResult.NotLeader(leaderId);
        }
        if (leadTransferee != 0) {
            return new ProposeResult.NotLeader(0); // thesis §3.10: no new entries while handing over leadership
        }
        long first = log.lastIndex() + 1;
        List<Entry> ents = new ArrayList<>(commands.size());
        long bytes = 0;
        for (Payload c : commands) {
            Entry e = Entry.command(first + ents.size(), currentTerm, c);
            ents.add(e);
            bytes += e.sizeBytes();
        }
        if (uncommitted.bytes() > 0 && uncommitted.bytes() + bytes > config.maxUncommittedBytes()) {
            return new ProposeResult.Overloaded(uncommitted.bytes());
        }
        appendAsLeader(ents, bytes);
        broadcastAppends();
        return new ProposeResult.Accepted(first, log.lastIndex(), currentTerm);
    }

    private void appendAsLeader(List<Entry> ents, long bytes) {
        log.append(ents);
        uncommitted.appended(log.lastIndex(), bytes);
        Membership before = configs.current();
        configs.appended(ents);
        if (!configs.current().equals(before)) {
            membershipChanged();
        }
    }

    /**
     * Asks the leader to change the membership by one server (thesis §4.1). Validated against the membership it
     * applies to; refused, with the reason, if: another change is not yet committed (one at a time); this leader has
     * not yet committed an entry of its term (the fix to single-server changes in Ongaro's 2015 raft-dev post); a
     * leadership transfer is under way; {@code expected} is given and is not the current membership (compare-and-set);
     * the change does not apply (adding a member, promoting a non-learner, removing a non-member or the last voter); or
     * a learner to promote has not caught up. An accepted change is appended as a configuration entry and takes effect
     * at once.
     *
     * @param expected the membership the change is meant for, or null for "whatever it is"
     */
    public ChangeResult changeMembership(MembershipChange change, Membership expected) {
        Objects.requireNonNull(change, "change");
        if (role != Role.LEADER) {
            return new ChangeResult.NotLeader(leaderId);
        }
        Membership current = configs.current();
        if (configs.currentIndex() > log.committed()) {
            return new ChangeResult.Refused("the membership change at index " + configs.currentIndex()
                    + " is not committed yet: one change at a time");
        }
        if (log.term(log.committed()) != currentTerm) {
            return new ChangeResult.Refused("this leader has not committed an entry of its term yet; retry shortly");
        }
        if (leadTransferee != 0) {
            return new ChangeResult.Refused("leadership is being transferred to node " + leadTransferee);
        }
        if (expected != null && !expected.equals(current)) {
            return new ChangeResult.Refused("the membership is " + current + ", not the expected " + expected);
        }
        Membership next;
        try {
            if (change instanceof MembershipChange.AddLearner a) {
                next = current.withLearner(a.node(), a.address());
            } else if (change instanceof MembershipChange.Promote p) {
                next = current.promote(p.node());
            } else {
                next = current.remove(change.node());
            }
        } catch (IllegalArgumentException e) {
            return new ChangeResult.Refused(e.getMessage());
        }
        if (change instanceof MembershipChange.Promote p) {
            Progress pr = progress.get(p.node());
            long lag = pr == null || pr.state != Progress.State.REPLICATE ? Long.MAX_VALUE : log.committed() - pr.match;
            if (lag > MAX_PROMOTION_LAG) {
                return new ChangeResult.Refused("learner " + p.node() + " has not caught up: " + (lag == Long.MAX_VALUE
                        ? "its log does not match the leader's yet" : "it is " + lag + " entries behind the commit index")
                        + " (at most " + MAX_PROMOTION_LAG + ")");
            }
        }
        Entry e = Entry.config(log.lastIndex() + 1, currentTerm, next);
        appendAsLeader(List.of(e), e.sizeBytes());
        broadcastAppends();
        return new ChangeResult.Accepted(e.index(), currentTerm, next);
    }

    /**
     * Starts handing leadership to voter {@code target} (thesis §3.10): the leader stops taking proposals, brings the
     * target's log up to date and then sends it TimeoutNow, on which it campaigns at once. Abandoned if the target has
     * not taken over within an election timeout.
     */
    public ChangeResult transferLeadership(long target) {
        if (role != Role.LEADER) {
            return new ChangeResult.NotLeader(leaderId);
        }
        if (target == id) {
            return new ChangeResult.Refused("node " + id + " is already the leader");
        }
        if (!configs.current().isVoter(target)) {
            return new ChangeResult.Refused("node " + target + " is not a voter");
        }
        if (leadTransferee != 0) {
            return new ChangeResult.Refused("leadership is already being transferred to node " + leadTransferee);
        }
        leadTransferee = target;
        transferElapsed = 0;
        timeoutNowSent = false;
        maybeSendTimeoutNow();
        if (!timeoutNowSent) {
            sendAppends(target);
        }
        return new ChangeResult.Accepted(log.lastIndex(), currentTerm, configs.current());
    }

    /** Sends TimeoutNow once the transferee's log matches this leader's. */
    private void maybeSendTimeoutNow() {
        Progress pr = progress.get(leadTransferee);
        if (pr != null && !timeoutNowSent && pr.match == log.lastIndex()) {
            timeoutNowSent = true;
            send(new TimeoutNow(config.groupId(), id, leadTransferee, currentTerm));
        }
    }

    /**
     * The host found this node unfit to lead — its log writes or its state machine stall (a gray failure) — or fit
     * again. While paused the node starts no election and ignores TimeoutNow; it still votes, follows and replicates,
     * so it costs the group nothing but a candidate. A leader is not deposed by this: the host hands leadership over
     * with {@link #transferLeadership}.
     */
    public void pauseElections(boolean paused) {
        electionsPaused = paused;
    }

    /** Whether elections are paused on this node (see {@link #pauseElections}). */
    public boolean electionsPaused() {
        return electionsPaused;
    }

    /** Thesis §3.10: the leader handed leadership over to this node: campaign now, without PreVote. */
    private void handleTimeoutNow(TimeoutNow tn) {
        if (role == Role.LEADER || !configs.current().isVoter(id) || tn.from() != leaderId || electionsPaused) {
            droppedMessages++;
            return;
        }
        campaign(true);
    }

    /** The leader's membership changed: follow the new members, forget removed ones. */
    private void membershipChanged() {
        if (role != Role.LEADER) {
            return;
        }
        Membership m = configs.current();
        progress.keySet().removeIf(peer -> !m.isMember(peer));
        for (long peer : peers()) {
            // A new member is probed from the configuration entry that added it: it learns of it at once.
            progress.computeIfAbsent(peer, p -> new Progress(Math.max(1, log.lastIndex()), config.maxInflightAppends(),
                    config.maxInflightBytes()));
        }
        if (leadTransferee != 0 && !m.isVoter(leadTransferee)) {
            leadTransferee = 0;
        }
    }

    /** Every other member (voters and learners): where a leader replicates to. */
    private List<Long> peers() {
        return configs.current().members().stream().filter(p -> p != id).toList();
    }

    /** The other voters: whom a candidate asks for votes. */
    private List<Long> otherVoters() {
        return configs.current().voters().stream().filter(p -> p != id).toList();
    }

    /**
     * Forwards commands to the leader on behalf of a client of this node; the outcome arrives in
     * {@link Ready#outcomes()} as {@link RequestOutcome.ProposalAppended} or {@link RequestOutcome.ProposalRejected}
     * under {@code requestId}. On the leader itself the commands are proposed at once.
     */
    public void forwardProposal(long requestId, List<Payload> commands) {
        if (role == Role.LEADER) {
            outcomes.add(proposalOutcome(requestId, propose(commands)));
        } else if (leaderId != 0) {
            send(new ForwardProposal(config.groupId(), id, leaderId, currentTerm, requestId, commands));
        } else {
            outcomes.add(new RequestOutcome.ProposalRejected(requestId, 0, false));
        }
    }

    private static RequestOutcome proposalOutcome(long requestId, ProposeResult r) {
        if (r instanceof ProposeResult.Accepted a) {
            return new RequestOutcome.ProposalAppended(requestId, a.firstIndex(), a.lastIndex(), a.term());
        }
        return new RequestOutcome.ProposalRejected(requestId,
                r instanceof ProposeResult.NotLeader nl ? nl.leaderId() : 0, r instanceof ProposeResult.Overloaded);
    }

    /**
     * Asks for a read index for a linearizable read (thesis §6.4, ReadIndex); the answer arrives in
     * {@link Ready#outcomes()} under {@code requestId}. On the leader: once an entry of its term has committed, it
     * records its commit index as the read index, confirms it is still leader by a round of AppendEntries answered
     * by a majority, and then reports the read index. A follower asks the leader. Without a known leader the read
     * fails at once. Reads never go through the log.
     */
    public void readIndex(long requestId) {
        if (role == Role.LEADER) {
            registerRead(requestId, id);
        } else if (leaderId != 0) {
            send(new ReadIndexRequest(config.groupId(), id, leaderId, currentTerm, requestId));
        } else {
            outcomes.add(new RequestOutcome.ReadIndexFailed(requestId, 0));
        }
    }

    /**
     * Handles the requests and answers that serve clients rather than the protocol: read-index requests and
     * forwarded proposals. They are not Raft RPCs, so they are served whatever the sender's term.
     */
    private boolean stepClientRequest(Message m) {
        if (m instanceof ReadIndexRequest r) {
            if (role == Role.LEADER) {
                registerRead(r.requestId(), r.from());
            } else {
                send(new ReadIndexResponse(config.groupId(), id, r.from(), currentTerm, r.requestId(), false, 0, leaderId));
            }
        } else if (m instanceof ReadIndexResponse r) {
            outcomes.add(r.success() ? new RequestOutcome.ReadIndexReady(r.requestId(), r.readIndex())
                    : new RequestOutcome.ReadIndexFailed(r.requestId(), r.leaderId()));
        } else if (m instanceof ForwardProposal f) {
            if (role != Role.LEADER || f.term() != currentTerm) {
                send(forwardResponse(f, new ProposeResult.NotLeader(role == Role.LEADER ? id : leaderId)));
            } else if (firstSightOfForward(f)) {
                send(forwardResponse(f, propose(f.commands())));
            }
        } else if (m instanceof ForwardProposalResponse r) {
            outcomes.add(switch (r.outcome()) {
                case APPENDED -> new RequestOutcome.ProposalAppended(r.requestId(), r.firstIndex(), r.lastIndex(),
                        r.entryTerm());
                case NOT_LEADER -> new RequestOutcome.ProposalRejected(r.requestId(), r.leaderId(), false);
                case OVERLOADED -> new RequestOutcome.ProposalRejected(r.requestId(), r.leaderId(), true);
            });
        } else {
            return false;
        }
        return true;
    }

    /**
     * A forwarded proposal is not idempotent, and networks duplicate messages: the leader appends each (follower,
     * request id) at most once in its term. It takes only proposals sent in its own term, so a copy delayed past a
     * restart or a new term is refused (safely: nothing is appended, and the follower has its answer already).
     */
    private boolean firstSightOfForward(ForwardProposal f) {
        if (!forwarded.firstSight(f.from(), f.requestId())) {
            droppedMessages++;
            return false;
        }
        return true;
    }

    private ForwardProposalResponse forwardResponse(ForwardProposal f, ProposeResult r) {
        long group = config.groupId();
        if (r instanceof ProposeResult.Accepted a) {
            return new ForwardProposalResponse(group, id, f.from(), currentTerm, f.requestId(),
                    ForwardProposalResponse.Outcome.APPENDED, a.firstIndex(), a.lastIndex(), a.term(), 0);
        }
        ForwardProposalResponse.Outcome outcome = r instanceof ProposeResult.Overloaded
                ? ForwardProposalResponse.Outcome.OVERLOADED : ForwardProposalResponse.Outcome.NOT_LEADER;
        return new ForwardProposalResponse(group, id, f.from(), currentTerm, f.requestId(), outcome, 0, 0, 0, leaderId);
    }

    /** Thesis §6.4, step 1: "If the leader has not yet marked an entry from its current term committed, it waits". */
    private void registerRead(long requestId, long from) {
        if (log.term(log.committed()) != currentTerm) {
            reads.awaitFirstCommit(requestId, from);
        } else {
            reads.startRound(requestId, from, ++sendSeq, log.committed());
            confirmLeadership();
        }
    }

    /**
     * Thesis §6.4, steps 2 and 3: "the leader saves its current commit index in a local variable readIndex", then
     * "sends a new round of heartbeats and waits for their acknowledgments from a majority of the cluster". The
     * round is the current {@code sendSeq}, which every AppendEntries carries and every answer echoes.
     */
    private void confirmLeadership() {
        if (roundConfirmed(sendSeq)) {
            releaseConfirmedReads(); // a single voter, or a broken rule
            return;
        }
        for (long peer : otherVoters()) {
            sendHeartbeat(peer);
        }
    }

    /** Whether a majority (this leader included) has answered AppendEntries of round {@code seq} or later. */
    private boolean roundConfirmed(long seq) {
        if (config.brokenRule() == BrokenRule.READ_WITHOUT_LEADERSHIP_CONFIRMATION) {
            return true;
        }
        Membership m = configs.current();
        int acks = m.isVoter(id) ? 1 : 0;
        for (long voter : m.voters()) {
            Progress pr = progress.get(voter);
            if (pr != null && pr.ackedSeq >= seq) {
                acks++;
            }
        }
        return acks >= m.quorum();
    }

    /** Reports every read whose round is confirmed. */
    private void releaseConfirmedReads() {
        for (ReadIndexQueue.PendingRead r : reads.releaseConfirmed(this::roundConfirmed)) {
            answerRead(r, true, 0);
        }
    }

    /** Tells whoever asked for a read index — this node's driver, or a follower — how it went. */
    private void answerRead(ReadIndexQueue.PendingRead r, boolean success, long knownLeader) {
        if (r.from() == id) {
            outcomes.add(success ? new RequestOutcome.ReadIndexReady(r.requestId(), r.readIndex())
                    : new RequestOutcome.ReadIndexFailed(r.requestId(), knownLeader));
        } else {
            send(new ReadIndexResponse(config.groupId(), id, r.from(), currentTerm, r.requestId(), success,
                    success ? r.readIndex() : 0, knownLeader));
        }
    }

    /** A leader that steps down fails its pending reads (they are safe to retry) and forgets its leader state. */
    private void abandonLeadership(long newLeader) {
        for (ReadIndexQueue.PendingRead r : reads.clear()) {
            answerRead(r, false, newLeader);
        }
        progress.clear();
        forwarded.clear();
        uncommitted.clear();
        sendSeq = 0;
        leadTransferee = 0;
    }

    // ---------------------------------------------------------------- outputs

    /** Whether {@link #ready()} has something for the driver (and no earlier Ready awaits {@link #advance}). */
    public boolean hasReady() {
        return inFlight == null && (!hardState().equals(lastHardState) || log.hasUnstable() || !messages.isEmpty()
                || log.pendingSnapshot() != null
                || !messagesAfterPersist.isEmpty() || log.hasNextCommitted() || !outcomes.isEmpty());
    }

    /**
     * Takes the pending effects. Only one Ready is out at a time: call {@link #advance(Ready)} once it has been
     * carried out before taking the next. Inputs may be stepped in between; their effects wait for the next Ready.
     */
    public Ready ready() {
        if (inFlight != null) {
            throw new IllegalStateException("the previous Ready has not been advanced");
        }
        HardState hs = hardState();
        HardState toSave = hs.equals(lastHardState) ? null : hs;
        boolean mustSync = log.hasUnstable() || hs.term() != lastHardState.term() || hs.votedFor() != lastHardState.votedFor()
                || log.pendingSnapshot() != null;
        Ready rd = new Ready(log.pendingSnapshot(), toSave, log.unstableEntries(), messages, messagesAfterPersist, log.nextCommitted(), mustSync,
                outcomes);
        messages.clear();
        messagesAfterPersist.clear();
        outcomes.clear();
        if (toSave != null) {
            lastHardState = toSave;
        }
        inFlight = rd;
        return rd;
    }

    /**
     * Acknowledges that {@code rd} was carried out: its entries and hard state are durable (synced if
     * {@link Ready#mustSync()}), its messages handed to the transport, its committed entries applied (or queued
     * for applying in order).
     */
    public void advance(Ready rd) {
        if (rd != inFlight) {
            throw new IllegalStateException("advance() must be given the Ready last returned by ready()");
        }
        inFlight = null;
        if (rd.snapshot() != null) {
            log.snapshotPersisted(rd.snapshot());
        }
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(rd.entries().get(0).index(), last.index(), last.term());
        }
        if (!rd.committed().isEmpty()) {
            log.appliedTo(rd.committed().get(rd.committed().size() - 1).index());
        }
        if (role == Role.LEADER && maybeCommit()) {
            broadcastCommit();
        }
    }

    // ---------------------------------------------------------------- roles

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
    }

    /** A higher term seen in a vote request: follow no one in it, keeping the election timer as it runs. */
    private void adoptTerm(long term) {
        currentTerm = term;
        votedFor = 0;
        role = Role.FOLLOWER;
        leaderId = 0;
        votes.clear();
    }

    private void becomeFollower(long term, long leader) {
        if (term > currentTerm) {
            currentTerm = term;
            votedFor = 0;
        }
        if (role == Role.LEADER) {
            abandonLeadership(leader);
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        votes.clear();
        resetElectionTimer();
    }

    /**
     * Whether this node heard from a leader within the election timeout (or leads): with CheckQuorum, it then
     * ignores vote requests of higher terms, so a node that rejoins from a partition cannot depose a healthy leader.
     */
    private boolean inLeaderLease() {
        // A leader holds the lease while it leads: CheckQuorum deposes it once it has not heard from a majority.
        return config.checkQuorum() && (role == Role.LEADER || (leaderId != 0 && electionElapsed < config.electionTicks()));
    }

    /**
     * Thesis §9.6, PreVote: before campaigning, ask the voters whether they would vote in the next term — "if the
     * candidate's log is at least as up-to-date and it has not received heartbeat from a valid leader". Its own term
     * and vote stay as they are, so a node that cannot win (cut off, or behind) never raises the cluster's term.
     */
    private void preCampaign() {
        if (role == Role.LEADER) {
            abandonLeadership(0);
        }
        role = Role.PRE_CANDIDATE;
        leaderId = 0;
        votes.clear();
        votes.put(id, true);
        resetElectionTimer();
        if (configs.current().quorum() == 1) {
            campaign();
            return;
        }
        for (long peer : otherVoters()) {
            send(new RequestVote(config.groupId(), id, peer, currentTerm + 1, log.lastIndex(), log.lastTerm(), true));
        }
    }

    /**
     * Thesis §6.2, CheckQuorum: "a leader steps down if an election timeout elapses without a successful round of
     * heartbeats to a majority of its cluster", so that clients of a leader cut off from its majority get an error
     * (and can find the new leader) instead of waiting. Returns whether it is still leader.
     */
    private boolean checkQuorum() {
        Membership m = configs.current();
        long active = (m.isVoter(id) ? 1 : 0) + m.voters().stream()
                .filter(v -> progress.containsKey(v) && progress.get(v).recentActive(config.electionTicks())).count();
        boolean hasQuorum = active >= m.quorum();
        if (!hasQuorum) {
            becomeFollower(currentTerm, 0);
        }
        return hasQuorum;
    }

    /**
     * §5.2: "To begin an election, a follower increments its current term and transitions to candidate state. It
     * then votes for itself and issues RequestVote RPCs in parallel to each of the other servers."
     */
    private void campaign() {
        campaign(false);
    }

    /** Starts an election; {@code transfer} if the leader handed leadership over (TimeoutNow, thesis §3.10). */
    private void campaign(boolean transfer) {
        if (role == Role.LEADER) {
            abandonLeadership(0);
        }
        currentTerm++;
        votedFor = id;
        role = Role.CANDIDATE;
        leaderId = 0;
        votes.clear();
        votes.put(id, true);
        resetElectionTimer();
        if (configs.current().quorum() == 1) {
            becomeLeader();
            return;
        }
        for (long peer : otherVoters()) {
            send(new RequestVote(config.groupId(), id, peer, currentTerm, log.lastIndex(), log.lastTerm(), false,
                    transfer));
        }
    }

    /**
     * §5.2: "A candidate wins an election if it receives votes from a majority of the servers in the full cluster
     * for the same term." A majority of rejections ends the candidacy early.
     */
    private void handleVoteResponse(VoteResponse vr) {
        boolean pre = role == Role.PRE_CANDIDATE;
        if ((role != Role.CANDIDATE && !pre) || vr.preVote() != pre) {
            return; // not campaigning, or an answer to the other kind of round
        }
        Membership m = configs.current();
        if (!m.isVoter(vr.from())) {
            return; // only voters' answers count (§5.2: "a majority of the servers in the full cluster")
        }
        votes.putIfAbsent(vr.from(), vr.granted());
        long granted = votes.entrySet().stream().filter(e -> e.getValue() && m.isVoter(e.getKey())).count();
        long refused = votes.entrySet().stream().filter(e -> !e.getValue() && m.isVoter(e.getKey())).count();
        if (granted >= m.quorum()) {
            if (pre) {
                campaign(); // a majority would vote for us: now start the real election
            } else {
                becomeLeader();
            }
        } else if (refused >= m.quorum()) {
            becomeFollower(currentTerm, 0);
        }
    }

    /**
     * §5.2 and Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
     * server". The new leader also appends a no-op entry of its own term (§8; thesis §6.4), so that entries
     * from earlier terms become committed once it is (§5.4.2).
     */
    private void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        votes.clear();
        heartbeatElapsed = 0;
        electionElapsed = 0;
        progress.clear();
        for (long peer : peers()) {
            progress.put(peer, new Progress(log.lastIndex() + 1, config.maxInflightAppends(), config.maxInflightBytes()));
        }
        if (config.brokenRule() != BrokenRule.COMMIT_PREVIOUS_TERM_BY_COUNTING) {
            Entry noop = Entry.noop(log.lastIndex() + 1, currentTerm);
            appendAsLeader(List.of(noop), noop.sizeBytes());
        }
        broadcastAppends();
    }

    // ---------------------------------------------------------------- RequestVote

    /**
     * RequestVote receiver (Figure 2), for a request of the current term: "If votedFor is null or candidateId,
     * and candidate's log is at least as up-to-date as receiver's log, grant vote (§5.2, §5.4)". Each server
     * votes for at most one candidate in a term (§5.2, Election Safety); granting a vote resets the election
     * timer. The answer leaves only after the vote is durable (thesis §3.8).
     */
    private void handleRequestVote(RequestVote rv) {
        if (rv.preVote()) {
            // Thesis §9.6: grant if we could vote for it in its next term and its log is up to date. Nothing changes
            // here: no term, no vote, no timer reset. (A server in a leader's lease did not get this far.)
            boolean canPreVote = rv.term() > currentTerm || votedFor == rv.from() || (votedFor == 0 && leaderId == 0);
            boolean grant = canPreVote && log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm());
            send(new VoteResponse(config.groupId(), id, rv.from(), grant ? rv.term() : currentTerm, grant, true));
            return;
        }
        boolean canVote = votedFor == 0 || votedFor == rv.from()
                || config.brokenRule() == BrokenRule.VOTE_TWICE_IN_A_TERM;
        boolean upToDate = log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm())
                || config.brokenRule() == BrokenRule.VOTE_WITHOUT_UP_TO_DATE_CHECK;
        boolean grant = canVote && upToDate;
        if (grant) {
            votedFor = rv.from();
            resetElectionTimer();
        }
        send(new VoteResponse(config.groupId(), id, rv.from(), currentTerm, grant));
    }

    // ---------------------------------------------------------------- AppendEntries

    /**
     * AppendEntries receiver (Figure 2), for a request of the current term, which comes from the one leader of
     * that term:
     * <ol start="2">
     *   <li>"Reply false if log doesn't contain an entry at prevLogIndex whose term matches prevLogTerm (§5.3)",
     *       with a hint so the leader can skip a whole term of mismatching entries at once;</li>
     *   <li>and 4. delete conflicting entries and append new ones ({@link RaftLog#appendFromLeader});</li>
     *   <li value="5">"If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)".</li>
     * </ol>
     * A candidate that hears from the leader of its term steps down (§5.2).
     */
    private void handleAppendEntries(AppendEntries ae) {
        if (role == Role.LEADER) {
            // Another leader of our term cannot exist (Election Safety); such a message is a misbehaving or
            // misconfigured peer, and it must not take this node down. Drop it.
            droppedMessages++;
            return;
        }
        if (role == Role.CANDIDATE || role == Role.PRE_CANDIDATE) {
            becomeFollower(currentTerm, ae.from());
        }
        leaderId = ae.from();
        electionElapsed = 0;
        if (ae.prevLogIndex() < log.committed()) {
            // Everything up to our commit index matches the leader's log (Leader Completeness); say so, and the
            // leader continues from there.
            send(AppendResponse.accept(config.groupId(), id, ae.from(), currentTerm, log.committed(), ae.seq()));
            return;
        }
        if (!log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            long hintIndex = log.findConflictByTerm(Math.min(ae.prevLogIndex(), log.lastIndex()), ae.prevLogTerm());
            send(AppendResponse.reject(config.groupId(), id, ae.from(), currentTerm, ae.prevLogIndex(), hintIndex,
                    log.term(hintIndex), ae.seq()));
            return;
        }
        long lastBefore = log.lastIndex();
        long written = ae.entries().isEmpty() ? 0 : log.appendFromLeader(ae.entries());
        if (written > 0) {
            if (written <= lastBefore) {
                // Acknowledgements not yet sent may name entries that were just deleted: drop them (a lost
                // message is always safe; an acknowledgement of an entry we no longer hold is not).
                messagesAfterPersist.removeIf(msg -> msg instanceof AppendResponse ar && ar.success());
            }
            configs.truncatedFrom(written); // configurations in a deleted suffix go with it (thesis §4.1)
            configs.appended(ae.entries().subList((int) (written - ae.entries().get(0).index()), ae.entries().size()));
        }
        long lastNew = ae.lastIndex();
        log.commitTo(Math.min(ae.leaderCommit(), lastNew));
        send(AppendResponse.accept(config.groupId(), id, ae.from(), currentTerm, lastNew, ae.seq()));
    }

    // ---------------------------------------------------------------- InstallSnapshot

    /**
     * InstallSnapshot receiver (Figure 13), for a request of the current term whose data the driver has received
     * and checked (rules 2–5: chunks written at their offsets, "save snapshot file"):
     * <ol start="6">
     *   <li>"If existing log entry has same index and term as snapshot's last included entry, retain log entries
     *       following it and reply" — the log already holds the snapshot's entries: commit through it and keep the
     *       rest, so a slow follower is never thrown back into another snapshot;</li>
     *   <li>"Discard the entire log";</li>
     *   <li>"Reset state machine using snapshot contents (and load snapshot's cluster configuration)" — the driver
     *       does both with the next {@link Ready#snapshot()}.</li>
     * </ol>
     * A snapshot at or below the commit index changes nothing. The answer is an AppendResponse matching the
     * snapshot's index, sent once the install is durable.
     */
    private void handleInstallSnapshot(InstallSnapshot is) {
        if (role == Role.LEADER) {
            droppedMessages++; // as for AppendEntries: no other leader of our term can exist
            return;
        }
        if (role == Role.CANDIDATE || role == Role.PRE_CANDIDATE) {
            becomeFollower(currentTerm, is.from());
        }
        leaderId = is.from();
        electionElapsed = 0;
        SnapshotMeta s = is.meta();
        if (s.index() <= log.committed()) {
            send(AppendResponse.accept(config.groupId(), id, is.from(), currentTerm, log.committed()));
            return;
        }
        if (log.matchTerm(s.index(), s.term()) || (config.brokenRule() == BrokenRule.INSTALL_SNAPSHOT_WITHOUT_LOG_CHECK
                && s.index() <= log.lastIndex())) {
            log.commitTo(s.index()); // rule 6
        } else {
            messagesAfterPersist.removeIf(msg -> msg instanceof AppendResponse ar && ar.success());
            log.restore(s); // rules 7 and 8
            configs.restored(s.membership()); // rule 8: "load snapshot's cluster configuration"
            snapshot = s;
        }
        send(AppendResponse.accept(config.groupId(), id, is.from(), currentTerm, s.index()));
    }

    /**
     * Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower (§5.3). If AppendEntries
     * fails because of log inconsistency: decrement nextIndex and retry (§5.3)" — by a whole term at a time,
     * using the follower's hint, as etcd does.
     */
    private void handleAppendResponse(AppendResponse ar) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = progress.get(ar.from());
        if (pr == null) {
            droppedMessages++; // not (or no longer) a member
            return;
        }
        if (ar.seq() > pr.ackedSeq && ar.seq() <= sendSeq) {
            pr.ackedSeq = ar.seq();
            releaseConfirmedReads();
        }
        if (ar.success()) {
            if (ar.matchIndex() > log.lastIndex()) {
                droppedMessages++; // cannot answer an append we never sent
                return;
            }
            boolean advanced = pr.maybeUpdate(ar.matchIndex());
            if ((pr.state == Progress.State.PROBE && ar.matchIndex() >= pr.match)
                    || (pr.state == Progress.State.SNAPSHOT && pr.match >= pr.pendingSnapshot)) {
                pr.becomeReplicate();
            }
            if (advanced && maybeCommit()) {
                broadcastCommit();
            } else {
                sendAppends(ar.from());
            }
            if (ar.from() == leadTransferee) {
                maybeSendTimeoutNow();
            }
        } else {
            if (ar.rejectedIndex() > log.lastIndex() || ar.hintIndex() > ar.rejectedIndex()) {
                droppedMessages++;
                return;
            }
            long probeFrom = ar.hintTerm() > 0 ? log.findConflictByTerm(ar.hintIndex(), ar.hintTerm()) : ar.hintIndex();
            if (pr.maybeDecrTo(ar.rejectedIndex(), probeFrom)) {
                sendAppends(ar.from());
            }
        }
    }

    /**
     * §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log entries from the
     * leader's current term are committed by counting replicas" (Figure 8). Figure 2, Leaders: "If there exists
     * an N such that N > commitIndex, a majority of matchIndex[i] >= N, and log[N].term == currentTerm: set
     * commitIndex = N". The leader counts itself only up to what it has durably written (thesis §10.2.1).
     *
     * @return whether commitIndex advanced
     */
    private boolean maybeCommit() {
        Membership m = configs.current();
        long[] match = new long[m.voters().size()];
        int i = 0;
        for (long voter : m.voters()) {
            // Thesis §4.2.2: a leader that is not in the configuration does not count itself.
            match[i++] = voter == id ? log.stableLastIndex() : progress.get(voter).match;
        }
        Arrays.sort(match);
        long n = match[match.length - m.quorum()];
        if (n <= log.committed()) {
            return false;
        }
        if (log.term(n) != currentTerm && config.brokenRule() != BrokenRule.COMMIT_PREVIOUS_TERM_BY_COUNTING) {
            return false;
        }
        log.commitTo(n);
        uncommitted.committedTo(n);
        if (!m.isVoter(id) && configs.currentIndex() <= n) {
            // Thesis §4.2.2: a leader removed from the configuration steps down once the change is committed.
            becomeFollower(currentTerm, 0);
            return true;
        }
        if (reads.hasAwaitingCommit() && log.term(n) == currentTerm) {
            reads.startRoundForAwaitingCommit(++sendSeq, log.committed());
            confirmLeadership();
        }
        return true;
    }

    // ---------------------------------------------------------------- sending

    /** Sends new entries to every follower that can take them. */
    private void broadcastAppends() {
        for (long peer : peers()) {
            sendAppends(peer);
        }
    }

    /** After commitIndex advanced: new entries or, failing that, a heartbeat carries it to each follower. */
    private void broadcastCommit() {
        if (role != Role.LEADER) {
            return; // stepped down (removed from the configuration)
        }
        for (long peer : peers()) {
            if (!sendAppends(peer) && progress.get(peer).state == Progress.State.REPLICATE) {
                sendHeartbeat(peer);
            }
        }
    }

    /** Sends as many appends as the follower's flow control allows. Returns whether anything was sent. */
    private boolean sendAppends(long peer) {
        boolean sent = false;
        while (sendAppend(peer, false)) {
            sent = true;
            if (progress.get(peer).state == Progress.State.PROBE) {
                break;
            }
        }
        return sent;
    }

    /**
     * Sends one AppendEntries from the follower's nextIndex, unless paused or (unless forced) empty; if the entries
     * it needs are compacted, InstallSnapshot instead.
     */
    private boolean sendAppend(long peer, boolean evenIfEmpty) {
        Progress pr = progress.get(peer);
        if (pr.isPaused()) {
            return false;
        }
        if (pr.next < log.firstIndex()) {
            if (!pr.recentActive(config.electionTicks())) {
                pr.probeSent = true; // a snapshot only to a follower that answers (it may be down: etcd does the same)
                return false;
            }
            sendSnapshot(peer, pr);
            return true;
        }
        List<Entry> ents = log.slice(pr.next, log.lastIndex() + 1, config.maxAppendBytes());
        if (ents.isEmpty() && !evenIfEmpty) {
            return false;
        }
        long prev = pr.next - 1;
        send(new AppendEntries(config.groupId(), id, peer, currentTerm, prev, log.term(prev), ents, log.committed(),
                sendSeq));
        long bytes = 0;
        for (Entry e : ents) {
            bytes += e.sizeBytes();
        }
        pr.sentEntries(ents.isEmpty() ? prev : ents.get(ents.size() - 1).index(), bytes);
        return true;
    }

    /**
     * §7: "the leader must occasionally send snapshots to followers that lag behind" — when "the leader has already
     * discarded the next log entry that it needs to send to a follower". The follower's progress waits in
     * {@link Progress.State#SNAPSHOT} until it acknowledges the snapshot's index or the driver reports the transfer
     * ended ({@link #reportSnapshot}).
     */
    private void sendSnapshot(long peer, Progress pr) {
        if (snapshot == null || snapshot.index() < log.firstIndex() - 1) {
            throw new IllegalStateException("the log is compacted through " + (log.firstIndex() - 1)
                    + " but the newest snapshot is " + snapshot + ": the driver compacted beyond its snapshot");
        }
        send(new InstallSnapshot(config.groupId(), id, peer, currentTerm, snapshot));
        pr.becomeSnapshot(snapshot.index());
    }

    /**
     * An empty AppendEntries anchored at the follower's matchIndex: it cannot be rejected for entries still in
     * flight, and carries the commit index up to what the follower is known to hold. If that index is compacted, it
     * is anchored at the snapshot instead (a follower still without it rejects it, harmlessly).
     */
    private void sendHeartbeat(long peer) {
        long match = Math.max(progress.get(peer).match, log.firstIndex() - 1);
        send(new AppendEntries(config.groupId(), id, peer, currentTerm, match, log.term(match), List.of(),
                log.committed(), sendSeq));
    }

    /**
     * Thesis §3.8 and §10.2.1: a server must make its term, vote and log entries durable before it answers, but
     * a leader may send AppendEntries to its followers while it writes its own log. So a leader's AppendEntries
     * leave at once ({@link Ready#messages()}), and so do the client requests and answers, which claim nothing
     * about durable state; votes, vote requests and append acknowledgements wait for the persist
     * ({@link Ready#messagesAfterPersist()}).
     */
    private void send(Message m) {
        if ((role == Role.LEADER && (m instanceof AppendEntries || m instanceof InstallSnapshot || m instanceof TimeoutNow))
                || m instanceof ReadIndexRequest
                || m instanceof ReadIndexResponse || m instanceof ForwardProposal || m instanceof ForwardProposalResponse) {
            messages.add(m);
        } else {
            messagesAfterPersist.add(m);
        }
    }

    // ---------------------------------------------------------------- status

    private HardState hardState() {
        return new HardState(currentTerm, votedFor, log.committed());
    }

    /** This node's id. */
    public long id() {
        return id;
    }

    /** The configuration this core runs with. */
    public CoreConfig config() {
        return config;
    }

    /** The current role. */
    public Role role() {
        return role;
    }

    /** currentTerm. */
    public long term() {
        return currentTerm;
    }

    /** votedFor in the current term, or 0. */
    public long votedFor() {
        return votedFor;
    }

    /** The leader of the current term as far as this node knows, or 0. */
    public long leaderId() {
        return leaderId;
    }

    /** commitIndex. */
    public long commitIndex() {
        return log.committed();
    }

    /** The last index handed out for applying (lastApplied, from the core's side). */
    public long appliedIndex() {
        return log.applied();
    }

    /** The index of the first entry still in this node's log; entries before it are covered by a snapshot. */
    public long firstIndex() {
        return log.firstIndex();
    }

    /** The newest snapshot this node holds (taken here or installed from the leader), or null. */
    public SnapshotMeta snapshot() {
        return snapshot;
    }

    /** The index of the last entry in this node's log (durable or not). */
    public long lastIndex() {
        return log.lastIndex();
    }

    /** The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}. */
    public long termAt(long index) {
        return log.term(index);
    }

    /** This node's log entries {@code [from, to)}, for inspection by tests and tools. */
    public List<Entry> entries(long from, long to) {
        return List.copyOf(log.slice(from, to, Long.MAX_VALUE));
    }

    /** The number of messages dropped as not for this node, from a non-member, or malformed. */
    public long droppedMessages() {
        return droppedMessages;
    }

    /** The membership in effect: the latest in this node's log (thesis §4.1). */
    public Membership membership() {
        return configs.current();
    }

    /** The index of the configuration entry that made the current membership, or 0 if none in the log. */
    public long membershipIndex() {
        return configs.currentIndex();
    }

    /** The membership as of log index {@code index} (for a snapshot's metadata). */
    public Membership membershipAt(long index) {
        return configs.at(index);
    }

    /** Leader only: the voter leadership is being handed to, or 0. */
    public long leadTransferee() {
        return leadTransferee;
    }

    /** The leader's view of follower {@code peer}: match and next index and replication state, or null. */
    public PeerProgress peerProgress(long peer) {
        Progress pr = progress.get(peer);
        return pr == null ? null : new PeerProgress(peer, pr.match, pr.next, pr.state.name());
    }

    /** What a leader knows of one follower's replication. */
    public record PeerProgress(long id, long matchIndex, long nextIndex, String state) {
    }

    /** The leader's replication state of follower {@code peer} (matchIndex), or -1 if not leader. */
    public long matchIndex(long peer) {
        Progress pr = progress.get(peer);
        return pr == null ? -1 : pr.match;
    }

    @Override
    public String toString() {
        return "RaftCore{id=" + id + ", role=" + role + ", term=" + currentTerm + ", leader=" + leaderId + ", commit="
                + log.committed() + ", last=" + log.lastIndex() + "}";
    }
}
