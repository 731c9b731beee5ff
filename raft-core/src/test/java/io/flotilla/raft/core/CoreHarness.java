package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.VoteResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Drives one {@link RaftCore} the way a node's event loop does, over an {@link InMemoryLogStore}:
 * {@link #handleReady()} takes one Ready, persists it, advances, and reports what the driver would send
 * and apply. Also builds messages of group {@link #GROUP}, prepares stores, and takes shortcuts to a role.
 * Test scope only; one thread; every random choice comes from the seed given at construction.
 */
final class CoreHarness {
    static final long GROUP = 7;
    static final int ELECTION_TICKS = 10;

    final CoreConfig config;
    final InMemoryLogStore store;
    final RaftCore core;
    /** The snapshots Readies asked this driver to install, in order. */
    final List<io.flotilla.raft.log.SnapshotMeta> installedSnapshots = new ArrayList<>();

    CoreHarness(CoreConfig config, InMemoryLogStore store, long seed) {
        this(config, store, null, seed);
    }

    /** A node restarting from {@code snapshot} (or none) plus what {@code store} holds. */
    CoreHarness(CoreConfig config, InMemoryLogStore store, io.flotilla.raft.log.SnapshotMeta snapshot, long seed) {
        this.config = config;
        this.store = store;
        this.core = RaftCore.restore(config, store, snapshot, new SplittableRandom(seed));
    }

    /**
     * Node {@code id} of {@code voters}, electionTicks 10, heartbeatTicks 1, and the paper's basic algorithm:
     * PreVote and CheckQuorum off (they have tests of their own).
     */
    static CoreConfig config(long id, long... voters) {
        return CoreConfig.of(GROUP, id, LongStream.of(voters).boxed().toList()).withTicks(ELECTION_TICKS, 1)
                .withElectionSafeguards(false, false);
    }

    /** Node {@code id} of {@code voters} with an empty store and seed 1. */
    static CoreHarness node(long id, long... voters) {
        return new CoreHarness(config(id, voters), new InMemoryLogStore(), 1);
    }

    /** A store holding {@code hardState} and entries {@code 1..n} of the given terms (see {@link #entry}). */
    static InMemoryLogStore store(HardState hardState, long... terms) {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(entries(1, terms));
        store.saveHardState(hardState);
        return store;
    }

    /** A command entry whose payload is derived from its index and term, so equal (index, term) means equal entry. */
    static Entry entry(long index, long term) {
        return Entry.command(index, term, Payload.ofUtf8(index + "@" + term));
    }

    /** Entries {@code first, first+1, ...} of the given terms. */
    static List<Entry> entries(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (long term : terms) {
            out.add(entry(first + out.size(), term));
        }
        return out;
    }

    // ---------------------------------------------------------------- messages of group GROUP

    static RequestVote requestVote(long from, long to, long term, long lastLogIndex, long lastLogTerm) {
        return new RequestVote(GROUP, from, to, term, lastLogIndex, lastLogTerm);
    }

    static VoteResponse vote(long from, long to, long term, boolean granted) {
        return new VoteResponse(GROUP, from, to, term, granted);
    }

    static AppendEntries append(long from, long to, long term, long prevLogIndex, long prevLogTerm, long leaderCommit,
                                List<Entry> entries) {
        return new AppendEntries(GROUP, from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit);
    }

    static AppendEntries heartbeat(long from, long to, long term, long prevLogIndex, long prevLogTerm, long leaderCommit) {
        return append(from, to, term, prevLogIndex, prevLogTerm, leaderCommit, List.of());
    }

    static AppendResponse ack(long from, long to, long term, long matchIndex) {
        return AppendResponse.accept(GROUP, from, to, term, matchIndex);
    }

    // ---------------------------------------------------------------- the Ready loop

    /**
     * What the driver did with one Ready, or with several in a row ({@link #then}).
     *
     * @param hardState the last hard state saved, or null if none
     */
    record Turn(HardState hardState, List<Entry> persisted, boolean mustSync, List<Message> messages,
                List<Message> messagesAfterPersist, List<Entry> committed) {
        static final Turn NOTHING = new Turn(null, List.of(), false, List.of(), List.of(), List.of());

        static Turn of(Ready rd) {
            return new Turn(rd.hardState(), rd.entries(), rd.mustSync(), rd.messages(), rd.messagesAfterPersist(),
                    rd.committed());
        }

        Turn then(Turn next) {
            return new Turn(next.hardState != null ? next.hardState : hardState, concat(persisted, next.persisted),
                    mustSync || next.mustSync, concat(messages, next.messages),
                    concat(messagesAfterPersist, next.messagesAfterPersist), concat(committed, next.committed));
        }

        /** Every message, those sendable before the persist first. */
        List<Message> sent() {
            return concat(messages, messagesAfterPersist);
        }

        <T extends Message> List<T> sent(Class<T> type) {
            return sent().stream().filter(type::isInstance).map(type::cast).toList();
        }

        private static <T> List<T> concat(List<T> a, List<T> b) {
            return Stream.concat(a.stream(), b.stream()).toList();
        }
    }

    /** Takes one Ready, persists it into the store (syncing when asked), advances, and reports it. */
    Turn handleReady() {
        Ready rd = core.ready();
        if (rd.snapshot() != null) {
            store.installSnapshot(rd.snapshot().index(), rd.snapshot().term());
            installedSnapshots.add(rd.snapshot());
        }
        store.save(rd.hardState(), rd.entries(), rd.mustSync());
        core.advance(rd);
        return Turn.of(rd);
    }

    /** Handles Readies until the core has none. */
    Turn drain() {
        Turn all = Turn.NOTHING;
        while (core.hasReady()) {
            all = all.then(handleReady());
        }
        return all;
    }

    /** Steps {@code m} into the core and drains. */
    Turn deliver(Message m) {
        core.step(m);
        return drain();
    }

    /** Ticks {@code n} times without draining. */
    void tick(int n) {
        for (int i = 0; i < n; i++) {
            core.tick();
        }
    }

    /** Ticks until the term changes (an election starts); returns the number of ticks it took. Does not drain. */
    int ticksUntilElection() {
        long term = core.term();
        for (int i = 1; i <= 10 * config.electionTicks(); i++) {
            core.tick();
            if (core.term() != term) {
                return i;
            }
        }
        throw new AssertionError("no election within " + 10 * config.electionTicks() + " ticks: " + core);
    }

    /** Ticks until this node campaigns, then drains (the RequestVotes are returned, not delivered). */
    Turn campaign() {
        ticksUntilElection();
        return drain();
    }

    /** Campaigns and wins with votes from the peers; drains. Followers stay in probe, the no-op unacknowledged. */
    Turn becomeLeader() {
        campaign();
        for (long peer : peers()) {
            if (core.role() == Role.LEADER) {
                break;
            }
            core.step(vote(peer, core.id(), core.term(), true));
        }
        if (core.role() != Role.LEADER) {
            throw new AssertionError("did not win: " + core);
        }
        return drain();
    }

    /** {@link #becomeLeader}, then every peer acknowledges the whole log: the no-op commits, followers replicate. */
    Turn becomeLeaderWithCommittedNoop() {
        Turn turn = becomeLeader();
        for (long peer : peers()) {
            core.step(ack(peer, core.id(), core.term(), core.lastIndex()));
        }
        turn = turn.then(drain());
        if (core.commitIndex() != core.lastIndex()) {
            throw new AssertionError("no-op not committed: " + core);
        }
        return turn;
    }

    List<Long> peers() {
        return config.voters().stream().filter(v -> v != core.id()).toList();
    }

    /** The core's whole log, durable or not. */
    List<Entry> log() {
        return core.entries(1, core.lastIndex() + 1);
    }

    /** What the store holds. */
    List<Entry> storedLog() {
        return store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE);
    }

    /**
     * A lossless, in-order network between {@code nodes}: drains every node and delivers what it sent, until no
     * node has anything to do. Messages to nodes not in the list are dropped. Returns the number of rounds.
     */
    static int exchangeUntilQuiet(CoreHarness... nodes) {
        TreeMap<Long, CoreHarness> byId = new TreeMap<>();
        for (CoreHarness n : nodes) {
            byId.put(n.core.id(), n);
        }
        ArrayDeque<Message> network = new ArrayDeque<>();
        for (int round = 0; round < 10_000; round++) {
            for (CoreHarness n : byId.values()) {
                network.addAll(n.drain().sent());
            }
            if (network.isEmpty()) {
                return round;
            }
            while (!network.isEmpty()) {
                Message m = network.poll();
                CoreHarness to = byId.get(m.to());
                if (to != null) {
                    to.core.step(m);
                }
            }
        }
        throw new AssertionError("the nodes did not go quiet within 10000 rounds");
    }
}
