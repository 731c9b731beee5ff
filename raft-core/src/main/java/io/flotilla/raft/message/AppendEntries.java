package io.flotilla.raft.message;

import io.flotilla.raft.log.Entry;

import java.util.List;

/**
 * AppendEntries RPC (Raft paper, Figure 2): invoked by the leader to replicate log entries (§5.3);
 * also used as heartbeat (§5.2).
 *
 * @param prevLogIndex index of the log entry immediately preceding the new ones
 * @param prevLogTerm  term of the {@code prevLogIndex} entry
 * @param entries      log entries to store (empty for heartbeat), contiguous from {@code prevLogIndex + 1}
 * @param leaderCommit the leader's commitIndex
 * @param seq          the leader's send sequence number in its term, echoed by the follower's response; a response
 *                     echoing {@code seq >= s} proves the follower still followed this leader after the leader
 *                     registered a read at {@code s} (ReadIndex, thesis §6.4)
 */
public record AppendEntries(long groupId, long from, long to, long term, long prevLogIndex, long prevLogTerm,
                            List<Entry> entries, long leaderCommit, long seq) implements Message {
    public AppendEntries {
        Message.checkHeader(groupId, from, to, term);
        if (prevLogIndex < 0 || prevLogTerm < 0 || leaderCommit < 0 || seq < 0) {
            throw new IllegalArgumentException("prevLogIndex/prevLogTerm/leaderCommit/seq must be >= 0");
        }
        entries = List.copyOf(entries);
        long expected = prevLogIndex + 1;
        for (Entry e : entries) {
            if (e.index() != expected++) {
                throw new IllegalArgumentException("entries must be contiguous from prevLogIndex+1=" + (prevLogIndex + 1)
                        + ", found index " + e.index());
            }
        }
    }

    /** An AppendEntries with sequence number 0. */
    public AppendEntries(long groupId, long from, long to, long term, long prevLogIndex, long prevLogTerm,
                         List<Entry> entries, long leaderCommit) {
        this(groupId, from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit, 0);
    }

    /** The index of the last entry carried, or {@code prevLogIndex} for a heartbeat. */
    public long lastIndex() {
        return prevLogIndex + entries.size();
    }
}
