package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.IOException;
import java.io.InputStream;

/**
 * TEST ONLY, deliberately broken: the state machine of a server started with
 * {@code --unsafe-local-reads=}{@value KvServerConfig#UNSAFE_LOCAL_READS_CONFIRMATION}. It wraps the {@link KvStore}
 * and lets {@link ClientConnection} answer reads from this node's local state at once, without ReadIndex, on any
 * node and in any role. A node cut off from the majority, or one that is behind, then serves stale values: reads are
 * no longer linearizable. The fault-testing harness runs against this mode to show that its checker catches exactly
 * that (docs/verification.md); nothing else uses it.
 *
 * <p>Threading: {@link #apply}, {@link #query}, {@link #snapshot} and {@link #restore} run on the apply thread as
 * for any state machine; {@link #localRead} runs on a client connection's event loop. One lock serializes them, since
 * the store itself is single-threaded. The lock exists only in this mode; the normal path has no wrapper.
 */
final class UnsafeLocalReads implements StateMachine {
    private final KvStore store;

    UnsafeLocalReads(KvStore store) {
        this.store = store;
    }

    /** Answers a read from whatever this node has applied so far: possibly stale. */
    synchronized Payload localRead(Payload query) {
        return store.query(query);
    }

    @Override
    public synchronized Payload apply(long index, Payload command) {
        return store.apply(index, command);
    }

    @Override
    public synchronized Payload query(Payload query) {
        return store.query(query);
    }

    @Override
    public synchronized SnapshotWriter snapshot() {
        return store.snapshot();
    }

    @Override
    public synchronized void restore(InputStream data) throws IOException {
        store.restore(data);
    }
}
