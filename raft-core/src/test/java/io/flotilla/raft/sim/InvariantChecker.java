package io.flotilla.raft.sim;

import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the safety properties of Raft (paper, Figure 3) as a simulation runs, incrementally, so that every
 * event can be checked:
 * <ul>
 *   <li><b>Election Safety</b>: at most one leader can be elected in a given term;</li>
 *   <li><b>Leader Append-Only</b>: a leader never overwrites or deletes entries in its log;</li>
 *   <li><b>Log Matching</b>: if two logs contain an entry with the same index and term, the logs are identical
 *       in all entries up through that index (checked by induction: each (index, term) pair must always carry
 *       the same entry and follow the same term);</li>
 *   <li><b>Leader Completeness</b>: every entry committed in a term is in the log of every leader of a later term;</li>
 *   <li><b>State Machine Safety</b>: no two nodes commit or apply different entries at the same index, and each
 *       node applies committed entries in order, without gaps;</li>
 *   <li><b>Snapshot Safety</b>: a snapshot a node restores holds exactly the committed entries up to its index (its
 *       state equals the state of applying the committed log up to there), and the node applies on from there.</li>
 * </ul>
 * A violation throws {@link Violation}.
 */
final class InvariantChecker {
    /** A broken invariant. */
    static final class Violation extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String rule;

        Violation(String rule, String detail) {
            super(detail);
            this.rule = rule;
        }
    }

    private record Key(long index, long term) {
    }

    private record Seen(Entry entry, long prevTerm, long node) {
    }

    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<Key, Seen> entries = new HashMap<>();
    /** Entries known committed, index - 1 → entry. */
    private final List<Entry> committed = new ArrayList<>();
    /**
     * Index - 1 → the term of the node that first saw the entry committed: the term it was committed in (the leader
     * that commits an entry sees it first), or, if a follower saw it first, an upper bound on that term.
     */
    private final List<Long> committedInTerm = new ArrayList<>();
    /** Entries applied by any node, index - 1 → entry. */
    private final List<Entry> applied = new ArrayList<>();
    private final Map<Long, NodeView> views = new HashMap<>();

    /** What the checker remembers of one node (reset when it restarts). */
    private static final class NodeView {
        long leaderTerm;
        long leaderLastIndex;
        long leaderLastTerm;
        long checkedCommit;
        long lastApplied;
    }

    private NodeView view(long id) {
        return views.computeIfAbsent(id, k -> new NodeView());
    }

    int committedCount() {
        return committed.size();
    }

    /** A node restarted from its store: its volatile state starts over. */
    void restarted(long id) {
        views.put(id, new NodeView());
    }

    /** Checks a node's state after an event. */
    void check(RaftCore core) {
        NodeView v = view(core.id());
        if (core.role() == Role.LEADER) {
            Long other = leaderOfTerm.putIfAbsent(core.term(), core.id());
            if (other != null && other != core.id()) {
                throw new Violation("Election Safety", "nodes " + other + " and " + core.id() + " both lead term " + core.term());
            }
            if (v.leaderTerm != core.term()) {
                checkLeaderCompleteness(core);
                v.leaderTerm = core.term();
            } else if (core.lastIndex() < v.leaderLastIndex || (v.leaderLastIndex >= core.firstIndex() - 1
                    && core.termAt(v.leaderLastIndex) != v.leaderLastTerm)) {
                throw new Violation("Leader Append-Only", "leader " + core.id() + " of term " + core.term()
                        + " had entry " + v.leaderLastIndex + " of term " + v.leaderLastTerm + ", now " + core);
            }
            v.leaderLastIndex = core.lastIndex();
            v.leaderLastTerm = core.termAt(core.lastIndex());
        } else {
            v.leaderTerm = 0;
        }
        if (core.commitIndex() > v.checkedCommit) {
            // Entries below the log's first index are covered by a snapshot, checked when it was restored.
            long from = Math.max(v.checkedCommit + 1, core.firstIndex());
            for (Entry e : core.entries(from, core.commitIndex() + 1)) {
                record(committed, e, core.id(), "committed");
                if (committedInTerm.size() < committed.size()) {
                    committedInTerm.add(core.term());
                }
            }
            v.checkedCommit = core.commitIndex();
        }
    }

    /**
     * Leader Completeness (§5.4): "If a log entry is committed in a given term, then that entry will be present in the
     * logs of the leaders for all higher-numbered terms." A new leader holds every entry known committed in an earlier
     * term. (A candidate may still win an older term with votes granted before the voters moved on — the answers were
     * delayed — after a newer leader committed entries it lacks; that is allowed: it cannot commit anything, since
     * those voters now refuse its term.)
     */
    private void checkLeaderCompleteness(RaftCore leader) {
        for (int i = 0; i < committed.size(); i++) {
            Entry e = committed.get(i);
            if (committedInTerm.get(i) >= leader.term()) {
                continue; // committed in this leader's term or a later one
            }
            if (e.index() < leader.firstIndex() - 1) {
                continue; // in the leader's snapshot, which was checked against the committed log when restored
            }
            if (e.index() > leader.lastIndex() || leader.termAt(e.index()) != e.term()) {
                throw new Violation("Leader Completeness", "leader " + leader.id() + " of term " + leader.term()
                        + " lacks committed entry " + e.index() + " of term " + e.term() + " (" + leader + ")");
            }
        }
    }

    /** Log Matching for every entry a node is about to persist or send. */
    void onReady(RaftCore core, Ready rd) {
        checkRun(core.id(), rd.entries(), rd.entries().isEmpty() ? 0 : core.termAt(rd.entries().get(0).index() - 1));
        for (Message m : rd.messages()) {
            if (m instanceof AppendEntries ae) {
                checkRun(core.id(), ae.entries(), ae.prevLogTerm());
            }
        }
    }

    private void checkRun(long node, List<Entry> run, long prevTerm) {
        for (Entry e : run) {
            Seen seen = entries.putIfAbsent(new Key(e.index(), e.term()), new Seen(e, prevTerm, node));
            if (seen != null && (!seen.entry.equals(e) || seen.prevTerm != prevTerm)) {
                throw new Violation("Log Matching", "entry (" + e.index() + ", term " + e.term() + ") is " + e
                        + " after term " + prevTerm + " on node " + node + " but " + seen.entry + " after term "
                        + seen.prevTerm + " on node " + seen.node);
            }
            prevTerm = e.term();
        }
    }

    /**
     * ReadIndex safety (thesis §6.4): a read index must cover every entry known committed when the read was
     * requested, or a read served at it could miss an acknowledged write.
     */
    void onReadIndex(long node, long readIndex, long committedWhenRequested) {
        if (readIndex < committedWhenRequested) {
            throw new Violation("Linearizable ReadIndex", "node " + node + " got read index " + readIndex
                    + " for a read requested when " + committedWhenRequested + " entries were already committed");
        }
    }

    /** State Machine Safety for an entry a node applies. */
    void onApply(RaftCore core, Entry e) {
        NodeView v = view(core.id());
        if (e.index() != v.lastApplied + 1) {
            throw new Violation("State Machine Safety", "node " + core.id() + " applied " + e.index() + " after "
                    + v.lastApplied);
        }
        if (e.index() > core.commitIndex()) {
            throw new Violation("State Machine Safety", "node " + core.id() + " applied uncommitted entry " + e.index());
        }
        v.lastApplied = e.index();
        record(applied, e, core.id(), "applied");
    }

    /**
     * Snapshot Safety: node {@code id} restored its state machine from {@code meta}, whose state is {@code hash}. That
     * must be the state of applying exactly the committed entries up to {@code meta.index()}; the node applies on
     * from there.
     */
    void onRestore(long id, SnapshotMeta meta, long hash) {
        if (meta.index() > committed.size()) {
            throw new Violation("Snapshot Safety", "node " + id + " restored snapshot " + meta.index()
                    + " beyond the " + committed.size() + " entries known committed");
        }
        Entry last = committed.get(Math.toIntExact(meta.index() - 1));
        if (last.term() != meta.term()) {
            throw new Violation("Snapshot Safety", "node " + id + " restored snapshot " + meta + " but committed entry "
                    + meta.index() + " has term " + last.term());
        }
        long expected = 0;
        for (int i = 0; i < meta.index(); i++) {
            expected = SimNode.mix(expected, committed.get(i));
        }
        if (expected != hash) {
            throw new Violation("Snapshot Safety", "node " + id + " restored snapshot " + meta
                    + " whose state differs from the committed log up to " + meta.index());
        }
        NodeView v = view(id);
        v.lastApplied = meta.index();
        v.checkedCommit = Math.max(v.checkedCommit, meta.index());
    }

    private static void record(List<Entry> ledger, Entry e, long node, String what) {
        int i = Math.toIntExact(e.index() - 1);
        if (i < ledger.size()) {
            if (!ledger.get(i).equals(e)) {
                throw new Violation("State Machine Safety", "node " + node + " " + what + " " + e + " at index "
                        + e.index() + " where " + ledger.get(i) + " was " + what + " before");
            }
        } else if (i == ledger.size()) {
            ledger.add(e);
        } else {
            throw new IllegalStateException("checker saw " + what + " entry " + e.index() + " before " + (i));
        }
    }
}
