package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.transport.netty.bench.SnapshotCluster.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The flow of {@link SnapshotCatchUpBenchmark} at a size the default build can afford, checking correctness only (no
 * timings): three nodes over Netty on 127.0.0.1, each with RocksDB and a {@code FileSnapshotStore}. A follower is
 * stopped, the others commit 20,000 entries, snapshot every 2,000 and compact; the follower, restarted, must catch up
 * by InstallSnapshot (its log replaced by the leader's snapshot, its state machine restored from it, most entries
 * never applied) and hold the same state as the others. Then a follower that applied everything restarts from its
 * own snapshot and replays only the log after it.
 */
class SnapshotCatchUpTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int KEYS = 5_000;
    private static final int ENTRIES = 20_000;
    private static final int WARM_UP = 500;
    private static final SnapshotPolicy POLICY = SnapshotPolicy.defaults().withThresholds(2_000, 64L << 20, 500)
            .withTransfer(64 << 10, 4, Duration.ofSeconds(10));

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aFollowerFarBehindCatchesUpByInstallSnapshotAndConverges(@TempDir Path dir) throws Exception {
        try (SnapshotCluster cluster = SnapshotCluster.start(dir, new SnapshotCluster.Settings(KEYS, 100, POLICY))) {
            long failures = cluster.load(0, WARM_UP, 100, WAIT).failures();
            cluster.awaitConverged(WAIT);
            long behindId = cluster.follower(WAIT).id();
            long behind = cluster.stop(behindId).log().last();

            failures += cluster.load(WARM_UP, ENTRIES, 1_000, WAIT).failures();
            Member leader = cluster.awaitLeader(WAIT);
            long commit = cluster.awaitConverged(WAIT);
            SnapshotMeta leaderSnapshot = await("the leader's last snapshot is saved and its log compacted past "
                    + "the stopped follower's log").atMost(WAIT).until(() -> leader.snapshots().latest().orElse(null),
                    s -> s != null && s.index() > commit - POLICY.everyEntries()
                            && leader.log().first() > behind + 1);

            long leaderFirst = leader.log().first();
            Member back = cluster.start(behindId);
            await("the restarted follower applies the leader's commit index").atMost(WAIT)
                    .until(() -> back.status().applied() >= commit);

            // Usually one snapshot, the leader's newest. A transfer the leader began while the follower was down
            // may deliver an older one first, if the leader still holds it (see docs/benchmarks.md).
            SnapshotMeta installed = back.snapshots().installed();
            assertThat(back.snapshots().installs()).as("snapshots installed from the leader").isBetween(1L, 2L);
            assertThat(installed.index()).as("the snapshot installed last covers the compacted log")
                    .isGreaterThanOrEqualTo(leaderFirst - 1).isLessThanOrEqualTo(leaderSnapshot.index());
            assertThat(back.snapshots().latest()).contains(installed);
            assertThat(back.log().installs()).as("the log replaced by a snapshot")
                    .isEqualTo(back.snapshots().installs());
            assertThat(back.log().installedIndex()).isEqualTo(installed.index());
            assertThat(back.stateMachine().restores()).isEqualTo(back.snapshots().installs());
            assertThat(back.stateMachine().restoredIndex()).isEqualTo(installed.index());
            assertThat(back.stateMachine().appliesSinceRestore()).as("entries applied after the snapshot")
                    .isLessThanOrEqualTo(commit - installed.index());
            assertSameState(cluster, commit);
            if (failures == 0) { // else a retried put may have applied twice, after a later one to its key
                assertThat(cluster.digest(behindId, WAIT)).as("the digest of every put applied once, in order")
                        .isEqualTo(BoundedKvStateMachine.expectedDigest(WARM_UP + ENTRIES, KEYS, 100));
            }

            // A follower that applied everything restarts from its own newest snapshot plus the log after it.
            long otherId = cluster.members().stream().mapToLong(Member::id)
                    .filter(id -> id != leader.id() && id != behindId).findFirst().orElseThrow();
            SnapshotMeta own = cluster.member(otherId).snapshots().latest().orElseThrow();
            cluster.stop(otherId);
            Member restarted = cluster.start(otherId);
            await("the node restarted from its snapshot applies the commit index").atMost(WAIT)
                    .until(() -> restarted.status().applied() >= commit);
            assertThat(restarted.stateMachine().restoredIndex()).isEqualTo(own.index());
            assertThat(restarted.stateMachine().applies()).isLessThanOrEqualTo(commit - own.index());
            assertThat(restarted.log().installs()).isZero();
            assertThat(restarted.snapshots().installs()).isZero();
            assertSameState(cluster, commit);
        }
    }

    private static void assertSameState(SnapshotCluster cluster, long commit) throws Exception {
        // At least: a leader elected meanwhile appends an entry of its own.
        assertThat(cluster.awaitConverged(WAIT)).isGreaterThanOrEqualTo(commit);
        long expected = cluster.digest(cluster.awaitLeader(WAIT).id(), WAIT);
        for (Member m : cluster.members()) {
            assertThat(cluster.digest(m.id(), WAIT)).as("state digest of node %d", m.id()).isEqualTo(expected);
        }
    }
}
