package io.flotilla.raft.node;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;

import java.util.List;

/**
 * A {@link LogStore} whose writes can be made to hang, as a disk that stops answering does (a gray failure: the
 * process and its network are fine). After {@code gate.stall()}, every write — {@code save}, {@code append},
 * {@code sync}, a hard-state write, truncation, compaction, a snapshot reset — blocks the calling thread (the node's
 * event loop) until {@code gate.release()}; reads are served. A blocked write gives up after {@link StallGate#MAX_STALL}.
 */
final class StallableLogStore extends ForwardingLogStore {
    /** Stall and release the writes here. */
    final StallGate gate = new StallGate();

    StallableLogStore(LogStore delegate) {
        super(delegate);
    }

    private void maybeBlock() {
        gate.pass();
    }

    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        maybeBlock();
        super.save(hardState, entries, sync);
    }

    @Override
    public void append(List<Entry> entries) {
        maybeBlock();
        super.append(entries);
    }

    @Override
    public void saveHardState(HardState hardState) {
        maybeBlock();
        super.saveHardState(hardState);
    }

    @Override
    public void sync() {
        maybeBlock();
        super.sync();
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        maybeBlock();
        super.truncateSuffix(fromIndex);
    }

    @Override
    public void compact(long throughIndex) {
        maybeBlock();
        super.compact(throughIndex);
    }

    @Override
    public void installSnapshot(long index, long term) {
        maybeBlock();
        super.installSnapshot(index, term);
    }
}
