package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.transport.netty.bench.SnapshotCluster.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Snapshot catch-up and restart with a million entries (issue 6; docs/benchmarks.md has the method and results).
 * Skipped unless {@code -Dflotilla.bench=true}:
 * <pre>
 * mvn -B -pl raft-transport-netty test -Dtest=SnapshotCatchUpBenchmark -Dflotilla.bench=true -DargLine=-Xmx1g
 * </pre>
 * Three nodes in this JVM over Netty on 127.0.0.1, each with RocksDB and a {@code FileSnapshotStore}, and a
 * {@link BoundedKvStateMachine} (puts to {@code keys} slots, so its state and snapshots stay bounded).
 * <ol>
 *   <li><b>Catch-up.</b> A follower is stopped; the leader commits N entries (snapshot every 100,000, keeping
 *       10,000 behind it) and compacts its log past the follower's. The follower restarts; timed from the restart
 *       until it has applied the leader's commit index, with the heap in use sampled every 5 ms from a baseline
 *       taken after a full GC. It must have installed a snapshot and hold the leader's state digest.</li>
 *   <li><b>Restart with snapshots.</b> The other follower, which applied all N entries and took its own snapshots,
 *       restarts: timed from opening its stores until it has applied its own persisted commit index, and the
 *       leader's.</li>
 *   <li><b>Restart without snapshots.</b> A fresh cluster with {@link SnapshotPolicy#disabled()} commits the same N
 *       entries (its log is never compacted); a follower restarts and is timed the same way.</li>
 * </ol>
 * A second test, {@link #leaderHeapWhileAFollowerIsDown}, measures what the leader's heap holds for a follower that is
 * down (run it alone with {@code -Dtest=SnapshotCatchUpBenchmark#leaderHeapWhileAFollowerIsDown}).
 * Options: {@code flotilla.bench.entries} (1,000,000), {@code flotilla.bench.keys} (100,000),
 * {@code flotilla.bench.valueBytes} (100), {@code flotilla.bench.inFlight} (2,000 proposals outstanding),
 * {@code flotilla.bench.minutes} (10: the limit of each load and wait), {@code flotilla.bench.withoutSnapshots}
 * (true: run the third part), {@code flotilla.bench.snapshotEvery} and {@code flotilla.bench.snapshotKeep}
 * (100,000 and 10,000 entries), {@code flotilla.bench.histogram} (false: print the live objects before the follower
 * restarts), {@code flotilla.bench.downEntries} (300,000, for the second test).
 */
class SnapshotCatchUpBenchmark {
    private static final long WARM_UP = 1_000;
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(5);

    private record Settings(long entries, int keys, int valueBytes, int inFlight, Duration limit,
                            boolean withoutSnapshots, SnapshotPolicy policy) {
        static Settings fromSystemProperties() {
            return new Settings(Long.getLong("flotilla.bench.entries", 1_000_000),
                    Integer.getInteger("flotilla.bench.keys", 100_000),
                    Integer.getInteger("flotilla.bench.valueBytes", 100),
                    Integer.getInteger("flotilla.bench.inFlight", 2_000),
                    Duration.ofMinutes(Long.getLong("flotilla.bench.minutes", 10)),
                    Boolean.parseBoolean(System.getProperty("flotilla.bench.withoutSnapshots", "true")),
                    SnapshotPolicy.defaults().withThresholds(Long.getLong("flotilla.bench.snapshotEvery", 100_000),
                                    64L << 20, Long.getLong("flotilla.bench.snapshotKeep", 10_000))
                            .withTransfer(1 << 20, 4, Duration.ofSeconds(10)));
        }

        SnapshotCluster.Settings cluster(SnapshotPolicy p) {
            return new SnapshotCluster.Settings(keys, valueBytes, p);
        }
    }

    /** What a restart measured; times in nanoseconds from opening the node's stores. */
    private record Restart(long retainedEntries, long snapshotIndex, long snapshotBytes, long openNanos,
                           long toOwnCommitNanos, long toLeaderCommitNanos, long reapplied, long ownCommit,
                           long leaderCommit) {
    }

    @Test
    void catchUpByInstallSnapshotAndRestartTimes(@TempDir Path dir) throws Exception {
        assumeTrue(Boolean.getBoolean("flotilla.bench"), "a benchmark: run with -Dflotilla.bench=true");
        Settings s = Settings.fromSystemProperties();
        StringBuilder out = new StringBuilder(header(s));
        Restart withSnapshots;
        try (SnapshotCluster cluster = SnapshotCluster.start(dir.resolve("with-snapshots"), s.cluster(s.policy()))) {
            long caughtUp = catchUp(cluster, s, out);
            withSnapshots = restart(cluster, s, caughtUp);
        }
        deleteRecursively(dir.resolve("with-snapshots"));
        Restart without = null;
        if (s.withoutSnapshots()) {
            try (SnapshotCluster cluster = SnapshotCluster.start(dir.resolve("without-snapshots"),
                    s.cluster(SnapshotPolicy.disabled()))) {
                SnapshotCluster.Load load = loadAll(cluster, s);
                out.append(String.format("%n(b') Load without snapshots, 3 of 3 nodes up: %,d entries in %.1f s "
                                + "(%,.0f entries/s), %d proposals retried %s; term %d at the end%n", load.entries(),
                        load.nanos() / 1e9, load.perSecond(), load.failures(), load.failuresByCause(),
                        cluster.awaitLeader(s.limit()).status().term()));
                without = restart(cluster, s, 0);
            }
        }
        restartTable(out, withSnapshots, without);
        System.out.print(out);
    }

    /**
     * What the leader's heap holds for a follower that is down, with snapshots off (nothing is compacted, so the
     * leader keeps probing with entries): a follower stops, the others commit {@code flotilla.bench.downEntries}
     * (300,000) entries, and the heap in use after a full GC is read at intervals while the cluster idles; then the
     * follower restarts and catches up from the log, and the heap is read once more.
     */
    @Test
    void leaderHeapWhileAFollowerIsDown(@TempDir Path dir) throws Exception {
        assumeTrue(Boolean.getBoolean("flotilla.bench"), "a benchmark: run with -Dflotilla.bench=true");
        Settings s = Settings.fromSystemProperties();
        long entries = Long.getLong("flotilla.bench.downEntries", 300_000);
        StringBuilder out = new StringBuilder(header(s));
        out.append(String.format("%n(c) Heap while a follower is down, snapshots off; %,d entries committed while it "
                + "is down; heap in use after a full GC:%n", entries));
        try (SnapshotCluster cluster = SnapshotCluster.start(dir, s.cluster(SnapshotPolicy.disabled()))) {
            cluster.load(0, WARM_UP, s.inFlight(), s.limit());
            cluster.awaitConverged(s.limit());
            out.append(String.format("  %-44s %8.1f MB%n", "all up, before", mb(HeapSampler.usedAfterGc())));
            long down = cluster.follower(s.limit()).id();
            cluster.stop(down);
            // One entry, then a pause: the leader sees no progress from the follower and probes it (PROBE state)
            // before the load begins, so that its queue to the follower is not filled with heartbeats first.
            cluster.load(WARM_UP, 1, 1, s.limit());
            long probing = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> System.nanoTime() - probing >= 0);
            cluster.load(WARM_UP + 1, entries, s.inFlight(), s.limit());
            long loaded = System.nanoTime();
            for (int seconds : new int[]{0, 5, 10, 20, 30, 45, 60}) {
                long at = loaded + Duration.ofSeconds(seconds).toNanos();
                await().atMost(Duration.ofSeconds(seconds + 30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> System.nanoTime() - at >= 0);
                Member leader = cluster.awaitLeader(s.limit());
                out.append(String.format("  %-44s %8.1f MB; leader %d, term %d, dropped %,d messages to full "
                                + "queues%n", "follower down, " + seconds + " s after the load",
                        mb(HeapSampler.usedAfterGc()), leader.id(), leader.status().term(),
                        leader.transport().stats().droppedQueueFull()));
            }
            out.append(String.format("  live objects then:%n%s%n", HeapSampler.classHistogram(8)));
            Member back = cluster.start(down);
            long commit = cluster.awaitConverged(s.limit());
            assertThat(back.status().applied()).isGreaterThanOrEqualTo(commit);
            assertSameState(cluster, commit, s.limit());
            out.append(String.format("  %-44s %8.1f MB%n", "follower back and caught up",
                    mb(HeapSampler.usedAfterGc())));
        }
        System.out.print(out);
    }

    /**
     * Part 1: a follower stopped while the leader commits and compacts catches up by InstallSnapshot. Returns its
     * id.
     */
    private static long catchUp(SnapshotCluster cluster, Settings s, StringBuilder out) throws Exception {
        Duration limit = s.limit();
        long failures = cluster.load(0, WARM_UP, s.inFlight(), limit).failures();
        cluster.awaitConverged(limit);
        long behindId = cluster.follower(limit).id();
        long behind = cluster.stop(behindId).log().last();

        SnapshotCluster.Load load = cluster.load(WARM_UP, s.entries(), s.inFlight(), limit);
        failures += load.failures();
        Member leader = cluster.awaitLeader(limit);
        long commit = cluster.awaitConverged(limit);
        SnapshotMeta leaderSnapshot = await("the leader's last snapshot is saved and its log compacted")
                .atMost(limit).until(() -> leader.snapshots().latest().orElse(null), m -> m != null
                        && m.index() > commit - s.policy().everyEntries() && leader.log().first() > behind + 1);
        long leaderFirst = leader.log().first();

        if (Boolean.getBoolean("flotilla.bench.histogram")) {
            out.append(String.format("%nlive objects before the follower restarts:%n%s%n",
                    HeapSampler.classHistogram(20)));
        }
        long termAtRestart = leader.status().term();
        long baseline = HeapSampler.usedAfterGc();
        HeapSampler heap = new HeapSampler(SAMPLE_EVERY, (int) (2 * limit.toMillis() / SAMPLE_EVERY.toMillis()));
        long t0;
        Member back;
        long caughtUp;
        try (heap) {
            t0 = System.nanoTime();
            back = cluster.start(behindId);
            await("the restarted follower applies the leader's commit index").atMost(limit)
                    .pollInterval(Duration.ofMillis(1)).until(() -> back.status().applied() >= commit);
            caughtUp = System.nanoTime();
        }
        long afterGc = HeapSampler.usedAfterGc();
        assertThat(heap.full()).as("the heap sampler had room for every sample").isFalse();

        SnapshotMeta installed = back.snapshots().installed();
        assertThat(installed).as("a snapshot installed from the leader").isNotNull();
        assertThat(installed.index()).isGreaterThanOrEqualTo(leaderFirst - 1);
        assertThat(back.log().installedIndex()).isEqualTo(installed.index());
        assertThat(back.stateMachine().restoredIndex()).isEqualTo(installed.index());
        assertThat(back.stateMachine().appliesSinceRestore()).isLessThanOrEqualTo(commit - installed.index());
        long digest = assertSameState(cluster, commit, limit);
        boolean oracle = failures == 0;
        if (oracle) {
            assertThat(digest).as("the digest of every put applied once, in order")
                    .isEqualTo(BoundedKvStateMachine.expectedDigest(WARM_UP + s.entries(), s.keys(), s.valueBytes()));
        }

        long termAfter = cluster.awaitLeader(limit).status().term();
        long began = back.snapshots().installedReceiveStartedAtNanos();
        long installedAt = back.snapshots().installedAtNanos();
        out.append(String.format("%n(a) Catch-up of a follower stopped at index %,d%n", behind));
        out.append(String.format("  load, 2 of 3 nodes up: %,d entries in %.1f s (%,.0f entries/s), "
                        + "%d proposals retried %s; term %d at the end%n", load.entries(), load.nanos() / 1e9,
                load.perSecond(), load.failures(), load.failuresByCause(), leader.status().term()));
        out.append(String.format("  leader: commit index %,d; newest snapshot at %,d, %,d bytes; log starts at "
                + "%,d%n", commit, leaderSnapshot.index(), leaderSnapshot.sizeBytes(), leaderFirst));
        out.append(String.format("  follower: %d snapshot(s) installed, the last at %,d (%,d bytes); %,d entries "
                        + "applied after it; %d transfer(s) begun; state digest %016x = leader's%s%n",
                back.snapshots().installs(), installed.index(), installed.sizeBytes(),
                back.stateMachine().appliesSinceRestore(), back.snapshots().receives(), digest,
                oracle ? " = expected" : " (not checked against the oracle: proposals were retried)"));
        out.append(String.format("  %-50s %,9.0f ms  (term %d at the restart, %d after)%n",
                "restart -> applied the leader's commit index", ms(caughtUp - t0), termAtRestart, termAfter));
        out.append(String.format("  %-50s %,9.0f ms%n", "  of which: open RocksDB + snapshot store",
                ms(back.openNanos())));
        out.append(String.format("  %-50s %,9.0f ms%n", "  restart -> first chunk of that snapshot received",
                ms(began - t0)));
        out.append(String.format("  %-50s %,9.0f ms  (%.1f MB/s)%n", "  transfer: first chunk -> installed",
                ms(installedAt - began), installed.sizeBytes() / 1e6 / ((installedAt - began) / 1e9)));
        out.append(String.format("  %-50s %,9.0f ms%n", "  installed -> restored and log tail applied",
                ms(caughtUp - installedAt)));
        out.append(String.format("  heap (whole JVM, 3 nodes), MB; baseline %.1f after a full GC before the restart, "
                + "%.1f after one once caught up; snapshot %.1f MB%n", mb(baseline), mb(afterGc),
                mb(installed.sizeBytes())));
        out.append(String.format("    %-34s %8s %10s %10s %5s %10s %10s%n", "", "samples", "peak used", "- baseline",
                "GCs", "peak after", "- baseline"));
        heapRow(out, heap, baseline, "restart -> transfer began", t0, began);
        heapRow(out, heap, baseline, "transfer (first chunk -> installed)", began, installedAt);
        heapRow(out, heap, baseline, "installed -> caught up", installedAt, caughtUp);
        heapRow(out, heap, baseline, "whole catch-up", t0, caughtUp);
        return behindId;
    }

    /** Peak heap in use over [from, to], sampled and right after collections, in MB and above the baseline. */
    private static void heapRow(StringBuilder out, HeapSampler heap, long baseline, String name, long from, long to) {
        long peak = heap.peak(from, to);
        long afterGc = heap.peakAfterGc(from, to);
        out.append(String.format("    %-34s %8d %10s %10s %5d %10s %10s%n", name, heap.samples(from, to),
                mbOrDash(peak), peak < 0 ? "-" : String.format("%+.1f", mb(peak - baseline)),
                heap.collections(from, to), mbOrDash(afterGc),
                afterGc < 0 ? "-" : String.format("%+.1f", mb(afterGc - baseline))));
    }

    private static String mbOrDash(long bytes) {
        return bytes < 0 ? "-" : String.format("%.1f", mb(bytes));
    }

    /** Warm-up and the N entries on a fresh cluster with every node up. */
    private static SnapshotCluster.Load loadAll(SnapshotCluster cluster, Settings s) throws Exception {
        cluster.load(0, WARM_UP, s.inFlight(), s.limit());
        SnapshotCluster.Load load = cluster.load(WARM_UP, s.entries(), s.inFlight(), s.limit());
        cluster.awaitConverged(s.limit());
        return load;
    }

    /**
     * Parts 2 and 3: a follower that applied everything (other than {@code exclude}) stops and restarts on its
     * stores.
     */
    private static Restart restart(SnapshotCluster cluster, Settings s, long exclude) throws Exception {
        long commit = cluster.awaitConverged(s.limit());
        long leader = cluster.awaitLeader(s.limit()).id();
        Member before = cluster.members().stream().filter(m -> m.id() != leader && m.id() != exclude).findFirst()
                .orElseThrow();
        long retained = before.log().last() - before.log().first() + 1;
        SnapshotMeta own = before.snapshots().latest().orElse(null);
        cluster.stop(before.id());
        HeapSampler.usedAfterGc(); // the same starting point for both restarts
        long t0 = System.nanoTime();
        Member m = cluster.start(before.id());
        long ownCommit = m.persistedCommit();
        await("the restarted node applies its own commit index").atMost(s.limit())
                .pollInterval(Duration.ofMillis(1)).until(() -> m.status().applied() >= ownCommit);
        long ownAt = System.nanoTime();
        await("the restarted node applies the leader's commit index").atMost(s.limit())
                .pollInterval(Duration.ofMillis(1)).until(() -> m.status().applied() >= commit);
        long all = System.nanoTime();
        assertThat(m.stateMachine().restoredIndex()).isEqualTo(own == null ? 0 : own.index());
        assertThat(m.snapshots().installs()).isZero();
        assertSameState(cluster, commit, s.limit());
        return new Restart(retained, own == null ? 0 : own.index(), own == null ? 0 : own.sizeBytes(), m.openNanos(),
                ownAt - t0, all - t0, m.stateMachine().applies(), ownCommit, commit);
    }

    /** Every node holds the same state; returns its digest. */
    private static long assertSameState(SnapshotCluster cluster, long commit, Duration limit) throws Exception {
        // At least: a leader elected meanwhile appends an entry of its own.
        assertThat(cluster.awaitConverged(limit)).isGreaterThanOrEqualTo(commit);
        long expected = cluster.digest(cluster.awaitLeader(limit).id(), limit);
        for (Member m : cluster.members()) {
            assertThat(cluster.digest(m.id(), limit)).as("state digest of node %d", m.id()).isEqualTo(expected);
        }
        return expected;
    }

    private static void restartTable(StringBuilder out, Restart with, Restart without) {
        out.append(String.format("%n(b) Restart of a follower that applied every entry (times from opening its "
                + "stores)%n"));
        out.append(String.format("  %-18s %12s %12s %10s %10s %14s %14s %12s%n", "", "log entries", "snapshot at",
                "snapshot", "open", "-> own commit", "-> leader's", "re-applied"));
        restartRow(out, "with snapshots", with);
        if (without != null) {
            restartRow(out, "without snapshots", without);
            out.append(String.format("  %-18s %12s %12s %10s %9.1fx %13.1fx %13.1fx%n", "ratio without/with", "",
                    "", "", (double) without.openNanos() / with.openNanos(),
                    (double) without.toOwnCommitNanos() / with.toOwnCommitNanos(),
                    (double) without.toLeaderCommitNanos() / with.toLeaderCommitNanos()));
        }
    }

    private static void restartRow(StringBuilder out, String name, Restart r) {
        out.append(String.format("  %-18s %,12d %,12d %8.1f MB %,7.0f ms %,11.0f ms %,11.0f ms %,12d%n", name,
                r.retainedEntries(), r.snapshotIndex(), mb(r.snapshotBytes()), ms(r.openNanos()),
                ms(r.toOwnCommitNanos()), ms(r.toLeaderCommitNanos()), r.reapplied()));
        out.append(String.format("  %-18s own commit index %,d at the restart, leader's %,d%n", "", r.ownCommit(),
                r.leaderCommit()));
    }

    private static String header(Settings s) {
        return String.format("%nSnapshotCatchUpBenchmark %s, JDK %s (%s), %s %s, %d CPUs, max heap %,.0f MB, "
                        + "GC %s, JVM arguments %s%n"
                        + "entries %,d (+%,d warm-up), keys %,d, value %d B, %,d proposals in flight; snapshots "
                        + "every %,d entries keeping %,d, chunks of %,d B, window %d%n",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), mb(HeapSampler.maxHeap()),
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                        .collect(Collectors.joining(", ")),
                ManagementFactory.getRuntimeMXBean().getInputArguments(), s.entries(), WARM_UP, s.keys(),
                s.valueBytes(), s.inFlight(), s.policy().everyEntries(), s.policy().trailingEntries(),
                s.policy().chunkBytes(), s.policy().maxInflightChunks());
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double mb(long bytes) {
        return bytes / 1e6;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
