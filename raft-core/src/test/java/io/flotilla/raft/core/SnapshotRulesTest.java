package io.flotilla.raft.core;

import io.flotilla.raft.core.CoreHarness.Turn;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.InstallSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.flotilla.raft.core.CoreHarness.GROUP;
import static io.flotilla.raft.core.CoreHarness.ack;
import static io.flotilla.raft.core.CoreHarness.config;
import static io.flotilla.raft.core.CoreHarness.entries;
import static io.flotilla.raft.core.CoreHarness.entry;
import static io.flotilla.raft.core.CoreHarness.heartbeat;
import static io.flotilla.raft.core.CoreHarness.node;
import static io.flotilla.raft.core.CoreHarness.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Log compaction and InstallSnapshot in the pure core: one test per rule of the paper's §7 and Figure 13, plus the
 * leader's side of a transfer (when it sends a snapshot, how it waits, how it resumes).
 */
class SnapshotRulesTest {
    private static SnapshotMeta meta(long index, long term) {
        return new SnapshotMeta(index, term, List.of(1L, 2L, 3L), 100, 42);
    }

    private static InstallSnapshot install(long from, long to, long term, SnapshotMeta meta) {
        return new InstallSnapshot(GROUP, from, to, term, meta);
    }

    /** Node 2, a follower of leader 1 in term {@code term}, whose log holds entries of {@code terms}. */
    private static CoreHarness follower(long term, long commit, long... terms) {
        return new CoreHarness(config(2, 1, 2, 3), store(new HardState(term, 0, commit), terms), 1);
    }

    // ---------------------------------------------------------------- receiver (Figure 13)

    @Test
    void rule1_installSnapshotOfAStaleTermIsRefusedWithTheCurrentTerm() {
        CoreHarness f = follower(5, 0, 1, 1);
        Turn t = f.deliver(install(1, 2, 4, meta(10, 4)));
        assertThat(t.sent(AppendResponse.class)).singleElement()
                .satisfies(r -> assertThat(r.success()).isFalse())
                .satisfies(r -> assertThat(r.term()).isEqualTo(5));
        assertThat(f.installedSnapshots).isEmpty();
        assertThat(f.core.lastIndex()).isEqualTo(2);
    }

    @Test
    void rule6_aLogHoldingTheSnapshotsLastEntryKeepsTheEntriesAfterIt() {
        CoreHarness f = follower(3, 1, 1, 1, 2, 3, 3); // entry 3 has term 2, as in the snapshot
        Turn t = f.deliver(install(1, 2, 3, meta(3, 2)));
        assertThat(f.installedSnapshots).as("no reset: the log already has the snapshot's entries").isEmpty();
        assertThat(f.core.lastIndex()).isEqualTo(5);
        assertThat(f.core.commitIndex()).isEqualTo(3);
        assertThat(t.committed()).extracting(e -> e.index()).containsExactly(1L, 2L, 3L); // applied from the log
        assertThat(t.messagesAfterPersist()).singleElement().isEqualTo(ack(2, 1, 3, 3));
    }

    @Test
    void rule6_withoutTheTermCheckAFollowerWouldCommitItsOwnConflictingEntry() {
        CoreHarness f = new CoreHarness(config(2, 1, 2, 3).withBrokenRule(BrokenRule.INSTALL_SNAPSHOT_WITHOUT_LOG_CHECK),
                store(new HardState(3, 0, 1), 1, 1, 1, 1), 1);
        f.deliver(install(1, 2, 3, meta(3, 2)));
        assertThat(f.core.commitIndex()).as("entry 3 of term 1 committed, though the snapshot's entry 3 has term 2")
                .isEqualTo(3);
        assertThat(f.installedSnapshots).isEmpty();
    }

    @Test
    void rules7and8_aConflictingLogIsDiscardedAndTheStateMachineResetFromTheSnapshot() {
        CoreHarness f = follower(3, 1, 1, 1, 1, 1); // entry 3 has term 1, the snapshot's has term 2
        Turn t = f.deliver(install(1, 2, 3, meta(6, 2)));
        assertThat(f.installedSnapshots).containsExactly(meta(6, 2));
        assertThat(f.store.firstIndex()).isEqualTo(7);
        assertThat(f.store.lastIndex()).isEqualTo(6);
        assertThat(f.core.commitIndex()).isEqualTo(6);
        assertThat(f.core.appliedIndex()).isEqualTo(6);
        assertThat(f.core.termAt(6)).isEqualTo(2);
        assertThat(f.core.snapshot()).isEqualTo(meta(6, 2));
        assertThat(t.committed()).as("nothing of the old log is applied").isEmpty();
        assertThat(t.mustSync()).isTrue();
        assertThat(t.messages()).isEmpty();
        assertThat(t.messagesAfterPersist()).as("answered only once the install is durable")
                .singleElement().isEqualTo(ack(2, 1, 3, 6));
        // The log goes on after the snapshot.
        Turn next = f.deliver(CoreHarness.append(1, 2, 3, 6, 2, 7, entries(7, 3)));
        assertThat(next.messagesAfterPersist()).singleElement().isEqualTo(ack(2, 1, 3, 7));
        assertThat(f.core.commitIndex()).isEqualTo(7);
        assertThat(next.committed()).containsExactly(entry(7, 3));
    }

    @Test
    void aSnapshotAtOrBelowTheCommitIndexChangesNothing() {
        CoreHarness f = follower(3, 4, 1, 1, 2, 3);
        Turn t = f.deliver(install(1, 2, 3, meta(3, 2)));
        assertThat(f.installedSnapshots).isEmpty();
        assertThat(f.core.lastIndex()).isEqualTo(4);
        assertThat(t.sent(AppendResponse.class)).singleElement().isEqualTo(ack(2, 1, 3, 4));
    }

    @Test
    void aCandidateThatHearsInstallSnapshotOfItsTermStepsDown() {
        CoreHarness f = follower(3, 0, 1);
        f.campaign();
        assertThat(f.core.role()).isEqualTo(Role.CANDIDATE);
        f.deliver(install(1, 2, f.core.term(), meta(5, 2)));
        assertThat(f.core.role()).isEqualTo(Role.FOLLOWER);
        assertThat(f.core.leaderId()).isEqualTo(1);
        assertThat(f.installedSnapshots).containsExactly(meta(5, 2));
    }

    @Test
    void aDuplicateInstallSnapshotIsHarmless() {
        CoreHarness f = follower(3, 1, 1, 1);
        f.deliver(install(1, 2, 3, meta(6, 2)));
        Turn dup = f.deliver(install(1, 2, 3, meta(6, 2)));
        assertThat(f.installedSnapshots).hasSize(1);
        assertThat(dup.sent(AppendResponse.class)).singleElement().isEqualTo(ack(2, 1, 3, 6));
    }

    // ---------------------------------------------------------------- restart

    @Test
    void aNodeRestartsFromItsSnapshotPlusTheLogAfterIt() {
        InMemoryLogStore s = store(new HardState(3, 0, 4), 1, 1, 2, 2, 3, 3);
        s.compact(3);
        CoreHarness n = new CoreHarness(config(2, 1, 2, 3), s, meta(4, 2), 1);
        assertThat(n.core.appliedIndex()).isEqualTo(4);
        assertThat(n.core.commitIndex()).isEqualTo(4);
        assertThat(n.core.firstIndex()).isEqualTo(4);
        Turn t = n.deliver(heartbeat(1, 2, 3, 6, 3, 6));
        assertThat(t.committed()).extracting(e -> e.index()).containsExactly(5L, 6L);
    }

    @Test
    void aSnapshotAheadOfTheSavedCommitIndexCountsAsCommitted() {
        InMemoryLogStore s = store(new HardState(3, 0, 1), 1, 1, 2);
        CoreHarness n = new CoreHarness(config(2, 1, 2, 3), s, meta(3, 2), 1);
        assertThat(n.core.commitIndex()).isEqualTo(3);
        assertThat(n.core.appliedIndex()).isEqualTo(3);
    }

    @Test
    void aSnapshotOlderThanTheLogsStartIsRefused() {
        InMemoryLogStore s = store(new HardState(3, 0, 6), 1, 1, 2, 2, 3, 3);
        s.compact(5);
        assertThatThrownBy(() -> new CoreHarness(config(2, 1, 2, 3), s, meta(3, 2), 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("missing");
    }

    // ---------------------------------------------------------------- leader (§7)

    /** Leader 1 of {1,2,3} whose log 1..6 is committed, snapshotted at 6 and compacted through 6. */
    private static CoreHarness leaderWithCompactedLog() {
        return leaderWithCompactedLog(true);
    }

    private static CoreHarness leaderWithCompactedLog(boolean snapshotSaved) {
        CoreHarness l = node(1, 1, 2, 3);
        l.becomeLeaderWithCommittedNoop();
        for (int i = 0; i < 5; i++) {
            l.core.propose(List.of(io.flotilla.raft.log.Payload.ofUtf8("c" + i)));
        }
        l.drain();
        l.core.step(ack(2, 1, l.core.term(), 6));
        l.drain();
        assertThat(l.core.commitIndex()).isEqualTo(6);
        if (snapshotSaved) {
            l.core.snapshotSaved(new SnapshotMeta(6, l.core.term(), List.of(1L, 2L, 3L), 10, 7));
        }
        l.store.compact(6);
        return l;
    }

    /** Follower 3 rejects an append at 6 with a hint that it holds nothing after entry 1: it needs entries 2.. . */
    private static void follower3FallsBehind(CoreHarness l) {
        l.core.step(AppendResponse.reject(GROUP, 3, 1, l.core.term(), 6, 1, 1));
    }

    @Test
    void theLeaderSendsItsSnapshotWhenTheEntriesAFollowerNeedsAreCompacted() {
        CoreHarness l = leaderWithCompactedLog();
        follower3FallsBehind(l); // the entries it needs are compacted away
        Turn t = l.drain();
        assertThat(t.sent(InstallSnapshot.class)).singleElement()
                .satisfies(m -> assertThat(m.meta()).isEqualTo(l.core.snapshot()))
                .satisfies(m -> assertThat(m.to()).isEqualTo(3));
        assertThat(t.messages()).as("a leader's InstallSnapshot leaves at once, like its appends")
                .hasSameElementsAs(t.sent(InstallSnapshot.class));
        // While the transfer runs, no appends and no second snapshot: only heartbeats.
        l.core.propose(List.of(io.flotilla.raft.log.Payload.ofUtf8("more")));
        l.tick(3);
        Turn during = l.drain();
        assertThat(during.sent(InstallSnapshot.class)).isEmpty();
        assertThat(during.sent(AppendEntries.class)).filteredOn(m -> m.to() == 3)
                .isNotEmpty().allSatisfy(m -> assertThat(m.entries()).isEmpty());
        // The follower installs it and acknowledges its index: replication resumes after it.
        l.core.step(ack(3, 1, l.core.term(), 6));
        Turn after = l.drain();
        assertThat(after.sent(AppendEntries.class)).filteredOn(m -> m.to() == 3).first()
                .satisfies(m -> assertThat(m.prevLogIndex()).isEqualTo(6))
                .satisfies(m -> assertThat(m.entries()).extracting(e -> e.index()).containsExactly(7L));
        assertThat(l.core.matchIndex(3)).isEqualTo(6);
    }

    @Test
    void aFailedTransferIsRetriedAtTheNextHeartbeat() {
        CoreHarness l = leaderWithCompactedLog();
        follower3FallsBehind(l);
        assertThat(l.drain().sent(InstallSnapshot.class)).hasSize(1);
        l.core.reportSnapshot(3, false);
        assertThat(l.drain().sent(InstallSnapshot.class)).as("not in a tight loop").isEmpty();
        l.tick(1); // heartbeatTicks = 1
        assertThat(l.drain().sent(InstallSnapshot.class)).singleElement()
                .satisfies(m -> assertThat(m.to()).isEqualTo(3));
    }

    @Test
    void aDeliveredSnapshotIsFollowedByAProbeFromJustAfterIt() {
        CoreHarness l = leaderWithCompactedLog();
        follower3FallsBehind(l);
        l.drain();
        l.core.reportSnapshot(3, true);
        assertThat(l.drain().sent()).isEmpty();
        l.tick(1);
        assertThat(l.drain().sent(AppendEntries.class)).filteredOn(m -> m.to() == 3).singleElement()
                .satisfies(m -> assertThat(m.prevLogIndex()).isEqualTo(6))
                .satisfies(m -> assertThat(m.prevLogTerm()).isEqualTo(l.core.term()));
    }

    @Test
    void aLeaderWhoseLogIsCompactedBeyondItsSnapshotSaysSo() {
        CoreHarness l = leaderWithCompactedLog(false); // the driver broke its contract: no snapshot covers 1..6
        assertThatThrownBy(() -> follower3FallsBehind(l)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("compacted beyond its snapshot");
    }

    @Test
    void aSnapshotBeyondTheAppliedIndexIsRefused() {
        CoreHarness l = node(1, 1, 2, 3);
        l.becomeLeaderWithCommittedNoop();
        assertThatThrownBy(() -> l.core.snapshotSaved(meta(5, 1))).isInstanceOf(IllegalArgumentException.class);
    }
}
