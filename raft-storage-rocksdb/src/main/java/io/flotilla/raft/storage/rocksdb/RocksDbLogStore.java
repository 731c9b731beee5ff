package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.LogStoreException;
import io.flotilla.raft.storage.rocksdb.DiskFormat.LogStart;
import io.flotilla.raft.storage.rocksdb.LogRecovery.Database;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A node's Raft log and hard state on local disk, in RocksDB: fsync'd when the core asks for durability,
 * checksummed per entry, and checked from end to end when opened.
 *
 * <p><b>Who calls it.</b> The node runtime's event loop, one thread, as {@link LogStore} says: it reads
 * through the core's {@code LogReader} view and writes each {@code Ready} with
 * {@link #save(HardState, List, boolean) save(hardState, entries, mustSync)}. This class is not
 * thread-safe; calls from several threads must be serialized by the caller.
 *
 * <p><b>What it guarantees.</b>
 * <ul>
 *   <li>Every {@code save}, {@code append}, {@code truncateSuffix}, {@code compact} and
 *       {@code installSnapshot} is one RocksDB {@code WriteBatch}:
 *       after a crash it is there entirely or not at all. A {@code save} with {@code sync = true} returns
 *       only once its batch, and every write before it, is on disk (the WAL is fdatasync'd). Writes are
 *       applied in call order, so after a crash the store holds every durable write and possibly a prefix
 *       of the later ones, never a torn entry. Entries written between two syncs share the next sync
 *       (group commit: the runtime batches a whole Ready into one {@code save}).</li>
 *   <li>Every entry carries a CRC32C, checked on every read; a mismatch, a gap in the indexes, or a term
 *       that differs from the one written is a {@link LogStoreException} naming the index and the
 *       directory, never a wrong answer.</li>
 *   <li>{@link #open} checks the whole store before returning (see {@link Options} and
 *       docs/storage.md): metadata against the node's configuration, contiguous indexes, non-decreasing
 *       terms, every entry's checksum, the hard state's commit index within the log. It refuses to start
 *       on anything wrong, and discards nothing unless {@link Options#repairTornTail()} allows dropping an
 *       incomplete last WAL record.</li>
 *   <li>{@link #term(long)}, {@link #firstIndex()}, {@link #lastIndex()} and {@link #hardState()} answer
 *       from memory; {@link #entries} reads RocksDB (the memtable, for recent entries).</li>
 *   <li>After a write fails the store refuses every further call but {@link #close()}: the outcome of the
 *       failed write on disk is unknown, and the node must stop (it does, on any
 *       {@link LogStoreException}).</li>
 * </ul>
 *
 * <p>Disk layout: entries keyed by big-endian index in column family {@code flotilla-entries}; hard state
 * and metadata (format version, cluster id, node id, compaction point) in {@code flotilla-meta}; all
 * values encoded with raft-core's codecs (protobuf) behind a CRC32C frame. See docs/storage.md.
 */
public final class RocksDbLogStore implements LogStore {
    /**
     * How to open a {@link RocksDbLogStore}. Immutable; validated on construction with messages naming the
     * field, its value and the constraint. Start from {@link #of(long, long)}.
     *
     * @param clusterId      the Raft group this log belongs to (the runtime's {@code RaftConfig.groupId()}),
     *                       {@code >= 0}. Written when the store is created; opening the store with another
     *                       value fails, so a node never joins one cluster with another cluster's log.
     * @param nodeId         this node's id ({@code RaftConfig.nodeId()}), {@code > 0}. Written when the store
     *                       is created and checked on every open like {@code clusterId}.
     * @param repairTornTail default {@code false}: any damage to a write-ahead log file, even an incomplete
     *                       last record, makes {@link #open} fail. {@code true}: if, and only if, the damage
     *                       is a WAL that ends in the middle of a record (a write torn by a crash, or a
     *                       SIGKILL during a large write), that record is discarded and the store opens;
     *                       {@link #repairedTornTail()} then says so. A torn record was never acknowledged as
     *                       durable (its sync had not returned), so Raft loses nothing — unless the disk
     *                       itself lost synced data, which no software can tell apart. Any other damage still
     *                       fails. The rest of the store is checked as always after a repair.
     */
    public record Options(long clusterId, long nodeId, boolean repairTornTail) {
        public Options {
            if (clusterId < 0) {
                throw new IllegalArgumentException("Options.clusterId must be >= 0 (the Raft group id), was " + clusterId);
            }
            if (nodeId <= 0) {
                throw new IllegalArgumentException("Options.nodeId must be > 0 (node ids start at 1), was " + nodeId);
            }
        }

        /** Options for {@code nodeId} in cluster {@code clusterId}, with {@code repairTornTail} off. */
        public static Options of(long clusterId, long nodeId) {
            return new Options(clusterId, nodeId, false);
        }

        /** These options with {@code repairTornTail} set as given. */
        public Options withRepairTornTail(boolean repair) {
            return new Options(clusterId, nodeId, repair);
        }
    }

    private final Path dir;
    /** Names the store in every error message. */
    private final String where;
    private final Database database;
    private final RocksDB db;
    private final boolean repairedTornTail;

    /** Invariant: {@code firstIndex == logStart.index() + 1}; {@code firstIndex - 1 <= lastIndex}. */
    private long firstIndex;
    /** The term of the entry at {@code firstIndex - 1} (the last compacted one, or a snapshot's last); 0 if none. */
    private long compactedTerm;
    /** Invariant: equals the index of the last entry in RocksDB, or {@code firstIndex - 1} if there is none. */
    private long lastIndex;
    /** Invariant: holds exactly the terms of entries {@code firstIndex..lastIndex} as written to RocksDB. */
    private final TermRuns terms;
    private HardState hardState;
    private boolean closed;
    /** The first write failure; once set, every call but {@code close()} rethrows it. */
    private LogStoreException failure;

    private RocksDbLogStore(Path dir, String where, LogRecovery.Opened opened) {
        this.dir = dir;
        this.where = where;
        this.database = opened.database();
        this.db = database.db();
        this.repairedTornTail = database.repairedTornTail();
        LogRecovery.Recovered state = opened.state();
        this.firstIndex = state.logStart().index() + 1;
        this.compactedTerm = state.logStart().term();
        this.lastIndex = state.lastIndex();
        this.terms = state.terms();
        this.hardState = state.hardState();
    }

    /**
     * Opens the store in {@code dir}, creating the directory and an empty store if there is none, and
     * checks everything in it (reading every retained entry once). Called once per node start, before the
     * node's core is restored from it.
     *
     * @param dir     the store's directory, which only this store uses
     * @param options the node's identity and the repair option
     * @return the open store; the caller closes it (after the node that uses it)
     * @throws LogStoreException if the store cannot be opened or is damaged, or belongs to another cluster
     *                           or node; the message says what and where
     */
    public static RocksDbLogStore open(Path dir, Options options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        Path absolute = dir.toAbsolutePath().normalize();
        String where = "RocksDB log store " + absolute;
        try {
            RocksDB.loadLibrary(); // from the rocksdbjni jar; idempotent
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new LogStoreException("cannot open " + where + ": RocksDB's native library did not load: " + e, e);
        }
        return new RocksDbLogStore(absolute, where, LogRecovery.open(absolute, options, where));
    }

    /** The store's directory. */
    public Path directory() {
        return dir;
    }

    /** Whether {@link #open} discarded a torn last WAL record (only possible with {@link Options#repairTornTail()}). */
    public boolean repairedTornTail() {
        return repairedTornTail;
    }

    // ---------------------------------------------------------------- LogReader

    @Override
    public long firstIndex() {
        checkUsable();
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        checkUsable();
        return lastIndex;
    }

    /** Answers from memory (see {@link TermRuns}); never reads the disk. */
    @Override
    public long term(long index) {
        checkUsable();
        if (index < firstIndex - 1 || index > lastIndex) {
            throw new IndexOutOfBoundsException("term(" + index + ") is outside [" + (firstIndex - 1) + ", " + lastIndex + "]");
        }
        return index == firstIndex - 1 ? compactedTerm : terms.termAt(index);
    }

    /**
     * Reads entries from RocksDB, checking each one's checksum, index and term.
     *
     * @throws LogStoreException if an entry in the range is missing or damaged
     */
    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        checkUsable();
        if (from < firstIndex || from > to || to > lastIndex + 1) {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + to + ") is not a range within ["
                    + firstIndex + ", " + (lastIndex + 1) + "]");
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
        }
        if (from == to) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>((int) Math.min(to - from, 256));
        long bytes = 0;
        try (RocksIterator it = db.newIterator(database.entriesCf(), database.settings().read)) {
            it.seek(DiskFormat.entryKey(from));
            for (long i = from; i < to; i++) {
                if (i > from) {
                    it.next();
                }
                Entry e = readEntry(it, i);
                bytes += e.sizeBytes();
                if (!out.isEmpty() && bytes > maxBytes) {
                    break;
                }
                out.add(e);
            }
        } catch (RocksDBException e) {
            throw DiskFormat.damaged(where, "reading entries [" + from + ", " + to + ") failed: RocksDB reports "
                    + LogRecovery.describe(e));
        }
        return List.copyOf(out);
    }

    /** The entry under the iterator, which must be the one at {@code index}, checked against what was written. */
    private Entry readEntry(RocksIterator it, long index) throws RocksDBException {
        if (!it.isValid()) {
            it.status(); // a read error, if that is why the iterator stopped
            throw DiskFormat.damaged(where, "the entry at index " + index + " is missing (the log should end at "
                    + lastIndex + ")");
        }
        byte[] key = it.key();
        long stored = DiskFormat.indexOf(key);
        if (stored != index) {
            throw DiskFormat.damaged(where, "the entry at index " + index + " is missing (the next key holds index "
                    + stored + ")");
        }
        Entry e = DiskFormat.decodeEntry(key, it.value(), where);
        long written = terms.termAt(index);
        if (e.term() != written) {
            throw DiskFormat.damaged(where, "the entry at index " + index + " has term " + e.term()
                    + ", but term " + written + " was written there");
        }
        return e;
    }

    @Override
    public HardState hardState() {
        checkUsable();
        return hardState;
    }

    // ---------------------------------------------------------------- LogStore

    @Override
    public void append(List<Entry> entries) {
        write(null, entries, false);
    }

    @Override
    public void saveHardState(HardState hardState) {
        write(Objects.requireNonNull(hardState, "hardState"), List.of(), false);
    }

    /**
     * Writes the hard state (if not null) and the entries (replacing any conflicting suffix) as one
     * {@code WriteBatch}, fsync'd before returning if {@code sync}: the whole batch, or none of it,
     * survives a crash.
     */
    @Override
    public void save(HardState hardState, List<Entry> entries, boolean sync) {
        write(hardState, entries, sync);
    }

    /** Fsyncs the write-ahead log, making every earlier write durable. */
    @Override
    public void sync() {
        checkUsable();
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw fail("syncing the write-ahead log", e);
        }
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        checkUsable();
        if (fromIndex < firstIndex) {
            throw new IllegalArgumentException("truncateSuffix(" + fromIndex + ") is before firstIndex " + firstIndex);
        }
        if (fromIndex > lastIndex) {
            return;
        }
        try {
            db.deleteRange(database.entriesCf(), database.settings().bufferedWrite,
                    DiskFormat.entryKey(fromIndex), DiskFormat.entryKey(lastIndex + 1));
        } catch (RocksDBException e) {
            throw fail("deleting entries [" + fromIndex + ", " + lastIndex + "]", e);
        }
        terms.truncateFrom(fromIndex);
        lastIndex = fromIndex - 1;
    }

    /**
     * Discards entries {@code firstIndex()..throughIndex} once a snapshot covers them (Raft paper §7, log
     * compaction): afterwards {@code firstIndex() == throughIndex + 1} and {@code term(throughIndex)} still
     * answers. A no-op if {@code throughIndex < firstIndex()}.
     *
     * <p>Called by the node's event loop after each snapshot, so it does no work that grows with the log: one
     * {@code WriteBatch} of a range delete and the new {@code log_start} record, well under a millisecond
     * whatever the number of entries (docs/storage.md has the measurements). RocksDB's background compaction reclaims
     * the space; entries still in the memtable are dropped when it is flushed. The batch is not synced: a
     * crash before the next sync may undo the compaction, which brings the entries back whole, as
     * {@link LogStore} allows.
     *
     * @throws IllegalArgumentException if {@code throughIndex} is beyond the last entry or the hard
     *                                  state's commit index (only committed entries may be compacted)
     */
    @Override
    public void compact(long throughIndex) {
        checkUsable();
        if (throughIndex < firstIndex) {
            return;
        }
        if (throughIndex > lastIndex || throughIndex > hardState.commit()) {
            throw new IllegalArgumentException("compact(" + throughIndex + ") must be at most lastIndex " + lastIndex
                    + " and the hard state's commit index " + hardState.commit());
        }
        long term = terms.termAt(throughIndex);
        writeLogStart(new LogStart(throughIndex, term), DiskFormat.entryKey(throughIndex + 1),
                "compacting entries [" + firstIndex + ", " + throughIndex + "]");
        terms.compactThrough(throughIndex);
        firstIndex = throughIndex + 1;
        compactedTerm = term;
    }

    /**
     * Replaces the whole log by an empty one that follows the snapshot ending at ({@code index}, {@code term})
     * (Figure 13, InstallSnapshot receiver rule 7: "discard the entire log"), whether {@code index} is below,
     * inside or beyond the current log; the hard state is kept. One {@code WriteBatch}, a range delete of every
     * entry key and the new {@code log_start} record, so a crash leaves the old log or the new one, never a
     * mix; not synced (durable at the next sync, as {@link LogStore} allows). Like {@link #compact}, it costs
     * the same whatever the size of the log, and RocksDB's background compaction reclaims the space.
     *
     * @throws IllegalArgumentException if {@code index} or {@code term} is not positive
     */
    @Override
    public void installSnapshot(long index, long term) {
        checkUsable();
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("installSnapshot: the snapshot's index and term must be > 0, were "
                    + index + " and " + term);
        }
        writeLogStart(new LogStart(index, term), DiskFormat.ENTRY_KEYS_END,
                "installing the snapshot ending at index " + index + ", term " + term);
        terms.clear();
        firstIndex = index + 1;
        lastIndex = index;
        compactedTerm = term;
    }

    /**
     * Writes one unsynced batch: a range delete of every entry key from index 0 up to {@code end} (exclusive),
     * and {@code logStart}. Both column families are in the batch, so a crash keeps both or neither (RocksDB
     * syncs the write-ahead log before it records the flush of one column family while the other may still
     * need that log).
     */
    private void writeLogStart(LogStart logStart, byte[] end, String what) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(database.entriesCf(), DiskFormat.entryKey(0), end);
            batch.put(database.metaCf(), DiskFormat.LOG_START_KEY, DiskFormat.logStartValue(logStart));
            db.write(database.settings().bufferedWrite, batch);
        } catch (RocksDBException e) {
            throw fail(what, e);
        }
    }

    /**
     * Syncs what was written (best effort, see below) and releases RocksDB's resources; idempotent. If the
     * final sync fails the resources are still released and a {@link LogStoreException} is thrown.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RocksDBException syncFailure = null;
        if (failure == null) {
            try {
                db.syncWal();
            } catch (RocksDBException e) {
                syncFailure = e;
            }
        }
        database.close();
        if (syncFailure != null) {
            throw new LogStoreException("closing " + where + ": the final sync failed: RocksDB reports "
                    + LogRecovery.describe(syncFailure));
        }
    }

    @Override
    public String toString() {
        return "RocksDbLogStore[" + dir + (closed ? ", closed" : ", entries " + firstIndex + ".." + lastIndex
                + ", " + terms.runs() + " term runs, " + hardState) + "]";
    }

    // ---------------------------------------------------------------- internals

    private void write(HardState hs, List<Entry> entries, boolean sync) {
        checkUsable();
        Objects.requireNonNull(entries, "entries");
        long start = entries.isEmpty() ? 0 : checkAppendable(entries);
        if (entries.isEmpty() && hs == null) {
            if (sync) {
                sync();
            }
            return;
        }
        long newLast = entries.isEmpty() ? lastIndex : start + entries.size() - 1;
        try (WriteBatch batch = new WriteBatch()) {
            if (newLast < lastIndex) { // a conflicting suffix longer than its replacement: delete the rest
                batch.deleteRange(database.entriesCf(), DiskFormat.entryKey(newLast + 1), DiskFormat.entryKey(lastIndex + 1));
            }
            for (Entry e : entries) {
                batch.put(database.entriesCf(), DiskFormat.entryKey(e.index()), DiskFormat.entryValue(e));
            }
            if (hs != null) {
                batch.put(database.metaCf(), DiskFormat.HARD_STATE_KEY, DiskFormat.hardStateValue(hs));
            }
            db.write(sync ? database.settings().syncWrite : database.settings().bufferedWrite, batch);
        } catch (RocksDBException e) {
            throw fail("writing " + (entries.isEmpty() ? "no entries" : "entries [" + start + ", " + newLast + "]")
                    + (hs == null ? "" : " and hard state " + hs) + (sync ? " (synced)" : ""), e);
        }
        if (!entries.isEmpty()) {
            terms.truncateFrom(start);
            for (Entry e : entries) {
                terms.append(e.index(), e.term());
            }
            lastIndex = newLast;
        }
        if (hs != null) {
            hardState = hs;
        }
    }

    /** Checks that {@code entries} may be appended; returns the first one's index. */
    private long checkAppendable(List<Entry> entries) {
        long start = entries.get(0).index();
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != start + i) {
                throw new IllegalArgumentException("entries are not contiguous: index " + entries.get(i).index()
                        + " follows " + entries.get(i - 1).index());
            }
        }
        if (start < firstIndex) {
            throw new IllegalArgumentException("entries start at " + start + ", before firstIndex " + firstIndex);
        }
        if (start > lastIndex + 1) {
            throw new IllegalArgumentException("entries start at " + start + ", leaving a gap after lastIndex " + lastIndex);
        }
        // §5.3 Log Matching: a log's terms never decrease; a store holding otherwise would not open again.
        long previous = term(start - 1);
        for (Entry e : entries) {
            if (e.term() < previous) {
                throw new IllegalArgumentException("terms must not decrease: entry " + e.index() + " has term "
                        + e.term() + " after term " + previous);
            }
            previous = e.term();
        }
        return start;
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("log store is closed: " + where);
        }
        if (failure != null) {
            throw new LogStoreException(where + " stopped after an earlier write failed: " + failure.getMessage(), failure);
        }
    }

    private LogStoreException fail(String what, RocksDBException e) {
        failure = new LogStoreException(what + " in " + where + " failed: RocksDB reports " + LogRecovery.describe(e));
        return failure;
    }
}
