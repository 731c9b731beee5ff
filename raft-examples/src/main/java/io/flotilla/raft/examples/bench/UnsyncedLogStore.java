package io.flotilla.raft.examples.bench;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.ForwardingLogStore;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;

import java.util.List;

/**
 * A log store that never fsyncs: {@code bench --fsync off}, to measure what durability costs. Not safe for anything
 * else — a node on it can lose acknowledged writes and votes in a crash of the machine.
 */
final class UnsyncedLogStore extends ForwardingLogStore {
    UnsyncedLogStore(LogStore store) {
        super(store);
    }

    @Override
    public void sync() {
        // no fsync: the point of this store
    }

    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        super.save(hardState, entries, false);
    }
}
