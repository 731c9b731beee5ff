package io.flotilla.raft.core;

import io.flotilla.raft.core.CoreHarness.Turn;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.TimeoutNow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.flotilla.raft.core.CoreHarness.GROUP;
import static io.flotilla.raft.core.CoreHarness.ack;
import static io.flotilla.raft.core.CoreHarness.config;
import static io.flotilla.raft.core.CoreHarness.entries;
import static io.flotilla.raft.core.CoreHarness.node;
import static io.flotilla.raft.core.CoreHarness.store;
import static io.flotilla.raft.core.CoreHarness.vote;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership changes one server at a time with learners (thesis §4.1–§4.2) and leadership transfer (§3.10) in the
 * pure core.
 */
class MembershipRulesTest {
    private static Membership voters(long... ids) {
        return Membership.ofVoters(java.util.stream.LongStream.of(ids).boxed().toList());
    }

    /** Leader 1 of {1,2,3} whose no-op is committed. */
    private static CoreHarness leader() {
        CoreHarness l = node(1, 1, 2, 3);
        l.becomeLeaderWithCommittedNoop();
        return l;
    }

    /** Every follower acknowledges the leader's whole log; returns the drained turn. */
    private static Turn ackAll(CoreHarness l, long... peers) {
        for (long p : peers) {
            l.core.step(ack(p, 1, l.core.term(), l.core.lastIndex()));
        }
        return l.drain();
    }

    private static ChangeResult.Refused refused(ChangeResult r) {
        assertThat(r).isInstanceOf(ChangeResult.Refused.class);
        return (ChangeResult.Refused) r;
    }

    @Test
    void aLearnerIsAddedByAConfigurationEntryThatTakesEffectWhenAppended() {
        CoreHarness l = leader();
        ChangeResult r = l.core.changeMembership(new MembershipChange.AddLearner(4, "node-4:7001"), null);
        assertThat(r).isInstanceOf(ChangeResult.Accepted.class);
        assertThat(l.core.membership().learners()).containsExactly(4L);
        assertThat(l.core.membership().addresses()).containsEntry(4L, "node-4:7001");
        assertThat(l.core.commitIndex()).as("in effect before it commits").isLessThan(l.core.lastIndex());
        Turn t = l.drain();
        assertThat(t.sent(AppendEntries.class)).extracting(AppendEntries::to).contains(4L);
        // The learner's acknowledgements do not count towards a majority.
        l.core.step(ack(4, 1, l.core.term(), l.core.lastIndex()));
        l.drain();
        assertThat(l.core.commitIndex()).isLessThan(l.core.lastIndex());
        ackAll(l, 2);
        assertThat(l.core.commitIndex()).isEqualTo(l.core.lastIndex());
    }

    @Test
    void onlyOneChangeAtATime() {
        CoreHarness l = leader();
        l.core.changeMembership(new MembershipChange.AddLearner(4, null), null);
        assertThat(refused(l.core.changeMembership(new MembershipChange.AddLearner(5, null), null)).reason())
                .contains("not committed yet").contains("one change at a time");
        ackAll(l, 2, 3);
        assertThat(l.core.changeMembership(new MembershipChange.AddLearner(5, null), null))
                .isInstanceOf(ChangeResult.Accepted.class);
    }

    @Test
    void aNewLeaderChangesNothingBeforeItHasCommittedAnEntryOfItsTerm() {
        CoreHarness l = node(1, 1, 2, 3);
        l.becomeLeader(); // its no-op is not committed yet
        assertThat(refused(l.core.changeMembership(new MembershipChange.AddLearner(4, null), null)).reason())
                .contains("not committed an entry of its term");
    }

    @Test
    void aChangeCanBeConditionalOnTheCurrentMembership() {
        CoreHarness l = leader();
        assertThat(refused(l.core.changeMembership(new MembershipChange.AddLearner(4, null), voters(1, 2))).reason())
                .contains("not the expected");
        assertThat(l.core.changeMembership(new MembershipChange.AddLearner(4, null), voters(1, 2, 3)))
                .isInstanceOf(ChangeResult.Accepted.class);
    }

    @Test
    void aChangeThatDoesNotApplyIsRefusedWithTheReasonNeverIgnored() {
        CoreHarness l = leader();
        long last = l.core.lastIndex();
        assertThat(refused(l.core.changeMembership(new MembershipChange.AddLearner(2, null), null)).reason())
                .contains("node 2 is already a voter");
        assertThat(refused(l.core.changeMembership(new MembershipChange.Promote(2), null)).reason())
                .contains("node 2 is not a learner");
        assertThat(refused(l.core.changeMembership(new MembershipChange.Remove(7), null)).reason())
                .contains("node 7 is not a member");
        assertThat(l.core.lastIndex()).as("nothing appended").isEqualTo(last);
    }

    @Test
    void aLearnerIsPromotedOnlyOnceItHasCaughtUp() {
        CoreHarness l = leader();
        l.core.changeMembership(new MembershipChange.AddLearner(4, null), null);
        ackAll(l, 2, 3);
        for (int i = 0; i < (int) CoreRaftLimits.PROMOTION_LAG + 5; i++) {
            l.core.propose(List.of(Payload.ofUtf8("c" + i)));
            l.drain();
        }
        ackAll(l, 2, 3);
        assertThat(refused(l.core.changeMembership(new MembershipChange.Promote(4), null)).reason())
                .contains("learner 4 has not caught up");
        l.core.step(ack(4, 1, l.core.term(), l.core.lastIndex()));
        l.drain();
        assertThat(l.core.changeMembership(new MembershipChange.Promote(4), null)).isInstanceOf(ChangeResult.Accepted.class);
        assertThat(l.core.membership().voters()).containsExactly(1L, 2L, 3L, 4L);
        // Four voters: a majority is three.
        ackAll(l, 2);
        assertThat(l.core.commitIndex()).isLessThan(l.core.lastIndex());
        ackAll(l, 3);
        assertThat(l.core.commitIndex()).isEqualTo(l.core.lastIndex());
    }

    /** A shorthand for the core's promotion bound. */
    private static final class CoreRaftLimits {
        static final long PROMOTION_LAG = RaftCore.MAX_PROMOTION_LAG;
    }

    @Test
    void aFollowerUsesAConfigurationOnceAppendedAndDropsItWithTheSuffixThatCarriedIt() {
        CoreHarness f = new CoreHarness(config(2, 1, 2, 3), store(new HardState(2, 0, 1), 1), 1);
        Entry change = Entry.config(2, 2, voters(1, 2, 3).withLearner(4, null));
        f.deliver(CoreHarness.append(1, 2, 2, 1, 1, 1, List.of(change)));
        assertThat(f.core.membership().learners()).as("in effect uncommitted").containsExactly(4L);
        // A new leader of term 3 replaces entry 2: the configuration it carried is gone.
        f.deliver(CoreHarness.append(3, 2, 3, 1, 1, 1, entries(2, 3)));
        assertThat(f.core.membership()).isEqualTo(voters(1, 2, 3));
    }

    @Test
    void aRestartedNodeTakesItsMembershipFromItsLogOverItsSnapshot() {
        InMemoryLogStore s = store(new HardState(3, 0, 5), 1, 1, 2, 2, 3);
        s.compact(3);
        Membership afterSnapshot = voters(1, 2, 3, 4);
        s.append(List.of(Entry.config(6, 3, afterSnapshot)));
        CoreHarness n = new CoreHarness(config(2, 1, 2, 3),
                s, new SnapshotMeta(4, 2, voters(1, 2, 3).withLearner(4, null), 1, 0), 1);
        assertThat(n.core.membership()).isEqualTo(afterSnapshot);
        assertThat(n.core.membershipAt(5)).isEqualTo(voters(1, 2, 3).withLearner(4, null));
    }

    @Test
    void anInstalledSnapshotBringsItsMembership() {
        CoreHarness f = new CoreHarness(config(2, 1, 2, 3), store(new HardState(3, 0, 0), 1), 1);
        Membership m = voters(1, 2, 3, 5);
        f.deliver(new InstallSnapshot(GROUP, 1, 2, 3, new SnapshotMeta(9, 3, m, 10, 1)));
        assertThat(f.core.membership()).isEqualTo(m);
    }

    @Test
    void aLearnerNeverCampaigns() {
        CoreHarness learner = new CoreHarness(config(4, 1, 2, 3), new InMemoryLogStore(), 1);
        learner.tick(50 * CoreHarness.ELECTION_TICKS);
        assertThat(learner.drain().sent(RequestVote.class)).isEmpty();
        assertThat(learner.core.term()).isZero();
    }

    @Test
    void aCandidateCountsOnlyTheVotesOfItsVoters() {
        CoreHarness c = new CoreHarness(config(1, 1, 2, 3).withElectionSafeguards(false, false),
                store(new HardState(1, 0, 0), 1), 1);
        c.campaign();
        c.core.step(vote(4, 1, c.core.term(), true)); // a learner's or stranger's vote
        assertThat(c.core.role()).isEqualTo(Role.CANDIDATE);
        c.core.step(vote(2, 1, c.core.term(), true));
        assertThat(c.core.role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aLeaderThatRemovesItselfDoesNotCountItselfAndStepsDownOnceTheChangeCommits() {
        CoreHarness l = leader();
        l.core.changeMembership(new MembershipChange.Remove(1), null);
        assertThat(l.core.membership().voters()).containsExactly(2L, 3L);
        ackAll(l, 2);
        assertThat(l.core.role()).as("one of the two remaining voters is not a majority").isEqualTo(Role.LEADER);
        ackAll(l, 3);
        assertThat(l.core.role()).isEqualTo(Role.FOLLOWER);
        l.tick(50 * CoreHarness.ELECTION_TICKS);
        assertThat(l.drain().sent(RequestVote.class)).as("a removed server never campaigns").isEmpty();
    }

    // ---------------------------------------------------------------- leadership transfer (thesis §3.10)

    @Test
    void transferToACaughtUpVoterSendsTimeoutNowAtOnceAndRefusesProposalsMeanwhile() {
        CoreHarness l = leader();
        assertThat(l.core.transferLeadership(2)).isInstanceOf(ChangeResult.Accepted.class);
        Turn t = l.drain();
        assertThat(t.sent(TimeoutNow.class)).singleElement().satisfies(m -> assertThat(m.to()).isEqualTo(2));
        assertThat(l.core.propose(List.of(Payload.ofUtf8("x")))).isEqualTo(new ProposeResult.NotLeader(0));
        assertThat(refused(l.core.changeMembership(new MembershipChange.AddLearner(4, null), null)).reason())
                .contains("transferred");
    }

    @Test
    void transferWaitsForTheTargetToCatchUp() {
        CoreHarness l = leader();
        l.core.propose(List.of(Payload.ofUtf8("x")));
        l.drain();
        ackAll(l, 3);
        l.core.transferLeadership(2);
        assertThat(l.drain().sent(TimeoutNow.class)).isEmpty();
        l.core.step(ack(2, 1, l.core.term(), l.core.lastIndex()));
        assertThat(l.drain().sent(TimeoutNow.class)).hasSize(1);
    }

    @Test
    void transferIsAbandonedAfterAnElectionTimeout() {
        CoreHarness l = leader();
        l.core.propose(List.of(Payload.ofUtf8("x")));
        l.drain();
        l.core.transferLeadership(2);
        l.tick(CoreHarness.ELECTION_TICKS);
        assertThat(l.core.leadTransferee()).isZero();
        assertThat(l.core.propose(List.of(Payload.ofUtf8("y")))).isInstanceOf(ProposeResult.Accepted.class);
    }

    @Test
    void transferToANonVoterOrToItselfIsRefused() {
        CoreHarness l = leader();
        assertThat(refused(l.core.transferLeadership(9)).reason()).contains("not a voter");
        assertThat(refused(l.core.transferLeadership(1)).reason()).contains("already the leader");
    }

    @Test
    void onTimeoutNowTheTargetCampaignsAtOnceAndVotersGrantDespiteTheirLeaderLease() {
        CoreHarness f = new CoreHarness(config(2, 1, 2, 3).withElectionSafeguards(true, true),
                store(new HardState(2, 0, 1), 1), 1);
        f.deliver(CoreHarness.heartbeat(1, 2, 2, 1, 1, 1));
        Turn t = f.deliver(new TimeoutNow(GROUP, 1, 2, 2));
        assertThat(f.core.role()).as("no PreVote: straight to candidate").isEqualTo(Role.CANDIDATE);
        assertThat(f.core.term()).isEqualTo(3);
        List<RequestVote> requests = t.sent(RequestVote.class);
        assertThat(requests).hasSize(2).allSatisfy(rv -> assertThat(rv.transfer()).isTrue());

        // Voter 3 heard from leader 1 just now (lease), yet grants a transfer vote.
        CoreHarness v = new CoreHarness(config(3, 1, 2, 3).withElectionSafeguards(true, true),
                store(new HardState(2, 0, 1), 1), 1);
        v.deliver(CoreHarness.heartbeat(1, 3, 2, 1, 1, 1));
        RequestVote toThree = requests.stream().filter(rv -> rv.to() == 3).findFirst().orElseThrow();
        assertThat(v.deliver(toThree).sent()).contains(vote(3, 2, 3, true));
        // Without the transfer flag the lease holds.
        CoreHarness w = new CoreHarness(config(3, 1, 2, 3).withElectionSafeguards(true, true),
                store(new HardState(2, 0, 1), 1), 1);
        w.deliver(CoreHarness.heartbeat(1, 3, 2, 1, 1, 1));
        w.core.step(new RequestVote(GROUP, 2, 3, 3, 1, 1));
        assertThat(w.core.term()).isEqualTo(2);
    }

    @Test
    void timeoutNowFromANodeThatIsNotTheLeaderIsIgnored() {
        CoreHarness f = new CoreHarness(config(2, 1, 2, 3), store(new HardState(2, 0, 1), 1), 1);
        f.deliver(CoreHarness.heartbeat(1, 2, 2, 1, 1, 1));
        f.deliver(new TimeoutNow(GROUP, 3, 2, 2));
        assertThat(f.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(f.core.term()).isEqualTo(2);
    }

    @Test
    void membershipsWithAddressesSurviveAsValues() {
        Membership m = new Membership(List.of(1L, 2L), List.of(3L), Map.of(3L, "h:1"));
        assertThat(m.promote(3).addresses()).containsEntry(3L, "h:1");
        assertThat(m.remove(3).addresses()).isEmpty();
    }
}
