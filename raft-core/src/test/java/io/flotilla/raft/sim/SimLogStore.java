package io.flotilla.raft.sim;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.LogStoreException;

import java.nio.ByteBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32;

/**
 * The simulator's disk: a {@link LogStore} with a volatile write cache that a simulated power loss
 * can partly wipe, and optional disk faults ({@link DiskFaults}), so that runs exercise what
 * {@link LogStore} promises and nothing more.
 *
 * <p>The model keeps what reads see, the <em>visible</em> log and hard state, apart from what lies on the
 * <em>disk</em>: a sequence of records, one per write ({@code append}, {@code truncateSuffix},
 * {@code compact}, {@code installSnapshot}, {@code saveHardState}, {@code save}), each with a CRC-32 of its
 * contents, and a sync mark saying how many of them are durable. Every write is applied to the visible copy at
 * once and appended to the disk as a record. {@link #sync()} moves the sync mark to the end.
 * {@link #crash(RandomGenerator)} is a power loss followed by a restart: the durable records plus a random prefix
 * of the unsynced ones survive (a {@code save} is one record), possibly followed by a torn record and some later
 * ones; the store then opens again by replaying the records, checking each CRC ({@link #recover()}). A crash is the
 * only way to reopen a closed store; {@code close()} itself loses nothing yet. Older durable records are folded
 * into a checkpoint, so a restart replays only the last few dozen.
 *
 * <p>Invariant (without faults): the visible copy equals the checkpoint with every record on the disk applied in
 * order. A failed sync or write breaks it on purpose (the disk lost or tore what the process still sees); only a
 * crash, re-reading the disk, restores it — which is what a node that fails stop gets.
 *
 * <p>Used by the simulator and tests, on the simulation's single thread; not thread-safe.
 * Deterministic: the only randomness is the generator handed to {@code crash} and the one handed to
 * {@link #injectFaults}.
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

    /**
     * One op as it lies on the disk: the op and the CRC-32 written with it. A record whose CRC does not match its
     * op was torn (half written) or damaged.
     */
    private record Record(Op op, int crc) {
        boolean intact() {
            return crc == checksum(op);
        }
    }

    /** Durable records older than the last {@link #RETAINED}, folded into a checkpoint (verified when folded). */
    private static final int RETAINED = 64;

    private final InMemoryLogStore sealed = new InMemoryLogStore();
    /** The records on the disk after {@link #sealed}, in write order. */
    private final List<Record> medium = new ArrayList<>();
    /**
     * How many of {@link #medium}'s records are durable: the sync mark the disk keeps with the log (as a WAL's
     * header or a manifest does). Invariant: {@code 0 <= durableRecords <= medium.size()}.
     */
    private int durableRecords;
    private InMemoryLogStore visible = new InMemoryLogStore();
    private long syncCount;

    private DiskFaults faults = DiskFaults.NONE;
    private RandomGenerator faultRandom;
    private boolean diskFull;
    /** Why the store refuses to open (damage found in its synced records), or null. */
    private String corruption;
    private long failedSyncs;
    private long ioErrors;
    private long diskFullErrors;
    private long lyingSyncs;
    private long tornTailsTruncated;

    /**
     * Injects {@code faults} from now on, drawing only from {@code random} (never from the generator handed to
     * {@link #crash}, so a schedule without disk faults draws exactly what it drew before faults existed). With
     * {@link DiskFaults#NONE} nothing is drawn at all, and {@code random} may be null.
     */
    public void injectFaults(DiskFaults faults, RandomGenerator random) {
        this.faults = java.util.Objects.requireNonNull(faults);
        this.faultRandom = faults.any() ? java.util.Objects.requireNonNull(random) : null;
    }

    /** Ends a full disk: writes succeed again (space was freed). */
    public void freeSpace() {
        diskFull = false;
    }

    /** Whether the disk is full: every write fails with ENOSPC until {@link #freeSpace()}. */
    public boolean diskFull() {
        return diskFull;
    }

    /** Counts of the faults injected so far: failed syncs, I/O errors, ENOSPC errors, lying syncs, torn tails dropped. */
    public long[] faultCounts() {
        return new long[] {failedSyncs, ioErrors, diskFullErrors, lyingSyncs, tornTailsTruncated};
    }

    /** The number of writes since the last sync: what a crash now may lose. */
    public int unsyncedOps() {
        return medium.size() - durableRecords;
    }

    /** The number of syncs so far, including {@code save} calls that asked for one. */
    public long syncCount() {
        return syncCount;
    }

    /**
     * Loses power and restarts: keeps the durable records plus the first {@code k} unsynced ones, with {@code k}
     * drawn uniformly from {@code 0..unsyncedOps()}. With the {@code tornWrite} fault the next record is left half
     * written, and some records after it may have reached the disk too (write-back is not in order). Then the store
     * opens again (also if it was closed) by {@link #recover() recovering}: it checks every record's CRC, drops a
     * torn unsynced tail, and refuses to open, throwing {@link LogStoreException}, if a synced record is damaged.
     */
    public void crash(RandomGenerator rnd) {
        int unsynced = medium.size() - durableRecords;
        int kept = rnd.nextInt(unsynced + 1);
        int survivors = durableRecords + kept;
        if (kept < unsynced && faultRandom != null && faultRandom.nextDouble() < faults.tornWrite()) {
            Record first = medium.get(survivors);
            medium.set(survivors, new Record(first.op(), ~first.crc())); // a prefix of it, then garbage
            survivors += 1 + faultRandom.nextInt(unsynced - kept); // and maybe some later records, whole
        }
        medium.subList(survivors, medium.size()).clear();
        recover();
    }

    /**
     * Damages the newest durable record (a bit flip on the medium, test-only): the next {@link #crash} finds it and
     * refuses to open.
     */
    public void corruptSyncedRecord() {
        if (durableRecords == 0) {
            throw new IllegalStateException("no synced record to damage");
        }
        Record r = medium.get(durableRecords - 1);
        medium.set(durableRecords - 1, new Record(r.op(), r.crc() ^ 1));
    }

    /**
     * Opens the store on what the disk holds, as a real store does on start: replays the records in order, checking
     * each CRC. A bad record after the sync mark is a torn tail, written but never synced: it and every record after
     * it are dropped (the contract allows losing unsynced writes, never keeping a torn one). A bad record before the
     * mark is damage to data the store promised was durable: it refuses to open, and stays closed.
     */
    private void recover() {
        visible.close();
        InMemoryLogStore rebuilt = copyOf(sealed);
        for (int i = 0; i < medium.size(); i++) {
            Record r = medium.get(i);
            if (!r.intact()) {
                if (i < durableRecords) {
                    corruption = "synced record " + i + " after the checkpoint at index " + sealed.lastIndex()
                            + " fails its CRC check (" + r.op().getClass().getSimpleName()
                            + "): the durable log is damaged; refusing to open";
                    rebuilt.close();
                    throw new LogStoreException(corruption);
                }
                tornTailsTruncated++;
                medium.subList(i, medium.size()).clear();
                break;
            }
            r.op().applyTo(rebuilt);
        }
        corruption = null;
        durableRecords = medium.size(); // opening syncs what it kept
        visible = rebuilt;
        fold();
    }

    /** Folds the oldest durable records into the checkpoint, keeping the last {@link #RETAINED} as records. */
    private void fold() {
        int fold = 0;
        while (fold < durableRecords - RETAINED && medium.get(fold).intact()) {
            medium.get(fold).op().applyTo(sealed);
            fold++;
        }
        medium.subList(0, fold).clear();
        durableRecords -= fold;
    }

    /** The CRC-32 of everything an op writes. */
    private static int checksum(Op op) {
        CRC32 crc = new CRC32();
        if (op instanceof Append a) {
            digest(crc, 1, a.entries());
        } else if (op instanceof Save s) {
            digest(crc, 2, s.entries());
            digest(crc, s.hardState());
        } else if (op instanceof SaveHardState h) {
            digest(crc, 3, List.of());
            digest(crc, h.hardState());
        } else if (op instanceof TruncateSuffix t) {
            digest(crc, 4, t.fromIndex());
        } else if (op instanceof Compact c) {
            digest(crc, 5, c.throughIndex());
        } else if (op instanceof InstallSnapshot is) {
            digest(crc, 6, is.index(), is.term());
        }
        return (int) crc.getValue();
    }

    private static void digest(CRC32 crc, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length);
        for (long v : values) {
            b.putLong(v);
        }
        crc.update(b.flip());
    }

    private static void digest(CRC32 crc, HardState hs) {
        if (hs != null) {
            digest(crc, hs.term(), hs.votedFor(), hs.commit());
        }
    }

    private static void digest(CRC32 crc, long kind, List<Entry> entries) {
        digest(crc, kind, entries.size());
        for (Entry e : entries) {
            digest(crc, e.index(), e.term(), e.type().ordinal(), e.data().size());
            crc.update(e.data().asReadOnlyByteBuffer());
        }
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

    /**
     * Makes every earlier write durable. With the {@code failedSync} fault it throws instead, and, as Linux may drop
     * the dirty pages it failed to write, a random part of the unsynced records is gone from the disk (not from what
     * reads see): a later sync would report success without them, which is why a node must not retry a failed one.
     * With the {@code lyingSync} fault it returns without making anything durable.
     */
    @Override
    public void sync() {
        checkOpen();
        visible.sync();
        if (faultRandom != null && faultRandom.nextDouble() < faults.failedSync()) {
            failedSyncs++;
            int unsynced = medium.size() - durableRecords;
            medium.subList(durableRecords + faultRandom.nextInt(unsynced + 1), medium.size()).clear();
            throw new LogStoreException("fsync failed: EIO (simulated); " + unsynced
                    + " unsynced writes may be lost, and a retried fsync cannot tell");
        }
        syncCount++;
        if (faultRandom != null && faultRandom.nextDouble() < faults.lyingSync()) {
            lyingSyncs++;
            return; // reports success, persists nothing
        }
        durableRecords = medium.size();
        fold();
    }

    /** Closes the store until the next {@link #crash}; unsynced writes stay on the way to the disk. Idempotent. */
    @Override
    public void close() {
        visible.close();
    }

    /**
     * Applies to the visible copy first, so a rejected write is neither visible nor on the disk. With the
     * {@code diskFull} fault (and while the disk stays full) it throws ENOSPC; with {@code ioError} it throws EIO, and
     * half the time a torn record of the write reached the disk.
     */
    private void write(Op op) {
        checkOpen();
        if (!diskFull && faultRandom != null && faultRandom.nextDouble() < faults.diskFull()) {
            diskFull = true;
        }
        if (diskFull) {
            diskFullErrors++;
            throw new LogStoreException("write failed: ENOSPC, no space left on device (simulated)");
        }
        if (faultRandom != null) {
            if (faultRandom.nextDouble() < faults.ioError()) {
                ioErrors++;
                if (faultRandom.nextBoolean()) {
                    medium.add(new Record(op, ~checksum(op)));
                }
                throw new LogStoreException("write failed: EIO (simulated)");
            }
        }
        op.applyTo(visible);
        medium.add(new Record(op, checksum(op)));
    }

    private void checkOpen() {
        if (corruption != null) {
            throw new LogStoreException(corruption);
        }
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
    public String toString() {
        return "SimLogStore[records=" + medium.size() + ", durableRecords=" + durableRecords + ", syncCount="
                + syncCount + (diskFull ? ", full" : "") + (corruption != null ? ", corrupt" : "") + "]";
    }
}
