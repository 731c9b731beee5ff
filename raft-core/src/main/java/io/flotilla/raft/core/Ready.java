package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.Message;

import java.util.List;

/**
 * One batch of effects the core asks its driver to carry out, like etcd/raft's {@code Ready}.
 * The driver handles it in this order, then calls {@link RaftCore#advance(Ready)}:
 *
 * <pre>{@code
 * Ready rd = core.ready();
 * transport.send(rd.messages());                                  // may leave before the write is durable (thesis §10.2.1)
 * if (rd.snapshot() != null) {                                    // a follower installs the leader's snapshot (§7)
 *     snapshots.install(rd.snapshot());                           //   it becomes the node's newest snapshot
 *     store.installSnapshot(rd.snapshot().index(), rd.snapshot().term());
 *     stateMachine.restore(rd.snapshot());                        //   in order: before the committed entries below
 * }
 * store.save(rd.hardState(), rd.entries(), rd.mustSync());        // persist; fsync when mustSync
 * transport.send(rd.messagesAfterPersist());                      // votes and acks: only once durable (thesis §3.8)
 * stateMachine.apply(rd.committed());                             // committed, durable, in log order
 * core.advance(rd);
 * }</pre>
 *
 * @param snapshot             a snapshot received from the leader to install before anything else in this Ready:
 *                             the log is reset to follow it and the state machine restored from it; or {@code null}
 * @param hardState            the hard state to save, or {@code null} if unchanged since the last Ready
 * @param entries              entries to append to the log store (replacing any stored suffix from the first one's index)
 * @param messages             messages that may be sent at once, before the persist completes (a leader's AppendEntries)
 * @param messagesAfterPersist messages that must not leave before {@code hardState} and {@code entries} are durable
 * @param committed            committed entries to apply to the state machine, in order, each already durable here
 * @param mustSync             whether the persist must be synced (fsync) before {@code messagesAfterPersist} leave
 * @param outcomes             outcomes of read-index requests and forwarded proposals, for the driver's callers
 */
public record Ready(SnapshotMeta snapshot, HardState hardState, List<Entry> entries, List<Message> messages,
                    List<Message> messagesAfterPersist, List<Entry> committed, boolean mustSync,
                    List<RequestOutcome> outcomes) {
    public Ready {
        outcomes = List.copyOf(outcomes);
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        messagesAfterPersist = List.copyOf(messagesAfterPersist);
        committed = List.copyOf(committed);
    }

    /** Whether the driver has anything to persist (and so must write before sending {@link #messagesAfterPersist}). */
    public boolean needsPersist() {
        return snapshot != null || hardState != null || !entries.isEmpty();
    }
}
