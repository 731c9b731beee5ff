package io.flotilla.raft.sim;

import io.flotilla.raft.core.CoreConfig;
import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;

import java.util.SplittableRandom;

/**
 * One simulated server: a {@link RaftCore} over a {@link SimLogStore} whose unsynced writes a crash loses.
 * A crash bumps the node's epoch, which cancels its pending ticks and disk completions; a restart builds a
 * fresh core from whatever the store kept, as a real process would.
 */
final class SimNode {
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

    SimNode(long id, CoreConfig config, long coreSeed) {
        this.id = id;
        this.config = config;
        this.core = RaftCore.restore(config, store, new SplittableRandom(coreSeed));
    }

    void crash(SplittableRandom rnd) {
        up = false;
        epoch++;
        crashes++;
        writing = null;
        store.crash(rnd);
        core = null;
    }

    void restart(long coreSeed) {
        core = RaftCore.restore(config, store, new SplittableRandom(coreSeed));
        up = true;
    }
}
