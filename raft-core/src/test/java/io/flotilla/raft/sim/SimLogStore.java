package io.flotilla.raft.sim;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStore;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The simulator's disk: a {@link LogStore} with a volatile write cache that a simulated power loss
 * can partly wipe, so that runs exercise what {@link LogStore} promises and nothing more.
 *
 * <p>The model keeps two copies of the log and hard state. Every write ({@code append},
 * {@code truncateSuffix}, {@code saveHardState}, {@code save}) is applied to the <em>visible</em>
 * copy at once, which is what reads see, and is queued as one <em>unsynced op</em>. {@link #sync()}
 * applies the queued ops to the <em>durable</em> copy and empties the queue.
 * {@link #crash(RandomGenerator)} is a power loss followed by a restart: the durable copy plus a
 * random prefix of the queued ops survive (each op whole, never torn; a {@code save} is one op), the
 * rest is lost, and the store is open again on exactly that state. A crash is the only way to reopen
 * a closed store; {@code close()} itself loses nothing yet.
 *
 * <p>Invariant: the visible copy equals the durable copy with every queued op applied in order.
 *
 * <p>Used by the simulator and tests, on the simulation's single thread; not thread-safe.
 * Deterministic: the only randomness is the generator handed to {@code crash}.
 */
public final class SimLogStore implements LogStore {
    /** One write, replayable on another store; applying it never fails where it once succeeded. */
    private interface Op {
        void applyTo(LogStore store);
    }

    private record Append(List<Entry> entries) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.append(entries);
        }
    }

    private record TruncateSuffix(long fromIndex) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.truncateSuffix(fromIndex);
        }
    }

    private record Compact(long throughIndex) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.compact(throughIndex);
        }
    }

    private record InstallSnapshot(long index, long term) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.installSnapshot(index, term);
        }
    }

    private record SaveHardState(HardState hardState) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.saveHardState(hardState);
        }
    }

    private record Save(HardState hardState, List<Entry> entries) implements Op {
        @Override
        public void applyTo(LogStore store) {
            store.save(hardState, entries, false);
        }
    }

    private final InMemoryLogStore durable = new InMemoryLogStore();
    private final List<Op> unsynced = new ArrayList<>();
    private InMemoryLogStore visible = new InMemoryLogStore();
    private long syncCount;

    /** The number of writes since the last sync: what a crash now may lose. */
    public int unsyncedOps() {
        return unsynced.size();
    }

    /** The number of syncs so far, including {@code save} calls that asked for one. */
    public long syncCount() {
        return syncCount;
    }

    /**
     * Loses power and restarts: keeps the durable state plus the first {@code k} unsynced ops, with
     * {@code k} drawn uniformly from {@code 0..unsyncedOps()}, makes that the visible state and opens
     * the store again (also if it was closed).
     */
    public void crash(RandomGenerator rnd) {
        int kept = rnd.nextInt(unsynced.size() + 1);
        makeDurable(unsynced.subList(0, kept));
        unsynced.clear();
        visible.close();
        visible = copyOf(durable);
    }

    /** A fresh store holding what {@code source} holds: its snapshot boundary, entries and hard state. */
    private static InMemoryLogStore copyOf(InMemoryLogStore source) {
        InMemoryLogStore copy = new InMemoryLogStore();
        if (source.firstIndex() > 1) {
            copy.installSnapshot(source.firstIndex() - 1, source.term(source.firstIndex() - 1));
        }
        copy.save(source.hardState(), source.entries(source.firstIndex(), source.lastIndex() + 1, Long.MAX_VALUE), false);
        return copy;
    }

    @Override
    public long firstIndex() {
        return visible.firstIndex();
    }

    @Override
    public long lastIndex() {
        return visible.lastIndex();
    }

    @Override
    public long term(long index) {
        return visible.term(index);
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        return visible.entries(from, to, maxBytes);
    }

    @Override
    public HardState hardState() {
        return visible.hardState();
    }

    @Override
    public void append(List<Entry> entries) {
        write(new Append(List.copyOf(entries)));
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        write(new TruncateSuffix(fromIndex));
    }

    @Override
    public void compact(long throughIndex) {
        write(new Compact(throughIndex));
    }

    @Override
    public void installSnapshot(long index, long term) {
        write(new InstallSnapshot(index, term));
    }

    @Override
    public void saveHardState(HardState hardState) {
        write(new SaveHardState(hardState));
    }

    /** Saves both as one op, so a crash keeps both or neither. */
    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        write(new Save(hardState, List.copyOf(entries)));
        if (sync) {
            sync();
        }
    }

    @Override
    public void sync() {
        visible.sync();
        makeDurable(unsynced);
        unsynced.clear();
        syncCount++;
    }

    /** Closes the store until the next {@link #crash}; unsynced ops stay queued. Idempotent. */
    @Override
    public void close() {
        visible.close();
    }

    /** Applies to the visible copy first, so a rejected write is neither visible nor queued. */
    private void write(Op op) {
        op.applyTo(visible);
        unsynced.add(op);
    }

    private void makeDurable(List<Op> ops) {
        for (Op op : ops) {
            op.applyTo(durable);
        }
    }

    @Override
    public String toString() {
        return "SimLogStore[durableLastIndex=" + durable.lastIndex() + ", unsyncedOps=" + unsynced.size()
                + ", syncCount=" + syncCount + "]";
    }
}
