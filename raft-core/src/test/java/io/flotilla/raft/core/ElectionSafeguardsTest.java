package io.flotilla.raft.core;

import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.VoteResponse;
import org.junit.jupiter.api.Test;

import static io.flotilla.raft.core.CoreHarness.GROUP;
import static io.flotilla.raft.core.CoreHarness.ack;
import static io.flotilla.raft.core.CoreHarness.config;
import static io.flotilla.raft.core.CoreHarness.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;

/** PreVote (thesis §9.6), CheckQuorum (thesis §6.2) and the leader lease they rely on (thesis §4.2.3). */
class ElectionSafeguardsTest {
    private static CoreHarness node(long id, boolean preVote, boolean checkQuorum, long... voters) {
        return new CoreHarness(config(id, voters).withElectionSafeguards(preVote, checkQuorum), new InMemoryLogStore(), id);
    }

    private static void tickUntilPreCandidate(CoreHarness h) {
        for (int i = 0; i < 2 * CoreHarness.ELECTION_TICKS && h.core.role() != Role.PRE_CANDIDATE; i++) {
            h.tick(1);
        }
        assertThat(h.core.role()).isEqualTo(Role.PRE_CANDIDATE);
    }

    /** Thesis §9.6: a node cut off from the others keeps its term, so it cannot depose the leader when it returns. */
    @Test
    void preVote_anIsolatedNodeDoesNotRaiseItsTerm() {
        CoreHarness withPreVote = node(3, true, true, 1, 2, 3);
        CoreHarness without = node(3, false, true, 1, 2, 3);
        for (int i = 0; i < 20 * CoreHarness.ELECTION_TICKS; i++) {
            withPreVote.tick(1);
            withPreVote.drain(); // its requests go nowhere
            without.tick(1);
            without.drain();
        }
        assertThat(withPreVote.core.term()).isZero();
        assertThat(withPreVote.core.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(without.core.term()).as("without PreVote every timeout raises the term").isGreaterThan(5);
    }

    @Test
    void preVote_requestsCarryTheNextTermAndChangeNothingOnTheVoter() {
        CoreHarness candidate = node(1, true, true, 1, 2, 3);
        tickUntilPreCandidate(candidate);
        assertThat(candidate.core.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(candidate.core.term()).isZero();
        RequestVote ask = candidate.drain().sent(RequestVote.class).get(0);
        assertThat(ask.preVote()).isTrue();
        assertThat(ask.term()).isEqualTo(1);

        CoreHarness voter = node(2, true, true, 1, 2, 3);
        VoteResponse answer = voter.deliver(ask).sent(VoteResponse.class).get(0);
        assertThat(answer).isEqualTo(new VoteResponse(GROUP, 2, 1, 1, true, true));
        assertThat(voter.core.term()).isZero();
        assertThat(voter.core.votedFor()).isZero();
    }

    @Test
    void preVote_aMajorityOfGrantsStartsTheRealElection() {
        CoreHarness candidate = node(1, true, true, 1, 2, 3);
        tickUntilPreCandidate(candidate);
        candidate.drain();
        candidate.core.step(new VoteResponse(GROUP, 2, 1, 1, true, true));
        assertThat(candidate.core.role()).isEqualTo(Role.CANDIDATE);
        assertThat(candidate.core.term()).isEqualTo(1);
        assertThat(candidate.drain().sent(RequestVote.class)).allSatisfy(rv -> {
            assertThat(rv.preVote()).isFalse();
            assertThat(rv.term()).isEqualTo(1);
        });
    }

    @Test
    void preVote_isRefusedToACandidateWhoseLogIsBehind() {
        CoreHarness voter = node(2, true, false, 1, 2, 3);
        voter.deliver(CoreHarness.append(1, 2, 1, 0, 0, 0, CoreHarness.entries(1, 1, 1)));
        VoteResponse answer = voter.deliver(new RequestVote(GROUP, 3, 2, 2, 1, 1, true)).sent(VoteResponse.class).get(0);
        assertThat(answer.granted()).isFalse();
        assertThat(voter.core.term()).isEqualTo(1);
    }

    /** Thesis §4.2.3: a server that heard from the leader within the election timeout disregards RequestVote. */
    @Test
    void leaderLease_aFollowerThatHeardFromItsLeaderIgnoresHigherTermVoteRequests() {
        CoreHarness follower = node(2, false, true, 1, 2, 3);
        follower.deliver(heartbeat(1, 2, 1, 0, 0, 0));
        assertThat(follower.deliver(new RequestVote(GROUP, 3, 2, 5, 9, 4)).sent()).isEmpty();
        assertThat(follower.core.term()).isEqualTo(1);
        assertThat(follower.core.droppedMessages()).isEqualTo(1);
        follower.tick(CoreHarness.ELECTION_TICKS); // the lease runs out
        assertThat(follower.deliver(new RequestVote(GROUP, 3, 2, 5, 9, 4)).sent(VoteResponse.class))
                .singleElement().satisfies(v -> assertThat(v.granted()).isTrue());
        assertThat(follower.core.term()).isEqualTo(5);
    }

    /**
     * Thesis §6.2: a leader that hears from no majority for an election timeout steps down — checked on every tick,
     * so it steps down one election timeout after it last heard from a majority, not up to two.
     */
    @Test
    void checkQuorum_aLeaderCutOffFromItsMajorityStepsDownWithinAnElectionTimeout() {
        CoreHarness leader = node(1, false, true, 1, 2, 3);
        leader.becomeLeaderWithCommittedNoop(); // the followers' last answers: now
        leader.tick(CoreHarness.ELECTION_TICKS - 1);
        leader.drain();
        assertThat(leader.core.role()).isEqualTo(Role.LEADER);
        leader.tick(1);
        assertThat(leader.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.core.leaderId()).isZero();
        assertThat(leader.core.propose(java.util.List.of(io.flotilla.raft.log.Payload.ofUtf8("x"))))
                .isEqualTo(new ProposeResult.NotLeader(0));
    }

    @Test
    void checkQuorum_aLeaderHearingFromOneFollowerOfThreeStaysLeader() {
        CoreHarness leader = node(1, false, true, 1, 2, 3);
        leader.becomeLeaderWithCommittedNoop();
        for (int window = 0; window < 5; window++) {
            for (int t = 0; t < CoreHarness.ELECTION_TICKS; t++) {
                leader.tick(1);
                leader.drain();
                leader.deliver(ack(2, 1, leader.core.term(), leader.core.lastIndex()));
            }
        }
        assertThat(leader.core.role()).isEqualTo(Role.LEADER);
    }

    @Test
    void withoutCheckQuorumALeaderStaysLeaderAlone() {
        CoreHarness leader = node(1, false, false, 1, 2, 3);
        leader.becomeLeaderWithCommittedNoop();
        leader.tick(10 * CoreHarness.ELECTION_TICKS);
        assertThat(leader.core.role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aNodeWithElectionsPausedNeitherCampaignsNorTakesOverButStillVotes() {
        CoreHarness paused = node(2, true, true, 1, 2, 3);
        paused.core.pauseElections(true);
        paused.tick(10 * CoreHarness.ELECTION_TICKS);
        assertThat(paused.drain().sent()).as("no PreVote or RequestVote while paused").isEmpty();
        assertThat(paused.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(paused.core.term()).isZero();
        // A leader's hand-over is ignored too: a node found unfit to lead must not take over.
        paused.deliver(heartbeat(1, 2, 1, 0, 0, 0));
        paused.deliver(new io.flotilla.raft.message.TimeoutNow(GROUP, 1, 2, 1));
        assertThat(paused.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(paused.core.term()).isEqualTo(1);
        // It still votes for a candidate (the lease has expired after an election timeout without the leader).
        paused.tick(CoreHarness.ELECTION_TICKS);
        assertThat(paused.deliver(new RequestVote(GROUP, 3, 2, 2, 0, 0)).sent())
                .contains(CoreHarness.vote(2, 3, 2, true));
        // Resumed, it campaigns again on its timeout.
        paused.core.pauseElections(false);
        tickUntilPreCandidate(paused);
    }

    /**
     * Figure 2: "If election timeout elapses without receiving AppendEntries RPC from current leader or granting vote
     * to candidate: convert to candidate". A vote request that is refused (the candidate's log is behind) raises
     * the term but does not restart the timer; otherwise two stale candidates campaigning in turn keep the only
     * server that could win from ever timing out (a livelock the simulator found, seed -402625554484528566).
     */
    @Test
    void aRefusedVoteRequestOfAHigherTermDoesNotRestartTheElectionTimer() {
        CoreHarness upToDate = new CoreHarness(config(1, 1, 2, 3).withElectionSafeguards(false, false),
                CoreHarness.store(new io.flotilla.raft.log.HardState(1, 0, 0), 1, 1), 1);
        upToDate.tick(CoreHarness.ELECTION_TICKS - 1); // the timeout is drawn from [ELECTION_TICKS, 2 x ELECTION_TICKS)
        upToDate.drain();
        assertThat(upToDate.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(upToDate.deliver(CoreHarness.requestVote(2, 1, 5, 0, 0)).sent())
                .as("refused: the candidate's log is behind").contains(CoreHarness.vote(1, 2, 5, false));
        assertThat(upToDate.core.term()).isEqualTo(5);
        assertThat(upToDate.ticksUntilElection()).as("ticks until it campaigns: the rest of its running timeout")
                .isLessThan(CoreHarness.ELECTION_TICKS);
        assertThat(upToDate.core.term()).isEqualTo(6);
    }

    /** The other half: a candidate that steps down on a higher term restarts its timer, so it does not campaign again
     *  at once and supersede the term of the (possibly up-to-date) candidate that deposed it (seed -4351241625491222507). */
    @Test
    void aCandidateSteppingDownOnAHigherTermRestartsItsElectionTimer() {
        CoreHarness candidate = new CoreHarness(config(2, 1, 2, 3).withElectionSafeguards(false, false),
                CoreHarness.store(new io.flotilla.raft.log.HardState(1, 0, 0), 1), 1);
        candidate.ticksUntilElection();
        candidate.drain();
        assertThat(candidate.core.role()).isEqualTo(Role.CANDIDATE);
        candidate.tick(CoreHarness.ELECTION_TICKS - 1); // its round's timer has run long
        candidate.drain();
        long term = candidate.core.term();
        assertThat(candidate.deliver(CoreHarness.requestVote(1, 2, term + 1, 0, 0)).sent())
                .as("refused: the requester's log is behind").contains(CoreHarness.vote(2, 1, term + 1, false));
        assertThat(candidate.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(candidate.ticksUntilElection()).as("a full timeout before it campaigns again")
                .isGreaterThanOrEqualTo(CoreHarness.ELECTION_TICKS);
    }
}
