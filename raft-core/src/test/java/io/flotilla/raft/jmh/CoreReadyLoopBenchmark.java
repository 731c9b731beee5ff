package io.flotilla.raft.jmh;

import io.flotilla.raft.core.CoreConfig;
import io.flotilla.raft.core.ProposeResult;
import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.VoteResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Entries per second through the pure core: a leader {@link RaftCore} of three voters, over an
 * {@link InMemoryLogStore}, whose two followers exist only as the {@link AppendResponse}s this benchmark feeds back.
 * One operation is one entry of {@value #ENTRY_BYTES} B proposed, persisted, replicated, acknowledged and committed.
 *
 * <p>Each invocation proposes one batch and runs the Ready loop until the core is quiet: take the Ready, save its
 * hard state and entries to the store, advance, and answer every AppendEntries at once with a success for all it
 * carried (commit-only AppendEntries included, as a follower does). The batch is committed when the loop ends; the
 * committed entries are not applied anywhere. No tick, so no heartbeat, election or check of the quorum. Every
 * {@value #COMPACT_EVERY} entries the driver reports a snapshot and compacts the store, as {@code RaftNode} does,
 * so the log (and the live heap) does not grow with the run.
 *
 * <p>Run by JMH only ({@code mvn -B -o -Pjmh -pl raft-core test-compile exec:exec}, docs/benchmarks.md), on one
 * thread per fork; the class name keeps it out of Surefire's test patterns.
 */
public class CoreReadyLoopBenchmark extends BenchmarkDefaults {
    static final int ENTRY_BYTES = 128;
    static final int BATCH = 64;
    static final long COMPACT_EVERY = 1 << 16;
    /** Entries kept behind a compaction, so that no AppendEntries ever needs a compacted term. */
    static final long TRAILING = 1024;
    private static final long GROUP = 1;
    private static final long LEADER = 1;
    private static final List<Long> VOTERS = List.of(1L, 2L, 3L);

    private List<Payload> one;
    private List<Payload> batch;
    private InMemoryLogStore store;
    private RaftCore core;
    private long compactedAt;

    /** A fresh leader each iteration: node 1 campaigns, nodes 2 and 3 vote for it and acknowledge its no-op. */
    @Setup(Level.Iteration)
    public void electLeader() {
        one = Payloads.random(1, ENTRY_BYTES, 1);
        batch = Payloads.random(BATCH, ENTRY_BYTES, 2);
        store = new InMemoryLogStore();
        CoreConfig config = CoreConfig.of(GROUP, LEADER, VOTERS).withTicks(10, 1).withElectionSafeguards(false, false);
        core = RaftCore.restore(config, store, new SplittableRandom(1));
        for (int i = 0; i < 100 && core.role() == Role.FOLLOWER; i++) {
            core.tick();
        }
        runReadyLoop();
        if (core.role() != Role.LEADER || core.commitIndex() != core.lastIndex()) {
            throw new IllegalStateException("node 1 did not become a leader with its no-op committed: " + core);
        }
        compactedAt = core.lastIndex();
    }

    /** One entry per proposal: the Ready loop's fixed cost per batch is all paid by one entry. */
    @Benchmark
    public long proposeOne() {
        return replicate(one);
    }

    /** {@value #BATCH} entries per proposal: one Ready, one AppendEntries per follower, one commit for all of them. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long proposeBatchOf64() {
        return replicate(batch);
    }

    private long replicate(List<Payload> commands) {
        ProposeResult result = core.propose(commands);
        if (!(result instanceof ProposeResult.Accepted)) {
            throw new IllegalStateException("proposal refused: " + result);
        }
        runReadyLoop();
        long committed = core.commitIndex();
        if (committed != core.lastIndex()) {
            throw new IllegalStateException("the batch was not committed: " + core);
        }
        if (committed - compactedAt >= COMPACT_EVERY) {
            core.snapshotSaved(new SnapshotMeta(committed, core.term(), VOTERS, 0, 0));
            store.compact(committed - TRAILING);
            compactedAt = committed;
        }
        return committed;
    }

    /** The driver's loop, until the core has nothing more to do: persist, advance, then the followers answer. */
    private void runReadyLoop() {
        while (core.hasReady()) {
            Ready rd = core.ready();
            store.save(rd.hardState(), rd.entries(), rd.mustSync());
            core.advance(rd);
            answer(rd.messages());
            answer(rd.messagesAfterPersist());
        }
    }

    /** What followers 2 and 3 would answer: every vote granted, every AppendEntries accepted in full. */
    private void answer(List<Message> sent) {
        for (Message m : sent) {
            if (m instanceof AppendEntries ae) {
                core.step(AppendResponse.accept(GROUP, ae.to(), ae.from(), ae.term(), ae.lastIndex(), ae.seq()));
            } else if (m instanceof RequestVote rv) {
                core.step(new VoteResponse(GROUP, rv.to(), rv.from(), rv.term(), true));
            } else {
                throw new IllegalStateException("unexpected message from the leader: " + m);
            }
        }
    }
}
