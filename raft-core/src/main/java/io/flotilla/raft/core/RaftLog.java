package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.LogReader;
import io.flotilla.raft.log.SnapshotMeta;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of the log: the durable entries read through the store's {@link LogReader}, the
 * {@link Unstable} tail above them, and the volatile {@code commitIndex} and {@code lastApplied}
 * (paper, Figure 2). Like etcd's {@code raftLog}.
 *
 * <p>Invariant: {@code firstIndex() - 1 <= applied <= committed <= lastIndex()}; the core never reads the store at
 * or above {@code unstable.offset()}, nor below {@code firstIndex()} (compacted entries, paper §7). A snapshot the
 * core installed and the driver has not yet persisted ({@link #pendingSnapshot()}) stands in for the store's log.
 */
final class RaftLog {
    /** How many bytes of recently persisted entries the log keeps in memory ({@link EntryCache}). */
    static final long ENTRY_CACHE_BYTES = 4L << 20;
    private final LogReader stable;
    private final Unstable unstable;
    /** Entries persisted lately, read instead of the store (see {@link EntryCache}). */
    private final EntryCache cache = new EntryCache(ENTRY_CACHE_BYTES);
    /** commitIndex: highest log entry known to be committed. */
    private long committed;
    /** lastApplied: highest log entry handed to the driver for applying (or covered by a restored snapshot). */
    private long applied;
    /** A snapshot installed here whose persist the driver has not yet acknowledged, or null. */
    private SnapshotMeta pendingSnapshot;

    /**
     * @param restoredIndex the index the state machine was restored to from a snapshot (0 if none): entries up to
     *                      there count as committed and applied
     */
    RaftLog(LogReader stable, long restoredIndex) {
        this.stable = stable;
        this.unstable = new Unstable(stable.lastIndex() + 1);
        long commit = stable.hardState().commit();
        if (commit > stable.lastIndex()) {
            throw new IllegalStateException("stored commit index " + commit + " is beyond the stored log's last index "
                    + stable.lastIndex() + ": the log store lost committed entries");
        }
        if (restoredIndex < stable.firstIndex() - 1 || restoredIndex > stable.lastIndex()) {
            throw new IllegalStateException("the state machine was restored to index " + restoredIndex
                    + ", but the log holds [" + stable.firstIndex() + ", " + stable.lastIndex()
                    + "]: entries between the snapshot and the log are missing");
        }
        this.committed = Math.max(commit, restoredIndex); // a snapshot holds only committed entries
        this.applied = restoredIndex;
    }

    long firstIndex() {
        return pendingSnapshot != null ? pendingSnapshot.index() + 1 : stable.firstIndex();
    }

    SnapshotMeta pendingSnapshot() {
        return pendingSnapshot;
    }

    /**
     * Figure 13, InstallSnapshot receiver rules 7 and 8: "Discard the entire log" and "reset state machine using
     * snapshot contents": the log becomes empty after {@code snapshot}, whose entries count as committed and applied.
     * The driver persists this with the next Ready ({@link Ready#snapshot()}).
     */
    void restore(SnapshotMeta snapshot) {
        if (snapshot.index() <= committed) {
            throw new IllegalStateException("restore to snapshot " + snapshot.index() + " at or below commit " + committed);
        }
        pendingSnapshot = snapshot;
        unstable.restore(snapshot.index() + 1);
        cache.clear();
        committed = snapshot.index();
        applied = snapshot.index();
    }

    /** The driver persisted {@code snapshot}: the store now starts after it. */
    void snapshotPersisted(SnapshotMeta snapshot) {
        if (pendingSnapshot == snapshot) {
            pendingSnapshot = null;
        }
    }

    long lastIndex() {
        return unstable.lastIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** The highest index known durable here: everything below the unstable tail. */
    long stableLastIndex() {
        return unstable.offset() - 1;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    /** The term at {@code index}, for {@code firstIndex()-1 <= index <= lastIndex()}. */
    long term(long index) {
        if (pendingSnapshot != null && index <= pendingSnapshot.index()) {
            if (index < pendingSnapshot.index()) {
                throw new IndexOutOfBoundsException("index " + index + " is compacted (snapshot " + pendingSnapshot.index() + ")");
            }
            return pendingSnapshot.term();
        }
        if (index >= unstable.offset()) {
            if (index > unstable.lastIndex()) {
                throw new IndexOutOfBoundsException("index " + index + " is beyond the last index " + lastIndex());
            }
            return unstable.get(index).term();
        }
        return stable.term(index);
    }

    /** Whether the log holds an entry at {@code index} with {@code term} (index 0 matches term 0). */
    boolean matchTerm(long index, long term) {
        if (index < firstIndex() - 1 || index > lastIndex()) {
            return false;
        }
        return term(index) == term;
    }

    /**
     * §5.4.1: "If the logs have last entries with different terms, then the log with the later term is more
     * up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date."
     * Returns whether a log ending at ({@code lastIndex}, {@code lastTerm}) is at least as up-to-date as this one.
     */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long myTerm = lastTerm();
        return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
    }

    /** Entries {@code [from, to)} limited to about {@code maxBytes} (at least one if the range is not empty). */
    List<Entry> slice(long from, long to, long maxBytes) {
        if (from >= to) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>((int) Math.min(to - from, 1024));
        long bytes = 0;
        long stableEnd = Math.min(to, unstable.offset());
        if (from < stableEnd) {
            // The store for what precedes the cache, the cache for the rest (it holds every durable entry after it).
            long storeEnd = Math.min(stableEnd, Math.max(from, cache.firstIndex()));
            if (from < storeEnd) {
                for (Entry e : stable.entries(from, storeEnd, maxBytes)) {
                    out.add(e);
                    bytes += e.sizeBytes();
                }
                if (out.size() < storeEnd - from) {
                    return out;
                }
            }
            for (long i = Math.max(from, storeEnd); i < stableEnd; i++) {
                Entry e = cache.get(i);
                if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                    return out;
                }
                out.add(e);
                bytes += e.sizeBytes();
            }
        }
        for (long i = Math.max(from, unstable.offset()); i < to; i++) {
            Entry e = unstable.get(i);
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
        }
        return out;
    }

    /** Appends entries created by this node as leader, right after the last index. */
    void append(List<Entry> ents) {
        if (ents.get(0).index() != lastIndex() + 1) {
            throw new IllegalStateException("leader append at " + ents.get(0).index() + " after last " + lastIndex());
        }
        unstable.truncateAndAppend(ents); // after the last index: nothing cached is superseded
    }

    /**
     * Figure 2, AppendEntries receiver rules 3 and 4: "If an existing entry conflicts with a new one (same
     * index but different terms), delete the existing entry and all that follow it. Append any new entries
     * not already in the log." Entries already present are left alone, so a stale or duplicated message never
     * truncates the log. The caller has checked that {@code ents} follow an entry that matches.
     *
     * @return the index from which entries were written (any the log held from there on were deleted), or 0 if every
     *         entry was already present
     */
    long appendFromLeader(List<Entry> ents) {
        for (int i = 0; i < ents.size(); i++) {
            Entry e = ents.get(i);
            if (!matchTerm(e.index(), e.term())) {
                boolean conflict = e.index() <= lastIndex();
                if (conflict && e.index() <= committed) {
                    throw new IllegalStateException("entry " + e.index() + " of term " + e.term()
                            + " conflicts with a committed entry of term " + term(e.index()));
                }
                cache.truncateFrom(e.index());
                unstable.truncateAndAppend(ents.subList(i, ents.size()));
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The fast back-off probe: the largest index {@code <= index} whose term is {@code <= term}, or
     * {@code firstIndex() - 1} if there is none. Worked example (follower's log below, leader probing with
     * prevLogIndex 7, prevLogTerm 5):
     * <pre>
     *   index  1 2 3 4 5 6 7
     *   term   1 1 2 2 6 6 6     -> returns 4 (term 2): every entry after 4 has a term above 5,
     * </pre>
     * so none of them can match the leader's entries at or below its term 5, and the leader may skip them.
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i >= firstIndex() && term(i) > term) {
            i--;
        }
        return Math.max(i, firstIndex() - 1);
    }

    /** Advances commitIndex; it never decreases (Figure 2). Returns whether it changed. */
    boolean commitTo(long index) {
        if (index <= committed) {
            return false;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit index " + index + " beyond last index " + lastIndex());
        }
        committed = index;
        return true;
    }

    /** Committed, durable entries not yet handed out for applying. */
    List<Entry> nextCommitted() {
        long hi = Math.min(committed, stableLastIndex());
        return hi > applied ? slice(applied + 1, hi + 1, Long.MAX_VALUE) : List.of();
    }

    boolean hasNextCommitted() {
        return Math.min(committed, stableLastIndex()) > applied;
    }

    void appliedTo(long index) {
        if (index > committed) {
            throw new IllegalStateException("applied " + index + " beyond commit " + committed);
        }
        applied = Math.max(applied, index); // a snapshot restored meanwhile may be ahead of entries handed out before it
    }

    boolean hasUnstable() {
        return !unstable.isEmpty();
    }

    List<Entry> unstableEntries() {
        return unstable.snapshot();
    }

    void stableTo(long firstIndex, long lastIndex, long lastTerm) {
        cache.append(unstable.stableTo(firstIndex, lastIndex, lastTerm));
    }
}
