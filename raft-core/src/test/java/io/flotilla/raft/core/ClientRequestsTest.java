package io.flotilla.raft.core;

import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.ForwardProposal;
import io.flotilla.raft.message.ForwardProposalResponse;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.ReadIndexResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.flotilla.raft.core.CoreHarness.GROUP;
import static io.flotilla.raft.core.CoreHarness.ack;
import static io.flotilla.raft.core.CoreHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

/** ReadIndex (thesis §6.4), forwarded proposals, and the core's back-pressure and flow-control limits. */
class ClientRequestsTest {
    private static List<Payload> command(int bytes) {
        return List.of(Payload.copyOf(new byte[bytes]));
    }

    /** Thesis §6.4 step 1: a new leader serves no read until an entry of its own term has committed. */
    @Test
    void readIndex_waitsForTheFirstCommitOfTheLeadersTerm() {
        CoreHarness h = CoreHarness.node(1, 1, 2, 3);
        h.becomeLeader();
        h.core.readIndex(77);
        assertThat(h.drain().sent(AppendEntries.class)).isEmpty();
        assertThat(h.core.hasReady()).isFalse();
        h.core.step(ack(2, 1, h.core.term(), h.core.lastIndex()));
        Ready rd = h.core.ready();
        assertThat(rd.outcomes()).isEmpty(); // the no-op committed; now leadership is confirmed by a new round
        assertThat(rd.messages()).filteredOn(m -> m instanceof AppendEntries ae && ae.seq() > 0).isNotEmpty();
        h.core.advance(rd);
    }

    /** Thesis §6.4 steps 2-3: the read index is the commit index, released only once a majority answers the round. */
    @Test
    void readIndex_isReleasedOnlyAfterAMajorityAnswersAHeartbeatSentAfterTheRequest() {
        CoreHarness h = CoreHarness.node(1, 1, 2, 3, 4, 5);
        h.becomeLeaderWithCommittedNoop();
        long commit = h.core.commitIndex();
        h.core.readIndex(9);
        Ready rd = h.core.ready();
        long seq = rd.messages().stream().map(m -> ((AppendEntries) m).seq()).max(Long::compare).orElseThrow();
        h.core.advance(rd);
        // An answer to an older round proves nothing about leadership after the request.
        h.core.step(new io.flotilla.raft.message.AppendResponse(GROUP, 2, 1, h.core.term(), true, commit, 0, 0, 0, seq - 1));
        h.core.step(new io.flotilla.raft.message.AppendResponse(GROUP, 3, 1, h.core.term(), true, commit, 0, 0, 0, seq));
        assertThat(h.drain()).isNotNull();
        assertThat(h.core.hasReady()).isFalse();
        h.core.step(new io.flotilla.raft.message.AppendResponse(GROUP, 4, 1, h.core.term(), true, commit, 0, 0, 0, seq));
        Ready released = h.core.ready();
        assertThat(released.outcomes()).containsExactly(new RequestOutcome.ReadIndexReady(9, commit));
        h.core.advance(released);
    }

    @Test
    void readIndex_onAFollowerAsksTheLeaderAndReportsItsAnswer() {
        CoreHarness h = CoreHarness.node(2, 1, 2, 3);
        h.deliver(CoreHarness.heartbeat(1, 2, 1, 0, 0, 0));
        h.core.readIndex(5);
        assertThat(h.drain().sent(ReadIndexRequest.class)).containsExactly(new ReadIndexRequest(GROUP, 2, 1, 1, 5));
        h.core.step(new ReadIndexResponse(GROUP, 1, 2, 1, 5, true, 3, 0));
        assertThat(h.core.ready().outcomes()).containsExactly(new RequestOutcome.ReadIndexReady(5, 3));
    }

    @Test
    void readIndex_withNoLeaderKnownFailsAtOnce() {
        CoreHarness h = CoreHarness.node(2, 1, 2, 3);
        h.core.readIndex(5);
        assertThat(h.core.ready().outcomes()).containsExactly(new RequestOutcome.ReadIndexFailed(5, 0));
    }

    @Test
    void readIndex_pendingOnALeaderThatStepsDownFails() {
        CoreHarness h = CoreHarness.node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();
        h.core.readIndex(8);
        h.drain();
        h.core.step(CoreHarness.heartbeat(2, 1, h.core.term() + 1, 0, 0, 0));
        assertThat(h.core.ready().outcomes()).containsExactly(new RequestOutcome.ReadIndexFailed(8, 2));
    }

    @Test
    void forwardedProposal_isAppendedOnceEvenIfTheNetworkDuplicatesIt() {
        CoreHarness h = CoreHarness.node(1, 1, 2, 3);
        h.becomeLeaderWithCommittedNoop();
        long last = h.core.lastIndex();
        ForwardProposal f = new ForwardProposal(GROUP, 2, 1, h.core.term(), 41, command(3));
        h.core.step(f);
        h.core.step(f);
        List<ForwardProposalResponse> answers = h.drain().sent(ForwardProposalResponse.class);
        assertThat(h.core.lastIndex()).isEqualTo(last + 1);
        assertThat(answers).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(ForwardProposalResponse.Outcome.APPENDED);
            assertThat(r.firstIndex()).isEqualTo(last + 1);
        });
    }

    @Test
    void forwardedProposal_fromAnotherTermIsRefusedWithoutAppending() {
        CoreHarness h = CoreHarness.node(1, 1, 2, 3);
        h.deliver(CoreHarness.heartbeat(2, 1, 1, 0, 0, 0)); // term 1 under node 2, so our leadership is in term 2
        h.becomeLeaderWithCommittedNoop();
        assertThat(h.core.term()).isEqualTo(2);
        long last = h.core.lastIndex();
        h.core.step(new ForwardProposal(GROUP, 2, 1, h.core.term() - 1, 1, command(3)));
        assertThat(h.drain().sent(ForwardProposalResponse.class)).singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(ForwardProposalResponse.Outcome.NOT_LEADER));
        assertThat(h.core.lastIndex()).isEqualTo(last);
    }

    @Test
    void backPressure_aLeaderRefusesProposalsBeyondItsUncommittedBytesUntilTheyCommit() {
        CoreHarness h = new CoreHarness(config(1, 1, 2, 3).withByteLimits(8L << 20, 1000), new InMemoryLogStore(), 1);
        h.becomeLeaderWithCommittedNoop();
        int accepted = 0;
        ProposeResult r;
        while ((r = h.core.propose(command(100))) instanceof ProposeResult.Accepted) {
            accepted++;
        }
        assertThat(r).isInstanceOf(ProposeResult.Overloaded.class);
        assertThat(accepted).isBetween(5, 10); // 1000 bytes of ~124-byte entries
        h.drain();
        h.core.step(ack(2, 1, h.core.term(), h.core.lastIndex()));
        h.drain();
        assertThat(h.core.commitIndex()).isEqualTo(h.core.lastIndex());
        assertThat(h.core.propose(command(100))).isInstanceOf(ProposeResult.Accepted.class);
    }

    @Test
    void flowControl_atMostMaxInflightAppendsAreUnacknowledgedPerFollower() {
        CoreHarness h = new CoreHarness(config(1, 1, 2).withReplicationLimits(1 << 20, 2), new InMemoryLogStore(), 1);
        h.becomeLeaderWithCommittedNoop();
        int sent = 0;
        for (int i = 0; i < 10; i++) {
            h.core.propose(command(10));
            sent += h.drain().sent(AppendEntries.class).stream().filter(ae -> !ae.entries().isEmpty()).count();
        }
        assertThat(sent).isEqualTo(2);
    }

    @Test
    void flowControl_inflightBytesAlsoPauseAFollower() {
        CoreHarness h = new CoreHarness(config(1, 1, 2).withReplicationLimits(1 << 20, 100).withByteLimits(300, 1 << 20),
                new InMemoryLogStore(), 1);
        h.becomeLeaderWithCommittedNoop();
        int sent = 0;
        for (int i = 0; i < 10; i++) {
            h.core.propose(command(200));
            sent += h.drain().sent(AppendEntries.class).stream().filter(ae -> !ae.entries().isEmpty()).count();
        }
        assertThat(sent).isEqualTo(2); // 224 bytes in flight < 300, then 448 >= 300: paused
    }
}
