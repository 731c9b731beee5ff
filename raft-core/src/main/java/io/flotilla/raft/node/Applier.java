package io.flotilla.raft.node;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.SnapshotStore;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.IOException;
import java.io.InputStream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The apply side of a node: owns the {@link StateMachine} and runs everything on one serial executor (the apply
 * thread): committed entries strictly in log order, the futures of proposals waiting for their entry, and reads
 * waiting for their read index. Everything here is confined to that thread except {@link #appliedIndex()}.
 *
 * <p>Snapshots: after a batch of applies, if the {@link SnapshotPolicy} says so, the apply thread captures a
 * point-in-time view ({@link StateMachine#snapshot()}) and hands it to the snapshot thread, which writes it to the
 * {@link SnapshotStore} while applies go on; one snapshot is written at a time. {@link #restore} replaces the state
 * machine's state with a snapshot's, in order with the applies.
 */
final class Applier {
    /** How many recent results are kept for proposals whose outcome reaches this node after their entry applied. */
    private static final int RECENT = 4096;

    private record ProposalWaiter(long term, CompletableFuture<Payload> future) {
    }

    private record ReadWaiter(Payload query, CompletableFuture<Payload> future) {
    }

    /** A command's outcome: its entry's term and what apply returned or threw. */
    private record Outcome(long index, long term, Payload result, RuntimeException error) {
    }

    private final StateMachine stateMachine;
    private final Executor thread;
    private final java.util.function.LongSupplier clock;
    /** While a task runs on the apply thread: when it last made progress (clock); 0 while the thread is idle. */
    private volatile long busySince;
    private final java.util.function.Consumer<Throwable> onFatal;
    private boolean failed;
    private volatile long applied;
    private final TreeMap<Long, List<ProposalWaiter>> proposals = new TreeMap<>();
    private final TreeMap<Long, List<ReadWaiter>> reads = new TreeMap<>();
    private final Outcome[] recent = new Outcome[RECENT];

    /** Snapshot settings; null when this node takes no snapshots. */
    private final Snapshots snapshots;
    private long appliedTerm;
    private long snapshotIndex;
    private long bytesSinceSnapshot;
    private boolean snapshotInProgress;
    /** The membership as of the applied index (apply thread). */
    private Membership appliedMembership;

    /**
     * Where and when snapshots are taken.
     *
     * @param initial the membership before any applied configuration entry (the bootstrap voters); a restored
     *                snapshot's replaces it, and each applied CONFIG entry after that (Figure 13 stores "last config
     *                as of lastIncludedIndex": the applied one, not a newer one appended but not yet applied)
     * @param onSaved called (on the snapshot thread) with each snapshot saved
     */
    record Snapshots(SnapshotStore store, SnapshotPolicy policy, Membership initial, Executor thread,
                     java.util.function.Consumer<SnapshotMeta> onSaved) {
    }

    /**
     * @param clock monotonic nanoseconds, for {@link #busySince()}
     */
    Applier(StateMachine stateMachine, Executor thread, java.util.function.LongSupplier clock,
            java.util.function.Consumer<Throwable> onFatal, Snapshots snapshots) {
        this.stateMachine = stateMachine;
        this.thread = thread;
        this.clock = clock;
        this.onFatal = onFatal;
        this.snapshots = snapshots;
        this.appliedMembership = snapshots == null ? null : snapshots.initial();
    }

    long appliedIndex() {
        return applied;
    }

    /**
     * When the state machine last made progress (an entry applied, a query answered, snapshot bytes read), in clock
     * nanoseconds, if it is working now; 0 while it is idle. Any thread: a stall detector compares it with the clock.
     */
    long busySince() {
        return busySince;
    }

    private void progressed() {
        busySince = clock.getAsLong();
    }

    /** Runs a task (a listener call) on the apply thread, in order with applies. */
    void execute(Runnable task) {
        thread.execute(task);
    }

    /** Applies committed entries, in order, then completes what waited for them. */
    void apply(List<Entry> entries) {
        runGuarded(() -> {
            applyInOrder(entries);
            maybeSnapshot();
        });
    }

    /** Runs a state-machine task on the apply thread; any failure stops further applies and the node. */
    private void runGuarded(ThrowingRunnable task) {
        thread.execute(() -> {
            if (failed) {
                return;
            }
            progressed();
            try {
                task.run();
            } catch (Throwable t) {
                failed = true; // the state machine's state can no longer be trusted: no further applies
                onFatal.accept(t);
            } finally {
                busySince = 0;
            }
        });
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Replaces the state machine's state with snapshot {@code meta} from {@code store} (at start-up, or a follower
     * installing the leader's snapshot), in order with the applies: entries after it apply on top. Proposals
     * waiting for an entry the snapshot covers cannot learn their outcome and fail as indeterminate.
     */
    void restore(SnapshotStore store, SnapshotMeta meta) {
        runGuarded(() -> {
            try (InputStream in = new ProgressInputStream(store.open(meta, 0))) {
                stateMachine.restore(in);
                in.transferTo(java.io.OutputStream.nullOutputStream()); // read to the end: checks size and checksum
            }
            applied = meta.index();
            appliedTerm = meta.term();
            appliedMembership = meta.membership();
            snapshotIndex = Math.max(snapshotIndex, meta.index());
            bytesSinceSnapshot = 0;
            while (!proposals.isEmpty() && proposals.firstKey() <= meta.index()) {
                Map.Entry<Long, List<ProposalWaiter>> e = proposals.pollFirstEntry();
                e.getValue().forEach(w -> w.future().completeExceptionally(new IndeterminateOutcomeException(
                        "this node installed a snapshot covering index " + e.getKey()
                                + "; the command's own outcome is not known here")));
            }
            serveReads();
        });
    }

    /** A snapshot being restored: every read of its bytes counts as progress of the state machine. */
    private final class ProgressInputStream extends java.io.FilterInputStream {
        ProgressInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            progressed();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            progressed();
            return super.read(b, off, len);
        }
    }

    /** Takes a snapshot if the policy says it is time and none is being written. Apply thread. */
    private void maybeSnapshot() {
        if (snapshots == null || snapshotInProgress || !snapshots.policy().enabled() || applied <= snapshotIndex
                || (applied - snapshotIndex < snapshots.policy().everyEntries()
                && bytesSinceSnapshot < snapshots.policy().everyBytes())) {
            return;
        }
        SnapshotWriter writer = stateMachine.snapshot();
        if (writer == null) {
            return; // this state machine takes no snapshots
        }
        long index = applied;
        long term = appliedTerm;
        Membership membership = appliedMembership;
        snapshotInProgress = true;
        snapshotIndex = index; // if saving fails, the next attempt waits for another round of entries
        bytesSinceSnapshot = 0;
        snapshots.thread().execute(() -> {
            SnapshotMeta saved = null;
            try {
                saved = snapshots.store().save(index, term, membership, writer);
            } catch (IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Applier.class).warn("saving a snapshot at index {} failed; "
                        + "the log is not compacted and the next snapshot is tried later", index, e);
            } finally {
                writer.release();
            }
            SnapshotMeta result = saved;
            thread.execute(() -> snapshotInProgress = false);
            if (result != null) {
                snapshots.onSaved().accept(result);
            }
        });
    }


    private void applyInOrder(List<Entry> entries) {
        {
            for (Entry e : entries) {
                if (e.index() != applied + 1) {
                    throw new IllegalStateException("apply of entry " + e.index() + " after " + applied);
                }
                Outcome o = applyOne(e);
                progressed();
                recent[(int) (e.index() % RECENT)] = o;
                applied = e.index();
                appliedTerm = e.term();
                bytesSinceSnapshot += e.sizeBytes();
                List<ProposalWaiter> waiting = proposals.remove(e.index());
                if (waiting != null) {
                    waiting.forEach(w -> complete(w, o));
                }
            }
            serveReads();
        }
    }

    private Outcome applyOne(Entry e) {
        if (e.type() == EntryType.CONFIG) {
            appliedMembership = e.membership();
        }
        if (e.type() != EntryType.COMMAND) {
            return new Outcome(e.index(), e.term(), Payload.EMPTY, null);
        }
        try {
            Payload result = stateMachine.apply(e.index(), e.data());
            return new Outcome(e.index(), e.term(), result == null ? Payload.EMPTY : result, null);
        } catch (RuntimeException ex) {
            return new Outcome(e.index(), e.term(), null, ex); // the command's result is this exception
        }
    }

    private static void complete(ProposalWaiter w, Outcome o) {
        if (o.term() != w.term()) {
            w.future().completeExceptionally(new ProposalLostException(o.index(), w.term()));
        } else if (o.error() != null) {
            w.future().completeExceptionally(o.error());
        } else {
            w.future().complete(o.result());
        }
    }

    /**
     * Completes {@code future} with the result of the command appended at {@code index} in {@code term}: once that
     * index is applied, the command took effect if and only if the applied entry has that term.
     */
    void awaitProposal(long index, long term, CompletableFuture<Payload> future) {
        awaitProposals(index, term, List.of(future));
    }

    /** As {@link #awaitProposal} for commands appended together at {@code firstIndex}, {@code firstIndex + 1}, ... */
    void awaitProposals(long firstIndex, long term, List<CompletableFuture<Payload>> futures) {
        thread.execute(() -> {
            for (int i = 0; i < futures.size(); i++) {
                awaitOne(firstIndex + i, term, futures.get(i));
            }
        });
    }

    private void awaitOne(long index, long term, CompletableFuture<Payload> future) {
        if (future.isDone()) {
            return;
        }
        if (index > applied) {
            proposals.computeIfAbsent(index, k -> new ArrayList<>(1)).add(new ProposalWaiter(term, future));
            return;
        }
        Outcome o = recent[(int) (index % RECENT)];
        if (o != null && o.index() == index) {
            complete(new ProposalWaiter(term, future), o);
        } else {
            future.completeExceptionally(new IndeterminateOutcomeException("the command at index " + index
                    + " was applied before its outcome reached this node, and its result is no longer kept"));
        }
    }

    /** Serves {@code query} once {@code readIndex} is applied (thesis §6.4, step 4). */
    void awaitRead(long readIndex, Payload query, CompletableFuture<Payload> future) {
        thread.execute(() -> {
            if (!future.isDone()) {
                reads.computeIfAbsent(readIndex, k -> new ArrayList<>()).add(new ReadWaiter(query, future));
                progressed();
                try {
                    serveReads(); // queries the state machine: a query that hangs is a stall too
                } finally {
                    busySince = 0;
                }
            }
        });
    }

    private void serveReads() {
        while (!reads.isEmpty() && reads.firstKey() <= applied) {
            for (ReadWaiter r : reads.pollFirstEntry().getValue()) {
                if (r.future().isDone()) {
                    continue;
                }
                try {
                    r.future().complete(stateMachine.query(r.query()));
                } catch (RuntimeException ex) {
                    r.future().completeExceptionally(ex);
                }
                progressed();
            }
        }
    }

    /** Fails everything still waiting (the node is closing). */
    void failAll(String why) {
        thread.execute(() -> {
            for (Map.Entry<Long, List<ProposalWaiter>> e : proposals.entrySet()) {
                e.getValue().forEach(w -> w.future().completeExceptionally(new IndeterminateOutcomeException(
                        "the node stopped (" + why + ") before the command at index " + e.getKey() + " was applied")));
            }
            proposals.clear();
            reads.values().forEach(l -> l.forEach(r -> r.future().completeExceptionally(new NodeClosedException(why))));
            reads.clear();
        });
    }
}
