package io.flotilla.raft.core;

import io.flotilla.raft.core.CoreHarness.Turn;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.flotilla.raft.core.CoreHarness.ELECTION_TICKS;
import static io.flotilla.raft.core.CoreHarness.GROUP;
import static io.flotilla.raft.core.CoreHarness.ack;
import static io.flotilla.raft.core.CoreHarness.append;
import static io.flotilla.raft.core.CoreHarness.config;
import static io.flotilla.raft.core.CoreHarness.entries;
import static io.flotilla.raft.core.CoreHarness.entry;
import static io.flotilla.raft.core.CoreHarness.exchangeUntilQuiet;
import static io.flotilla.raft.core.CoreHarness.heartbeat;
import static io.flotilla.raft.core.CoreHarness.node;
import static io.flotilla.raft.core.CoreHarness.requestVote;
import static io.flotilla.raft.core.CoreHarness.store;
import static io.flotilla.raft.core.CoreHarness.vote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rules of the Raft paper (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm",
 * extended version) and of the thesis where the paper is silent, one test per rule, named after it and quoting
 * it, in the paper's order; modelled on etcd's {@code raft_paper_test.go}. One core is driven by hand through a
 * {@link CoreHarness}; the other servers are played by the messages the test steps in (or, for Figure 7, by a
 * second core). Node 1 is always the node under test.
 */
class RaftPaperTest {
    private static final int E = ELECTION_TICKS;

    // ================================================================ §5.1 Raft basics

    /** The four message kinds, as node 3 would send them to node 1 in {@code term}. */
    enum Kind {
        REQUEST_VOTE, VOTE_RESPONSE, APPEND_ENTRIES, APPEND_RESPONSE;

        /** RequestVote carries an empty log, which never wins a vote from a node with entries. */
        Message from3(long term) {
            return switch (this) {
                case REQUEST_VOTE -> requestVote(3, 1, term, 0, 0);
                case VOTE_RESPONSE -> vote(3, 1, term, false);
                case APPEND_ENTRIES -> heartbeat(3, 1, term, 0, 0, 0);
                case APPEND_RESPONSE -> AppendResponse.reject(GROUP, 3, 1, term, 0, 0, 0);
            };
        }
    }

    /** Node 1 of {1, 2, 3} in term 2 with at least entry 1@1, as {@code role}, having voted in term 2. */
    private static CoreHarness nodeInTerm2(Role role) {
        if (role == Role.FOLLOWER) {
            return new CoreHarness(config(1, 1, 2, 3), store(new HardState(2, 2, 0), 1), 1);
        }
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1), 1);
        if (role == Role.CANDIDATE) {
            h.campaign();
        } else {
            h.becomeLeader();
        }
        assertThat(h.core.role()).isEqualTo(role);
        assertThat(h.core.term()).isEqualTo(2);
        assertThat(h.core.votedFor()).isNotZero();
        return h;
    }

    static Stream<Arguments> everyRoleAndKind() {
        List<Arguments> out = new ArrayList<>();
        for (Role role : List.of(Role.FOLLOWER, Role.CANDIDATE, Role.LEADER)) { // the paper's roles (PreVote: own tests)
            for (Kind kind : Kind.values()) {
                out.add(Arguments.of(role, kind));
            }
        }
        return out.stream();
    }

    /**
     * Reference: Raft paper §5.1 and Figure 2, Rules for Servers, All Servers: "If RPC request or response contains
     * term T > currentTerm: set currentTerm = T, convert to follower (§5.1)". The vote of the old term does not
     * carry over, and the new term is persisted with a sync.
     */
    @ParameterizedTest(name = "{0} receiving {1}")
    @MethodSource("everyRoleAndKind")
    void higherTermInAnyMessageMakesServerFollowerOfThatTerm(Role role, Kind kind) {
        CoreHarness h = nodeInTerm2(role);

        h.core.step(kind.from3(3));

        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.term()).isEqualTo(3);
        assertThat(h.core.votedFor()).isZero();
        assertThat(h.core.leaderId()).isEqualTo(kind == Kind.APPEND_ENTRIES ? 3 : 0);
        Turn turn = h.drain();
        assertThat(turn.hardState().term()).isEqualTo(3);
        assertThat(turn.hardState().votedFor()).isZero();
        assertThat(turn.mustSync()).isTrue();
        assertThat(h.store.hardState().term()).isEqualTo(3);
    }

    /**
     * Reference: Raft paper §5.1: "If a server receives a request with a stale term number, it rejects the
     * request"; Figure 2, AppendEntries and RequestVote receiver 1: "Reply false if term &lt; currentTerm", with
     * the current term "for leader [candidate] to update itself".
     */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"REQUEST_VOTE", "APPEND_ENTRIES"})
    void staleTermRequestIsRejectedWithCurrentTerm(Kind kind) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(3, 0, 0), 1, 2), 1);
        Message stale = kind == Kind.REQUEST_VOTE
                ? requestVote(2, 1, 2, 5, 2) // a log more up to date than node 1's
                : append(2, 1, 2, 2, 2, 2, entries(3, 2));

        Turn turn = h.deliver(stale);

        Message expected = kind == Kind.REQUEST_VOTE
                ? vote(1, 2, 3, false)
                : AppendResponse.reject(GROUP, 1, 2, 3, 2, 0, 0);
        assertThat(turn.messagesAfterPersist()).containsExactly(expected);
        assertThat(turn.hardState()).isNull();
        assertThat(turn.persisted()).isEmpty();
        assertThat(h.core.term()).isEqualTo(3);
        assertThat(h.core.votedFor()).isZero();
        assertThat(h.core.leaderId()).isZero();
        assertThat(h.core.lastIndex()).isEqualTo(2);
        assertThat(h.core.commitIndex()).isZero();
    }

    /**
     * Reference: Raft paper §5.1 ("Current terms are exchanged whenever servers communicate") and Figure 2: a
     * response from an earlier term answers a request this server no longer stands behind, so it is ignored: a
     * stale granted vote does not elect a candidate, a stale acknowledgement does not advance matchIndex.
     */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"VOTE_RESPONSE", "APPEND_RESPONSE"})
    void staleTermResponseIsIgnored(Kind kind) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(2, 0, 0)), 1);
        Message stale;
        if (kind == Kind.VOTE_RESPONSE) {
            h.campaign();
            stale = vote(2, 1, 2, true); // would be the winning vote in term 3
        } else {
            h.becomeLeaderWithCommittedNoop();
            h.core.propose(List.of(Payload.ofUtf8("x")));
            h.drain();
            stale = ack(2, 1, 2, h.core.lastIndex()); // would commit the proposal in term 3
        }
        assertThat(h.core.term()).isEqualTo(3);
        Role role = h.core.role();
        long commit = h.core.commitIndex();
        long match = h.core.matchIndex(2);

        h.core.step(stale);

        assertThat(h.core.role()).isEqualTo(role);
        assertThat(h.core.term()).isEqualTo(3);
        assertThat(h.core.commitIndex()).isEqualTo(commit);
        assertThat(h.core.matchIndex(2)).isEqualTo(match);
        assertThat(h.core.hasReady()).isFalse();
        assertThat(h.core.droppedMessages()).isZero();
    }

    // ================================================================ §5.2 Leader election

    /**
     * Reference: Raft paper §5.2: "If a follower receives no communication over a period of time called the
     * election timeout, then it assumes there is no viable leader and begins an election to choose a new leader.
     * To begin an election, a follower increments its current term and transitions to candidate state. It then
     * votes for itself and issues RequestVote RPCs in parallel to each of the other servers." The RequestVotes
     * carry the candidate's last log index and term (§5.4.1) and leave only once term and vote are synced
     * (thesis §3.8).
     */
    @Test
    void followerStartsElectionOnTimeout() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1, 1), 1);

        h.tick(E - 1);
        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.hasReady()).isFalse();
        h.ticksUntilElection();

        assertThat(h.core.role()).isEqualTo(Role.CANDIDATE);
        assertThat(h.core.term()).isEqualTo(2);
        assertThat(h.core.votedFor()).isEqualTo(1);
        Ready rd = h.core.ready();
        assertThat(rd.hardState()).isEqualTo(new HardState(2, 1, 0));
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).containsExactly(requestVote(1, 2, 2, 2, 1), requestVote(1, 3, 2, 2, 1));
    }

    /**
     * Reference: Raft paper §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare
     * ... election timeouts are chosen randomly from a fixed interval (e.g., 150–300ms)"; here
     * [electionTicks, 2 * electionTicks), drawn from the seeded generator.
     */
    @Test
    void electionTimeoutIsRandomizedBetweenEAnd2E() {
        TreeSet<Integer> seen = new TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            CoreHarness h = new CoreHarness(config(1, 1, 2, 3), new InMemoryLogStore(), seed);
            int timeout = h.ticksUntilElection();
            assertThat(timeout).as("seed %d", seed).isBetween(E, 2 * E - 1);
            seen.add(timeout);
            // and again for the next election, timed from the start of the candidacy
            assertThat(h.ticksUntilElection()).as("seed %d, second election", seed).isBetween(E, 2 * E - 1);
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(E / 2);
    }

    /**
     * Reference: Raft paper §5.2: "A candidate wins an election if it receives votes from a majority of the servers
     * in the full cluster for the same term"; a candidate that cannot win any more (a majority said no) returns
     * to follower, and one still waiting stays a candidate. Like etcd's TestLeaderElectionInOneRoundRPC.
     * Votes are written "2+" (granted by 2) and "3-" (denied by 3).
     */
    @ParameterizedTest(name = "{0} voters, votes [{1}] -> {2}")
    @CsvSource({
            "1, '', LEADER",
            "3, 2+, LEADER",
            "3, 2+ 3+, LEADER",
            "3, 2- 3+, LEADER",
            "5, 2+ 3+, LEADER",
            "5, 2+ 3- 4- 5+, LEADER",
            "3, '', CANDIDATE",
            "3, 2-, CANDIDATE",
            "5, 2+, CANDIDATE",
            "5, 2+ 3- 4-, CANDIDATE",
            "3, 2- 3-, FOLLOWER",
            "5, 2- 3- 4-, FOLLOWER",
            "5, 2+ 3- 4- 5-, FOLLOWER",
    })
    void candidateWinsWithVotesFromMajorityOfFullCluster(int size, String votes, Role expected) {
        long[] voters = LongStream.rangeClosed(1, size).toArray();
        CoreHarness h = new CoreHarness(config(1, voters), new InMemoryLogStore(), 1);
        h.campaign();

        for (String v : votes.trim().split("\\s+")) {
            if (!v.isEmpty()) {
                h.core.step(vote(Long.parseLong(v.substring(0, 1)), 1, 1, v.endsWith("+")));
            }
        }

        assertThat(h.core.role()).isEqualTo(expected);
        assertThat(h.core.term()).isEqualTo(1);
    }

    /**
     * Reference: Raft paper §5.2: "Once a candidate wins an election, it becomes leader. It then sends heartbeat
     * messages to all of the other servers to establish its authority"; Figure 2, Leaders: "Upon election: send
     * initial empty AppendEntries RPCs (heartbeat) to each server". Here they carry the new no-op, and may leave
     * before the leader's own write (thesis §10.2.1).
     */
    @Test
    void candidateWinningElectionSendsAppendEntriesToEveryPeerAtOnce() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3, 4, 5), store(new HardState(1, 0, 1), 1), 1);
        h.campaign();
        h.core.step(vote(2, 1, 2, true));
        h.core.step(vote(3, 1, 2, true));
        assertThat(h.core.role()).isEqualTo(Role.LEADER);
        assertThat(h.core.leaderId()).isEqualTo(1);

        Ready rd = h.core.ready();

        List<Entry> noop = List.of(Entry.noop(2, 2));
        assertThat(rd.messages()).containsExactly(
                append(1, 2, 2, 1, 1, 1, noop), append(1, 3, 2, 1, 1, 1, noop),
                append(1, 4, 2, 1, 1, 1, noop), append(1, 5, 2, 1, 1, 1, noop));
        assertThat(rd.messagesAfterPersist()).isEmpty();
    }

    /**
     * Reference: Raft paper §5.2: "While waiting for votes, a candidate may receive an AppendEntries RPC from
     * another server claiming to be leader. If the leader's term (included in its RPC) is at least as large as the
     * candidate's current term, then the candidate recognizes the leader as legitimate and returns to follower
     * state."
     */
    @ParameterizedTest(name = "leader''s term = candidate''s term + {0}")
    @ValueSource(ints = {0, 1})
    void candidateReceivingAppendEntriesOfItsTermOrLaterBecomesFollower(int termAhead) {
        CoreHarness h = node(1, 1, 2, 3);
        h.campaign();
        long term = 1 + termAhead;

        Turn turn = h.deliver(heartbeat(2, 1, term, 0, 0, 0));

        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.term()).isEqualTo(term);
        assertThat(h.core.leaderId()).isEqualTo(2);
        assertThat(h.core.votedFor()).isEqualTo(termAhead == 0 ? 1 : 0); // the vote of term 1 stands
        assertThat(turn.messagesAfterPersist()).containsExactly(ack(1, 2, term, 0));
    }

    /**
     * Reference: Raft paper §5.2: "if many followers become candidates at the same time, votes could be split so
     * that no candidate obtains a majority. When this happens, each candidate will time out and start a new
     * election by incrementing its term and initiating another round of RequestVote RPCs."
     */
    @Test
    void splitVoteStartsNewElectionInNextTermAfterAnotherTimeout() {
        CoreHarness h = node(1, 1, 2, 3, 4, 5);
        h.campaign();
        h.core.step(vote(2, 1, 1, true));
        h.core.step(vote(3, 1, 1, false));
        h.core.step(vote(4, 1, 1, false)); // 5 is silent: 2 for, 2 against, no majority either way
        assertThat(h.core.role()).isEqualTo(Role.CANDIDATE);

        int ticks = h.ticksUntilElection();

        assertThat(ticks).isBetween(E, 2 * E - 1);
        assertThat(h.core.role()).isEqualTo(Role.CANDIDATE);
        assertThat(h.core.term()).isEqualTo(2);
        assertThat(h.core.votedFor()).isEqualTo(1);
        Turn turn = h.drain();
        assertThat(turn.mustSync()).isTrue();
        assertThat(turn.hardState()).isEqualTo(new HardState(2, 1, 0));
        assertThat(turn.messagesAfterPersist()).containsExactly(requestVote(1, 2, 2, 0, 0),
                requestVote(1, 3, 2, 0, 0), requestVote(1, 4, 2, 0, 0), requestVote(1, 5, 2, 0, 0));
    }

    /**
     * Reference: Raft paper §5.2 (a candidate "continues in this state until ... another server establishes itself
     * as leader"): once a majority has denied it, no leader can come out of this candidacy, so the candidate
     * returns to follower, keeping its term and its vote for itself.
     */
    @Test
    void majorityOfRejectionsMakesCandidateFollower() {
        CoreHarness h = node(1, 1, 2, 3);
        h.campaign();

        h.core.step(vote(2, 1, 1, false));
        assertThat(h.core.role()).isEqualTo(Role.CANDIDATE);
        h.core.step(vote(3, 1, 1, false));

        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.term()).isEqualTo(1);
        assertThat(h.core.votedFor()).isEqualTo(1);
        assertThat(h.core.leaderId()).isZero();
    }

    /**
     * Reference: Raft paper §5.2: "Each server will vote for at most one candidate in a given term, on a
     * first-come-first-served basis"; Figure 2, RequestVote receiver 2: "If votedFor is null or candidateId ...
     * grant vote", so a candidate asking again (a retransmission) gets the same answer.
     */
    @Test
    void serverVotesForAtMostOneCandidatePerTerm() {
        CoreHarness h = node(1, 1, 2, 3);

        Turn first = h.deliver(requestVote(2, 1, 1, 0, 0));
        Turn second = h.deliver(requestVote(3, 1, 1, 0, 0));
        Turn again = h.deliver(requestVote(2, 1, 1, 0, 0));

        assertThat(first.messagesAfterPersist()).containsExactly(vote(1, 2, 1, true));
        assertThat(second.messagesAfterPersist()).containsExactly(vote(1, 3, 1, false));
        assertThat(again.messagesAfterPersist()).containsExactly(vote(1, 2, 1, true));
        assertThat(h.core.votedFor()).isEqualTo(2);
        assertThat(h.store.hardState()).isEqualTo(new HardState(1, 2, 0));
    }

    /**
     * Reference: Raft paper Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC
     * from current leader or granting vote to candidate: convert to candidate". Granting a vote restarts the
     * timeout: one tick before the node would have campaigned, a granted vote keeps it a follower for at least
     * another electionTicks.
     */
    @Test
    void grantingVoteResetsElectionTimer() {
        int timeout = twinTimeout(new HardState(1, 0, 0));
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0)), 1);
        h.tick(timeout - 1);

        Turn turn = h.deliver(requestVote(2, 1, 1, 0, 0));
        assertThat(turn.messagesAfterPersist()).containsExactly(vote(1, 2, 1, true));
        h.tick(E - 1);

        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.term()).isEqualTo(1);
        assertThat(h.ticksUntilElection()).isBetween(1, E);
    }

    /**
     * Reference: Raft paper Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC
     * from current leader or granting vote to candidate: convert to candidate". Only a granted vote restarts the
     * timeout; a denied one (here: already voted in this term) does not.
     */
    @Test
    void deniedVoteDoesNotResetElectionTimer() {
        int timeout = twinTimeout(new HardState(1, 3, 0));
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 3, 0)), 1);
        h.tick(timeout - 1);

        Turn turn = h.deliver(requestVote(2, 1, 1, 0, 0));
        assertThat(turn.messagesAfterPersist()).containsExactly(vote(1, 2, 1, false));
        h.tick(1);

        assertThat(h.core.role()).isEqualTo(Role.CANDIDATE);
        assertThat(h.core.term()).isEqualTo(2);
    }

    /**
     * Reference: Raft paper §5.2: "A server remains in follower state as long as it receives valid RPCs from a
     * leader or candidate. Leaders send periodic heartbeats ... to all followers in order to maintain their
     * authority." A heartbeat of the current term one tick before the timeout keeps the follower a follower for at
     * least another electionTicks.
     */
    @Test
    void followerResetsElectionTimerOnAppendEntriesFromLeader() {
        int timeout = twinTimeout(new HardState(1, 0, 0));
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0)), 1);
        h.tick(timeout - 1);

        h.deliver(heartbeat(2, 1, 1, 0, 0, 0));
        h.tick(E - 1);

        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.leaderId()).isEqualTo(2);
        assertThat(h.ticksUntilElection()).isBetween(1, E);
    }

    /** The election timeout node 1 of {1, 2, 3} with seed 1 and this hard state would draw first. */
    private static int twinTimeout(HardState hs) {
        int timeout = new CoreHarness(config(1, 1, 2, 3), store(hs), 1).ticksUntilElection();
        assertThat(timeout).isBetween(E, 2 * E - 1);
        return timeout;
    }

    /**
     * Reference: Raft paper §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries)
     * to all followers in order to maintain their authority." A leader has no election timeout. A heartbeat to an
     * up-to-date follower is anchored at its matchIndex and carries the commit index.
     */
    @Test
    void leaderSendsHeartbeatsEveryHeartbeatTicksAndNeverCampaigns() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3).withTicks(E, 3), new InMemoryLogStore(), 1);
        h.becomeLeaderWithCommittedNoop();
        long term = h.core.term();

        List<Integer> heartbeatTicks = new ArrayList<>();
        for (int t = 1; t <= 3 * E; t++) {
            h.tick(1);
            Turn turn = h.drain();
            if (!turn.sent().isEmpty()) {
                heartbeatTicks.add(t);
                assertThat(turn.sent()).containsExactly(heartbeat(1, 2, term, 1, term, 1), heartbeat(1, 3, term, 1, term, 1));
            }
        }

        assertThat(heartbeatTicks).containsExactly(3, 6, 9, 12, 15, 18, 21, 24, 27, 30);
        assertThat(h.core.role()).isEqualTo(Role.LEADER);
        assertThat(h.core.term()).isEqualTo(term);
    }

    /**
     * Reference: Raft paper §5.2 (heartbeats are "AppendEntries RPCs that carry no log entries") and Figure 2,
     * AppendEntries receiver 2: a heartbeat must pass the consistency check even if it overtakes appends still in
     * flight, so to a follower in replicate state it is anchored at the follower's matchIndex, not at nextIndex - 1.
     * The follower accepts it before the in-flight entry arrives.
     */
    @Test
    void heartbeatToReplicatingFollowerIsAnchoredAtItsMatchIndex() {
        CoreHarness h = node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();
        h.core.propose(List.of(Payload.ofUtf8("x")));
        assertThat(h.drain().messages()).hasSize(2); // x is in flight to 2 and 3: nextIndex 3, matchIndex 1

        h.tick(1);
        Turn turn = h.drain();

        assertThat(turn.messages()).containsExactly(heartbeat(1, 2, 1, 1, 1, 1), heartbeat(1, 3, 1, 1, 1, 1));
        InMemoryLogStore holdsNoop = new InMemoryLogStore();
        holdsNoop.append(List.of(Entry.noop(1, 1)));
        holdsNoop.saveHardState(new HardState(1, 0, 1));
        CoreHarness follower = new CoreHarness(config(2, 1, 2, 3), holdsNoop, 2);
        assertThat(follower.deliver(turn.messages().get(0)).messagesAfterPersist()).containsExactly(ack(2, 1, 1, 1));
    }

    // ================================================================ §5.3 Log replication

    /**
     * Reference: Raft paper §5.3: "The leader appends the command to its log as a new entry, then issues
     * AppendEntries RPCs in parallel to each of the other servers to replicate the entry." The entry is not
     * committed yet.
     */
    @Test
    void leaderAppendsProposalToItsLogAndSendsItToFollowers() {
        CoreHarness h = node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();

        ProposeResult result = h.core.propose(List.of(Payload.ofUtf8("x")));

        assertThat(result).isEqualTo(new ProposeResult.Accepted(2, 2, 1));
        Entry x = Entry.command(2, 1, Payload.ofUtf8("x"));
        Ready rd = h.core.ready();
        assertThat(rd.entries()).containsExactly(x);
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messages()).containsExactly(append(1, 2, 1, 1, 1, 1, List.of(x)), append(1, 3, 1, 1, 1, 1, List.of(x)));
        assertThat(h.core.commitIndex()).isEqualTo(1);
    }

    /**
     * Reference: Raft paper §5.3: "If followers crash or run slowly, or if network packets are lost, the leader
     * retries AppendEntries RPCs indefinitely ... until all followers eventually store all log entries." A
     * follower that never answered gets an AppendEntries at every heartbeat — empty, anchored at its match index,
     * while it stays silent (so a dead follower costs no log reads or queued entries; etcd does the same), and the
     * entries from its nextIndex as soon as it answers.
     */
    @Test
    void leaderRetriesAppendEntriesToSilentFollowerOnEveryHeartbeat() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3).withTicks(E, 2), new InMemoryLogStore(), 1);
        Turn won = h.becomeLeader();
        List<Entry> noop = List.of(Entry.noop(1, 1));
        assertThat(won.messages()).containsExactly(append(1, 2, 1, 0, 0, 0, noop), append(1, 3, 1, 0, 0, 0, noop));

        for (int round = 0; round < 5; round++) {
            h.tick(1);
            assertThat(h.drain().sent()).isEmpty();
            h.tick(1);
            assertThat(h.drain().messages()).containsExactly(heartbeat(1, 2, 1, 0, 0, 0), heartbeat(1, 3, 1, 0, 0, 0));
        }
        h.core.step(AppendResponse.reject(GROUP, 2, 1, 1, 0, 0, 0)); // follower 2 answers, whatever it says
        h.tick(2);
        assertThat(h.drain().messages()).contains(append(1, 2, 1, 0, 0, 0, noop));
    }

    /**
     * Reference: Raft paper §5.3: "When sending an AppendEntries RPC, the leader includes the index and term of
     * the entry in its log that immediately precedes the new entries. If the follower does not find an entry in
     * its log with the same index and term, then it refuses the new entries"; Figure 2, AppendEntries receiver 2.
     * A refusal carries the hint of §5.3's optimization (the last index whose term is at most prevLogTerm); the
     * log is left alone. Follower log: 1@1 2@2. Like etcd's TestFollowerCheckMsgApp.
     */
    @ParameterizedTest(name = "prevLogIndex {0}, prevLogTerm {1}: success {2}")
    @CsvSource({
            // prevIndex, prevTerm, success, matchIndex, rejectedIndex, hintIndex, hintTerm
            "0, 0, true, 0, 0, 0, 0",
            "1, 1, true, 1, 0, 0, 0",
            "2, 2, true, 2, 0, 0, 0",
            "1, 2, false, 0, 1, 1, 1",
            "2, 1, false, 0, 2, 1, 1",
            "3, 2, false, 0, 3, 2, 2",
            "5, 1, false, 0, 5, 1, 1",
    })
    void followerRejectsAppendEntriesFailingConsistencyCheck(long prevIndex, long prevTerm, boolean success,
                                                            long matchIndex, long rejectedIndex, long hintIndex,
                                                            long hintTerm) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(2, 0, 0), 1, 2), 1);

        Turn turn = h.deliver(append(2, 1, 2, prevIndex, prevTerm, 0, entries(prevIndex + 1, 2)));

        if (success) {
            assertThat(turn.messagesAfterPersist()).containsExactly(ack(1, 2, 2, prevIndex + 1));
        } else {
            assertThat(turn.messagesAfterPersist()).containsExactly(
                    new AppendResponse(GROUP, 1, 2, 2, false, matchIndex, rejectedIndex, hintIndex, hintTerm));
            assertThat(turn.persisted()).isEmpty();
            assertThat(h.storedLog()).isEqualTo(entries(1, 1, 2));
        }
    }

    static Stream<Arguments> conflictingAppends() {
        return Stream.of(
                // prevIndex, prevTerm, entries' terms from prevIndex+1, expected log terms, expected persisted from
                Arguments.of(2, 2, new long[]{3}, new long[]{1, 2, 3}, 3),
                Arguments.of(1, 1, new long[]{3, 4}, new long[]{1, 3, 4}, 2),
                Arguments.of(0, 0, new long[]{1}, new long[]{1, 2}, 0),
                Arguments.of(0, 0, new long[]{3}, new long[]{3}, 1),
                Arguments.of(0, 0, new long[]{1, 3, 3, 4}, new long[]{1, 3, 3, 4}, 2));
    }

    /**
     * Reference: Raft paper §5.3: "the leader handles inconsistencies by forcing the followers' logs to duplicate
     * its own. This means that conflicting entries in follower logs will be overwritten with entries from the
     * leader's log"; Figure 2, AppendEntries receiver 3 and 4: "If an existing entry conflicts with a new one
     * (same index but different terms), delete the existing entry and all that follow it. Append any new entries
     * not already in the log." Follower log: 1@1 2@2, nothing committed. Like etcd's TestFollowerAppendEntries.
     */
    @ParameterizedTest(name = "after ({0}, {1}) append terms {2}")
    @MethodSource("conflictingAppends")
    void followerDeletesConflictingSuffixAndAppendsLeaderEntries(long prevIndex, long prevTerm, long[] terms,
                                                                long[] expectedTerms, long firstPersisted) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(2, 0, 0), 1, 2), 1);

        Turn turn = h.deliver(append(2, 1, 4, prevIndex, prevTerm, 0, entries(prevIndex + 1, terms)));

        assertThat(turn.messagesAfterPersist()).containsExactly(ack(1, 2, 4, prevIndex + terms.length));
        assertThat(h.log()).isEqualTo(entries(1, expectedTerms));
        assertThat(h.storedLog()).isEqualTo(entries(1, expectedTerms));
        if (firstPersisted == 0) {
            assertThat(turn.persisted()).isEmpty();
        } else {
            assertThat(turn.persisted()).first().extracting(Entry::index).isEqualTo(firstPersisted);
        }
    }

    static Stream<Arguments> staleAppends() {
        return Stream.of(
                Arguments.of(0, 0, new long[]{1}),
                Arguments.of(0, 0, new long[]{1, 1}),
                Arguments.of(1, 1, new long[]{1}),
                Arguments.of(1, 1, new long[]{1, 1}),
                Arguments.of(2, 1, new long[]{}),
                Arguments.of(0, 0, new long[]{}));
    }

    /**
     * Reference: Raft paper Figure 2, AppendEntries receiver 3: only an entry that "conflicts with a new one (same
     * index but different terms)" is deleted; thesis §3.5: "the follower must not truncate its log" when it
     * receives a delayed or duplicated AppendEntries whose entries it already has. Follower log: 1@1 2@1 3@1.
     */
    @ParameterizedTest(name = "after ({0}, {1}) terms {2}")
    @MethodSource("staleAppends")
    void staleOrDuplicatedAppendEntriesNeverTruncatesMatchingEntries(long prevIndex, long prevTerm, long[] terms) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1, 1, 1), 1);

        Turn turn = h.deliver(append(2, 1, 1, prevIndex, prevTerm, 0, entries(prevIndex + 1, terms)));

        assertThat(turn.messagesAfterPersist()).containsExactly(ack(1, 2, 1, prevIndex + terms.length));
        assertThat(turn.persisted()).isEmpty();
        assertThat(h.log()).isEqualTo(entries(1, 1, 1, 1));
        assertThat(h.storedLog()).isEqualTo(entries(1, 1, 1, 1));
    }

    /**
     * Reference: Raft paper Figure 2, AppendEntries receiver 5: "If leaderCommit &gt; commitIndex, set commitIndex
     * = min(leaderCommit, index of last new entry)". Entries the follower holds beyond the last new one may still
     * be replaced, so they are not committed. Follower log: 1@1 2@1 3@1, nothing committed.
     */
    @ParameterizedTest(name = "after ({0}, {1}) terms {2}, leaderCommit {3} -> commitIndex {4}")
    @CsvSource({
            "1, 1, 1,   3, 2",
            "0, 0, '',  3, 0",
            "3, 1, 1,   2, 2",
            "3, 1, 1,   4, 4",
            "3, 1, '',  3, 3",
            "2, 1, '',  3, 2",
            "0, 0, 1 1, 1, 1",
    })
    void followerCommitIndexIsMinOfLeaderCommitAndLastNewEntry(long prevIndex, long prevTerm, String terms,
                                                              long leaderCommit, long expectedCommit) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1, 1, 1), 1);
        long[] ts = terms.isBlank() ? new long[0]
                : Stream.of(terms.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();

        Turn turn = h.deliver(append(2, 1, 1, prevIndex, prevTerm, leaderCommit, entries(prevIndex + 1, ts)));

        assertThat(h.core.commitIndex()).isEqualTo(expectedCommit);
        assertThat(h.store.hardState().commit()).isEqualTo(expectedCommit);
        assertThat(turn.committed()).extracting(Entry::index)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, expectedCommit).boxed().toList());
    }

    /** The leader's log in the paper's Figure 7 (terms of entries 1..10). */
    private static final long[] FIGURE7_LEADER = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

    static Stream<Arguments> figure7Followers() {
        return Stream.of(
                Arguments.of("a", new long[]{1, 1, 1, 4, 4, 5, 5, 6, 6}),
                Arguments.of("b", new long[]{1, 1, 1, 4}),
                Arguments.of("c", new long[]{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}),
                Arguments.of("d", new long[]{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}),
                Arguments.of("e", new long[]{1, 1, 1, 4, 4, 4, 4}),
                Arguments.of("f", new long[]{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}));
    }

    /**
     * Reference: Raft paper §5.3 and Figure 7: "the leader handles inconsistencies by forcing the followers' logs
     * to duplicate its own ... To bring a follower's log into consistency with its own, the leader must find the
     * latest log entry where the two logs agree, delete any entries in the follower's log after that point, and
     * send the follower all of the leader's entries after that point." Each follower (a)-(f) of Figure 7 ends with
     * the leader's log, the leader's term-8 no-op and one proposal, all committed. Like etcd's
     * TestLeaderSyncFollowerLog.
     */
    @ParameterizedTest(name = "Figure 7 ({0})")
    @MethodSource("figure7Followers")
    void leaderBringsFollowerLogIntoLineWithItsOwn(String name, long[] followerTerms) {
        CoreHarness leader = new CoreHarness(config(1, 1, 2, 3), store(new HardState(7, 0, 10), FIGURE7_LEADER), 1);
        CoreHarness follower = new CoreHarness(config(2, 1, 2, 3), store(new HardState(7, 0, 0), followerTerms), 2);
        leader.campaign(); // term 8; its RequestVotes are lost, node 3 votes for it
        leader.core.step(vote(3, 1, 8, true));
        assertThat(leader.core.role()).isEqualTo(Role.LEADER);

        exchangeUntilQuiet(leader, follower);
        leader.core.propose(List.of(Payload.ofUtf8("after sync")));
        exchangeUntilQuiet(leader, follower);

        List<Entry> expected = new ArrayList<>(entries(1, FIGURE7_LEADER));
        expected.add(Entry.noop(11, 8));
        expected.add(Entry.command(12, 8, Payload.ofUtf8("after sync")));
        assertThat(leader.storedLog()).isEqualTo(expected);
        assertThat(follower.storedLog()).isEqualTo(expected);
        assertThat(follower.log()).isEqualTo(expected);
        assertThat(leader.core.commitIndex()).isEqualTo(12);
        assertThat(follower.core.commitIndex()).isEqualTo(12);
        assertThat(follower.core.term()).isEqualTo(8);
        assertThat(follower.core.leaderId()).isEqualTo(1);
    }

    /**
     * Reference: Raft paper §5.1 ("The leader handles all client requests (if a client contacts a follower, the
     * follower redirects it to the leader)") and §8 ("If the client's first choice is not the leader, that server
     * will reject the client's request and supply information about the most recent leader it has heard from").
     * Nothing is appended; the leader is named, or 0 when the node knows none.
     */
    @Test
    void proposalOnNonLeaderReturnsNotLeaderNamingKnownLeader() {
        List<Payload> x = List.of(Payload.ofUtf8("x"));
        CoreHarness follower = node(1, 1, 2, 3);
        assertThat(follower.core.propose(x)).isEqualTo(new ProposeResult.NotLeader(0));

        follower.deliver(heartbeat(2, 1, 1, 0, 0, 0));
        assertThat(follower.core.propose(x)).isEqualTo(new ProposeResult.NotLeader(2));

        CoreHarness candidate = node(1, 1, 2, 3);
        candidate.campaign();
        assertThat(candidate.core.propose(x)).isEqualTo(new ProposeResult.NotLeader(0));

        assertThat(follower.core.lastIndex()).isZero();
        assertThat(candidate.core.lastIndex()).isZero();
        assertThat(follower.core.hasReady()).isFalse();
        assertThat(candidate.core.hasReady()).isFalse();
    }

    /**
     * Reference: Raft paper §5.3: "A log entry is committed once the leader that created the entry has replicated
     * it on a majority of the servers"; thesis §10.2.1: the leader may write its log in parallel with sending, and
     * "the leader may even commit an entry before it has been written to its own disk, if a majority of followers
     * have written it" — but it counts itself only once its own write is acknowledged. In a single-node cluster
     * the leader alone is the majority, so nothing commits before {@code advance} of the Ready that persisted it.
     */
    @Test
    void singleNodeLeaderCommitsOnlyWhatItsOwnPersistAcknowledged() {
        CoreHarness h = node(1, 1);
        h.ticksUntilElection();
        assertThat(h.core.role()).isEqualTo(Role.LEADER);

        Ready withNoop = h.core.ready();
        assertThat(withNoop.entries()).containsExactly(Entry.noop(1, 1));
        assertThat(h.core.commitIndex()).isZero();
        h.store.save(withNoop.hardState(), withNoop.entries(), withNoop.mustSync());
        h.core.advance(withNoop);
        assertThat(h.core.commitIndex()).isEqualTo(1);
        assertThat(h.drain().committed()).containsExactly(Entry.noop(1, 1));

        h.core.propose(List.of(Payload.ofUtf8("x")));
        Ready withX = h.core.ready();
        assertThat(withX.committed()).isEmpty();
        assertThat(h.core.commitIndex()).isEqualTo(1);
        h.store.save(withX.hardState(), withX.entries(), withX.mustSync());
        h.core.advance(withX);
        assertThat(h.core.commitIndex()).isEqualTo(2);
        Turn applied = h.drain();
        assertThat(applied.committed()).containsExactly(Entry.command(2, 1, Payload.ofUtf8("x")));
        assertThat(applied.hardState().commit()).isEqualTo(2);
    }

    /**
     * Reference: Raft paper §5.3: "A log entry is committed once the leader that created the entry has replicated
     * it on a majority of the servers"; thesis §10.2.1 (the leader counts itself once its own write is done). In
     * three nodes the leader's persisted copy plus one follower's acknowledgement commit, in either order; either
     * alone does not.
     */
    @ParameterizedTest(name = "follower acknowledges before leader persists: {0}")
    @ValueSource(booleans = {true, false})
    void entryIsCommittedOnceLeaderAndOneFollowerOfThreeStoreIt(boolean ackBeforePersist) {
        CoreHarness h = node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();
        h.core.propose(List.of(Payload.ofUtf8("x")));
        Ready rd = h.core.ready();
        assertThat(rd.messages()).hasSize(2); // sent at once, before the leader's write

        if (ackBeforePersist) {
            h.core.step(ack(2, 1, 1, 2));
            assertThat(h.core.commitIndex()).as("one follower, leader not yet persisted").isEqualTo(1);
            h.store.save(rd.hardState(), rd.entries(), rd.mustSync());
            h.core.advance(rd);
        } else {
            h.store.save(rd.hardState(), rd.entries(), rd.mustSync());
            h.core.advance(rd);
            assertThat(h.core.commitIndex()).as("leader alone").isEqualTo(1);
            h.core.step(ack(2, 1, 1, 2));
        }

        assertThat(h.core.commitIndex()).isEqualTo(2);
        Turn turn = h.drain();
        assertThat(turn.committed()).containsExactly(Entry.command(2, 1, Payload.ofUtf8("x")));
        assertThat(turn.messages()).contains(heartbeat(1, 2, 1, 2, 1, 2)); // the new commit index goes out
    }

    // ================================================================ §5.4 Safety

    /**
     * Reference: Raft paper §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
     * candidate ... If the logs have last entries with different terms, then the log with the later term is more
     * up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date." Voter's
     * log ends at index 2, term 2. Like etcd's TestVoter.
     */
    @ParameterizedTest(name = "candidate lastLogTerm {0}, lastLogIndex {1}: granted {2}")
    @CsvSource({
            "1, 1, false", // lower term, shorter
            "1, 2, false", // lower term, same length
            "1, 3, false", // lower term, longer
            "2, 1, false", // same term, shorter
            "2, 2, true",  // same term, same length
            "2, 3, true",  // same term, longer
            "3, 1, true",  // higher term, shorter
            "3, 2, true",  // higher term, same length
            "3, 3, true",  // higher term, longer
    })
    void voteIsGrantedOnlyIfCandidateLogIsAtLeastAsUpToDate(long lastLogTerm, long lastLogIndex, boolean granted) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(2, 0, 0), 1, 2), 1);

        Turn turn = h.deliver(requestVote(2, 1, 3, lastLogIndex, lastLogTerm));

        assertThat(turn.messagesAfterPersist()).containsExactly(vote(1, 2, 3, granted));
        assertThat(h.core.votedFor()).isEqualTo(granted ? 2 : 0);
        assertThat(h.store.hardState()).isEqualTo(new HardState(3, granted ? 2 : 0, 0));
    }

    /**
     * Reference: Raft paper §5.4.2 and Figure 8: "Raft never commits log entries from previous terms by counting
     * replicas. Only log entries from the leader's current term are committed by counting replicas; once an entry
     * from the current term has been committed in this way, then all prior entries are committed indirectly".
     * As in Figure 8 (c)-(e), five servers: the term-4 leader S1 holds 2@2, which reaches a majority (S1, S2, S3)
     * but stays uncommitted; once S1's own term-4 entry (the no-op at 3) reaches a majority, both commit.
     */
    @Test
    void figure8_leaderDoesNotCommitEntryOfOlderTermByCountingReplicas() {
        CoreHarness h = figure8Leader(BrokenRule.NONE);
        assertThat(h.log()).isEqualTo(List.of(entry(1, 1), entry(2, 2), Entry.noop(3, 4)));

        h.deliver(ack(2, 1, 4, 2));
        h.deliver(ack(3, 1, 4, 2));
        assertThat(h.core.commitIndex()).as("2@2 is on S1, S2, S3 but is of term 2").isEqualTo(1);

        h.deliver(ack(2, 1, 4, 3));
        assertThat(h.core.commitIndex()).as("3@4 is on S1, S2 only").isEqualTo(1);
        Turn turn = h.deliver(ack(3, 1, 4, 3));

        assertThat(h.core.commitIndex()).isEqualTo(3);
        assertThat(turn.committed()).containsExactly(entry(2, 2), Entry.noop(3, 4));
    }

    /**
     * The check above can fail: with {@link BrokenRule#COMMIT_PREVIOUS_TERM_BY_COUNTING} (and so, as in Figure 8,
     * no no-op), the same acknowledgements commit 2@2 by counting replicas — the entry that S5 could still
     * overwrite in Figure 8 (d).
     */
    @Test
    void figure8_withTheRuleBrokenTheOlderTermEntryIsCommittedByCountingReplicas() {
        CoreHarness h = figure8Leader(BrokenRule.COMMIT_PREVIOUS_TERM_BY_COUNTING);
        assertThat(h.log()).isEqualTo(List.of(entry(1, 1), entry(2, 2)));

        h.deliver(ack(2, 1, 4, 2));
        Turn turn = h.deliver(ack(3, 1, 4, 2));

        assertThat(h.core.commitIndex()).isEqualTo(2);
        assertThat(turn.committed()).containsExactly(entry(2, 2));
    }

    /** S1 of five, log 1@1 2@2 with 1 committed, elected in term 4 by S2 and S3; everything persisted. */
    private static CoreHarness figure8Leader(BrokenRule rule) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3, 4, 5).withBrokenRule(rule),
                store(new HardState(3, 0, 1), 1, 2), 1);
        h.campaign();
        h.core.step(vote(2, 1, 4, true));
        h.core.step(vote(3, 1, 4, true));
        assertThat(h.core.role()).isEqualTo(Role.LEADER);
        h.drain();
        assertThat(h.core.commitIndex()).isEqualTo(1);
        return h;
    }

    /**
     * Reference: Raft paper §8: "Leader Completeness ... the leader must have the latest information on which
     * entries are committed ... Raft handles this by having each leader commit a blank no-op entry into the log at
     * the start of its term" (thesis §6.4). The no-op follows the leader's last entry, in its term.
     */
    @Test
    void newLeaderAppendsNoopEntryOfItsTerm() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(4, 0, 0), 1, 3), 1);

        Turn turn = h.becomeLeader();

        assertThat(h.core.term()).isEqualTo(5);
        assertThat(turn.persisted()).containsExactly(Entry.noop(3, 5));
        assertThat(h.storedLog()).isEqualTo(List.of(entry(1, 1), entry(2, 3), Entry.noop(3, 5)));
    }

    /**
     * Reference: Raft paper Figure 2, "Persistent state on all servers (Updated on stable storage before responding
     * to RPCs)": currentTerm and votedFor. A server restarted from its store after voting keeps its term and vote,
     * so it cannot vote for a second candidate in that term.
     */
    @Test
    void restartedServerRemembersTermAndVote() {
        CoreHarness before = node(1, 1, 2, 3);
        before.deliver(requestVote(2, 1, 5, 0, 0));

        CoreHarness after = new CoreHarness(before.config, before.store, 99);
        Turn turn = after.deliver(requestVote(3, 1, 5, 0, 0));

        assertThat(after.core.term()).isEqualTo(5);
        assertThat(after.core.votedFor()).isEqualTo(2);
        assertThat(turn.messagesAfterPersist()).containsExactly(vote(1, 3, 5, false));
    }

    // ================================================================ Persistence ordering (thesis §3.8)

    /**
     * Reference: thesis §3.8: "servers ... must persist their current term and vote before responding to RPCs".
     * The vote is in {@code messagesAfterPersist} of the Ready that saves it, with mustSync.
     */
    @Test
    void voteIsSentOnlyAfterItIsPersisted() {
        CoreHarness h = node(1, 1, 2, 3);
        h.core.step(requestVote(2, 1, 1, 0, 0));

        Ready rd = h.core.ready();

        assertThat(rd.hardState()).isEqualTo(new HardState(1, 2, 0));
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).containsExactly(vote(1, 2, 1, true));
    }

    /**
     * Reference: thesis §3.8: a follower must make new log entries durable before acknowledging them (the leader
     * counts the acknowledgement towards a commit). The acknowledgement is in {@code messagesAfterPersist} of the
     * Ready that persists the entries, with mustSync.
     */
    @Test
    void appendAcknowledgementIsSentOnlyAfterEntriesArePersisted() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0)), 1);
        h.core.step(append(2, 1, 1, 0, 0, 0, entries(1, 1)));

        Ready rd = h.core.ready();

        assertThat(rd.entries()).isEqualTo(entries(1, 1));
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).containsExactly(ack(1, 2, 1, 1));
    }

    /**
     * Reference: thesis §10.2.1: "the leader can write to its disk in parallel with replicating to the followers".
     * A leader's AppendEntries are in {@code messages()} of the Ready that persists the same entries.
     */
    @Test
    void leaderAppendEntriesMayLeaveBeforeLeaderPersists() {
        CoreHarness h = node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();
        h.core.propose(List.of(Payload.ofUtf8("x")));

        Ready rd = h.core.ready();

        assertThat(rd.entries()).hasSize(1);
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messages()).hasSize(2).allMatch(m -> m instanceof AppendEntries ae && ae.entries().equals(rd.entries()));
        assertThat(rd.messagesAfterPersist()).isEmpty();
    }

    /**
     * Reference: thesis §3.8 lists only the term, the vote and the log as state to persist before answering;
     * commitIndex is volatile (Figure 2), so a Ready that only moves the commit index saves it without a sync
     * (etcd's {@code MustSync}).
     */
    @Test
    void commitIndexChangeAloneNeedsNoSync() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1), 1);
        h.core.step(heartbeat(2, 1, 1, 1, 1, 1));

        Ready rd = h.core.ready();

        assertThat(rd.hardState()).isEqualTo(new HardState(1, 0, 1));
        assertThat(rd.entries()).isEmpty();
        assertThat(rd.mustSync()).isFalse();
        assertThat(rd.committed()).containsExactly(entry(1, 1));
        assertThat(rd.messagesAfterPersist()).containsExactly(ack(1, 2, 1, 1));
    }

    // ================================================================ The Ready discipline

    /** Only one Ready is out at a time (etcd's RawNode contract): a second {@code ready()} before advance throws. */
    @Test
    void readyTwiceWithoutAdvanceThrows() {
        CoreHarness h = node(1, 1, 2, 3);
        h.core.step(requestVote(2, 1, 1, 0, 0));
        Ready rd = h.core.ready();

        assertThatThrownBy(h.core::ready).isInstanceOf(IllegalStateException.class).hasMessageContaining("advance");
        assertThatThrownBy(() -> h.core.advance(new Ready(null, null, List.of(), List.of(), List.of(), List.of(), false, List.of())))
                .isInstanceOf(IllegalStateException.class);
        h.core.advance(rd);
        assertThat(h.core.hasReady()).isFalse();
    }

    /**
     * While a Ready is out, {@code hasReady()} is false even if inputs arrive; their effects wait for the next
     * Ready, which comes once the first is advanced.
     */
    @Test
    void hasReadyIsFalseWhileReadyIsOutstanding() {
        CoreHarness h = node(1, 1, 2, 3);
        h.core.step(requestVote(2, 1, 1, 0, 0));
        Ready first = h.core.ready();

        h.core.step(requestVote(3, 1, 2, 0, 0));
        assertThat(h.core.hasReady()).isFalse();
        h.store.save(first.hardState(), first.entries(), first.mustSync());
        h.core.advance(first);

        assertThat(h.core.hasReady()).isTrue();
        Turn next = h.handleReady();
        assertThat(next.hardState()).isEqualTo(new HardState(2, 3, 0));
        assertThat(next.messagesAfterPersist()).containsExactly(vote(1, 3, 2, true));
    }

    // ================================================================ Bad input

    static Stream<Arguments> misaddressed() {
        return Stream.of(
                Arguments.of("another group", new AppendEntries(GROUP + 1, 2, 1, 5, 0, 0, List.of(), 0)),
                Arguments.of("another recipient", heartbeat(2, 3, 5, 0, 0, 0)),
                Arguments.of("itself as sender", heartbeat(1, 1, 5, 0, 0, 0)),
                Arguments.of("term 0", heartbeat(2, 1, 0, 0, 0, 0)),
                Arguments.of("a misaddressed vote request", requestVote(2, 3, 5, 9, 9)));
    }

    /**
     * Bad input from outside never crashes a node or changes its state (STYLE.md): a message of another group,
     * for another node, or with term 0 is dropped and counted. (Messages from non-members are taken: this node's
     * membership may be older than the sender's.)
     */
    @ParameterizedTest(name = "from {0}")
    @MethodSource("misaddressed")
    void misaddressedMessageIsDroppedAndCounted(String what, Message m) {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3), store(new HardState(1, 0, 0), 1), 1);

        h.core.step(m);

        assertThat(h.core.droppedMessages()).isEqualTo(1);
        assertThat(h.core.term()).isEqualTo(1);
        assertThat(h.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.core.votedFor()).isZero();
        assertThat(h.core.leaderId()).isZero();
        assertThat(h.core.hasReady()).isFalse();
    }
}
