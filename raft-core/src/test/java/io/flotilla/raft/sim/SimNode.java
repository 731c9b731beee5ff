package io.flotilla.raft.sim;

import io.flotilla.raft.core.CoreConfig;
import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.SnapshotMeta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated server: a {@link RaftCore} over a {@link SimLogStore} whose unsynced writes a crash loses, a
 * state machine (a hash of every entry applied, in order) and its snapshots. A crash bumps the node's epoch, which
 * cancels its pending ticks and disk completions; a restart restores the state machine from the newest snapshot
 * and builds a fresh core from it and whatever the store kept, as a real process would.
 */
final class SimNode {
    /** How many snapshots a node keeps, like a real snapshot store's retention. */
    private static final int RETAIN = 2;

    /** A snapshot: its metadata and the state machine's hash as of its index. Saved atomically, never lost. */
    record SimSnapshot(SnapshotMeta meta, long hash) {
    }

    final long id;
    final CoreConfig config;
    final SimLogStore store = new SimLogStore();
    RaftCore core;
    boolean up = true;
    /** Incremented on each crash: events scheduled in an earlier epoch are void. */
    int epoch;
    /** A Ready whose synced write is still in flight (its after-persist messages wait for it). */
    Ready writing;
    int crashes;
    /** The state machine: a hash of the entries applied so far, in order. */
    long stateHash;
    /** Durable snapshots, oldest first. */
    final List<SimSnapshot> snapshots = new ArrayList<>();
    /** Snapshots received from a leader and not yet installed, by index (volatile: lost in a crash). */
    final Map<Long, SimSnapshot> received = new HashMap<>();
    int snapshotsTaken;
    int snapshotsInstalled;

    SimNode(long id, CoreConfig config, long coreSeed) {
        this.id = id;
        this.config = config;
        this.core = RaftCore.restore(config, store, new SplittableRandom(coreSeed));
    }

    /** The state machine's transition: folds one applied entry into the hash. */
    static long mix(long hash, Entry e) {
        long h = hash * 0x100000001B3L ^ e.index();
        h = h * 0x100000001B3L ^ e.term();
        return h * 0x100000001B3L ^ e.data().hashCode();
    }

    SimSnapshot latestSnapshot() {
        return snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
    }

    void saveSnapshot(SimSnapshot s) {
        snapshots.add(s);
        while (snapshots.size() > RETAIN) {
            snapshots.remove(0);
        }
    }

    void crash(SplittableRandom rnd) {
        up = false;
        epoch++;
        crashes++;
        writing = null;
        received.clear();
        store.crash(rnd);
        core = null;
    }

    /**
     * Restarts from the newest snapshot plus the log after it. A crash may have kept the snapshot but lost the log's
     * reset to it (an unsynced write): then the log is reset again here, as the runtime does (Figure 13, rules 6–7).
     */
    void restart(long coreSeed) {
        SimSnapshot s = latestSnapshot();
        SnapshotMeta meta = s == null ? null : s.meta();
        if (meta != null && (store.lastIndex() < meta.index() || store.term(meta.index()) != meta.term())) {
            store.installSnapshot(meta.index(), meta.term());
        }
        stateHash = s == null ? 0 : s.hash();
        core = RaftCore.restore(config, store, meta, new SplittableRandom(coreSeed));
        up = true;
    }
}
