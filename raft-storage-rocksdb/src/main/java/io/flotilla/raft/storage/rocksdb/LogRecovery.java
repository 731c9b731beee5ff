package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStoreException;
import io.flotilla.raft.storage.rocksdb.DiskFormat.LogStart;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Opens a {@link RocksDbLogStore}'s database and checks everything in it before the node may use it: the
 * directory, the column families, the metadata against the node's configuration, and every entry (its
 * checksum, its place in a contiguous run of indexes, its term against its predecessor's), then the hard
 * state against the log. Anything wrong is a {@link LogStoreException} naming what and where; nothing is
 * dropped or rewritten, except a torn WAL tail when the caller asked for that repair.
 *
 * <p>Called once per open, on the opening thread.
 */
final class LogRecovery {
    /** What RocksDB may leave in a directory while creating a database, before anything is written. */
    private static final List<String> CREATION_LEFTOVER_PREFIXES = List.of("LOCK", "LOG", "IDENTITY", "MANIFEST-", "OPTIONS-");

    private LogRecovery() {
    }

    /**
     * An open database and its column families (in the order of {@link RocksDbSettings#descriptors()}).
     * Owned, and closed, by the store.
     *
     * @param repairedTornTail whether opening it discarded a torn WAL tail
     */
    record Database(RocksDbSettings settings, RocksDB db, ColumnFamilyHandle defaultCf, ColumnFamilyHandle entriesCf,
                    ColumnFamilyHandle metaCf, boolean repairedTornTail) {
        void close() {
            metaCf.close();
            entriesCf.close();
            defaultCf.close();
            db.close();
            settings.close();
        }
    }

    /**
     * The validated contents of the store.
     *
     * @param logStart  the last compacted entry, or the last entry of an installed snapshot (index and term),
     *                  {@link LogStart#NONE} if none
     * @param lastIndex the last entry's index, {@code logStart.index()} if the retained log is empty
     * @param terms     the term of every retained entry
     * @param hardState the saved hard state, {@link HardState#EMPTY} if none
     */
    record Recovered(LogStart logStart, long lastIndex, TermRuns terms, HardState hardState) {
    }

    /** A validated store: its database and what it holds. */
    record Opened(Database database, Recovered state) {
    }

    static Opened open(Path dir, RocksDbLogStore.Options options, String where) {
        boolean existing = checkDirectory(dir, where);
        if (existing) {
            checkColumnFamilies(dir, where);
        }
        Database database = openDatabase(dir, options.repairTornTail(), where);
        try {
            return new Opened(database, recover(database, options, where));
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ directory and column families

    /**
     * Creates the directory if needed. Returns whether it holds a database; refuses a directory that holds
     * something else, and one that holds RocksDB data files but no CURRENT file (a damaged database, which
     * RocksDB would otherwise replace by an empty one).
     */
    private static boolean checkDirectory(Path dir, String where) {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new LogStoreException("cannot open " + where + ": " + dir + " is not a directory");
            }
            createDurably(dir);
            if (Files.exists(dir.resolve("CURRENT"))) {
                return true;
            }
            Set<String> foreign = new TreeSet<>();
            Set<String> data = new TreeSet<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".sst") || name.endsWith(".log") || name.endsWith(".blob")) {
                        data.add(name);
                    } else if (CREATION_LEFTOVER_PREFIXES.stream().noneMatch(name::startsWith) && !name.endsWith(".dbtmp")) {
                        foreign.add(name);
                    }
                }
            }
            if (!data.isEmpty()) {
                throw DiskFormat.damaged(where, "it holds RocksDB data files " + firstFew(data)
                        + " but no CURRENT file; refusing to start an empty log over them");
            }
            if (!foreign.isEmpty()) {
                throw new LogStoreException("cannot create " + where + ": the directory is not empty and holds no "
                        + "RocksDB database (found " + firstFew(foreign) + "); use an empty or new directory");
            }
            return false;
        } catch (IOException e) {
            throw new LogStoreException("cannot open " + where + ": " + e, e);
        }
    }

    /**
     * Creates {@code dir} and any missing parents, and fsyncs the parent of each directory created: RocksDB
     * syncs its own files and directory, not the entry that names the directory. Without this, a power
     * failure soon after a node's first start could take the whole new store, and the vote in it, away.
     */
    private static void createDurably(Path dir) throws IOException {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing.equals(dir)) {
            return;
        }
        Files.createDirectories(dir);
        for (Path p = dir; p != null && !p.equals(existing); p = p.getParent()) {
            fsyncDirectory(p.getParent());
        }
    }

    private static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void checkColumnFamilies(Path dir, String where) {
        List<byte[]> families;
        try (org.rocksdb.Options listOptions = new org.rocksdb.Options()) {
            families = RocksDB.listColumnFamilies(listOptions, dir.toString());
        } catch (RocksDBException e) {
            throw new LogStoreException("cannot open " + where + ": listing its column families failed: "
                    + describe(e) + walFiles(dir));
        }
        Set<String> known = Set.of(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.US_ASCII),
                DiskFormat.ENTRIES_CF, DiskFormat.META_CF);
        for (byte[] family : families) {
            String name = new String(family, StandardCharsets.UTF_8);
            if (!known.contains(name)) {
                throw new LogStoreException("cannot open " + where + ": it has a column family '" + name
                        + "' that a Flotilla log store does not have; it is not a Flotilla log store (or a newer format)");
            }
        }
    }

    // ------------------------------------------------------------------ RocksDB open, with the torn-tail repair

    private static Database openDatabase(Path dir, boolean repairTornTail, String where) {
        RocksDbSettings strict = new RocksDbSettings(false);
        RocksDBException strictFailure;
        try {
            return openWith(dir, strict, false);
        } catch (RocksDBException e) {
            strict.close();
            strictFailure = e;
        }
        boolean corruption = strictFailure.getStatus() != null && strictFailure.getStatus().getCode() == Status.Code.Corruption;
        if (!corruption) {
            throw new LogStoreException("cannot open " + where + ": RocksDB reports " + describe(strictFailure));
        }
        if (!repairTornTail) {
            throw new LogStoreException("cannot open " + where + ": RocksDB reports " + describe(strictFailure)
                    + walFiles(dir) + ". If the last write-ahead log ends in a record torn by a crash in the middle "
                    + "of a write, Options.repairTornTail(true) discards that record (and only that); see docs/storage.md");
        }
        // RocksDB's TolerateCorruptedTailRecords mode accepts exactly one kind of damage: a WAL that ends in
        // the middle of a record. If it opens where the strict mode did not, that is what was wrong.
        RocksDbSettings tolerant = new RocksDbSettings(true);
        try {
            return openWith(dir, tolerant, true);
        } catch (RocksDBException e) {
            tolerant.close();
            throw new LogStoreException("cannot open " + where + ": RocksDB reports " + describe(strictFailure)
                    + walFiles(dir) + ". The damage is not a torn WAL tail, which is all that repairTornTail "
                    + "may discard (RocksDB, tolerating a torn tail: " + describe(e) + ")");
        }
    }

    private static Database openWith(Path dir, RocksDbSettings settings, boolean repaired) throws RocksDBException {
        List<ColumnFamilyHandle> handles = new ArrayList<>(3);
        RocksDB db = RocksDB.open(settings.db, dir.toString(), settings.descriptors(), handles);
        return new Database(settings, db, handles.get(0), handles.get(1), handles.get(2), repaired);
    }

    // ------------------------------------------------------------------ metadata, log and hard state

    private static Recovered recover(Database o, RocksDbLogStore.Options options, String where) {
        RocksDB db = o.db();
        try {
            byte[] version = db.get(o.metaCf(), DiskFormat.FORMAT_VERSION_KEY);
            if (version == null) {
                if (isEmpty(db, o.metaCf(), o.settings()) && isEmpty(db, o.entriesCf(), o.settings())) {
                    if (!isEmpty(db, o.defaultCf(), o.settings())) {
                        throw new LogStoreException("cannot open " + where + ": it is a RocksDB database with data "
                                + "in its default column family, which a Flotilla log store never writes: not a Flotilla log store");
                    }
                    // A new store, or one whose creation was interrupted before its metadata was durable
                    // (nothing else is ever written before that): initialize it.
                    initialize(db, o, options);
                    return new Recovered(LogStart.NONE, 0, new TermRuns(), HardState.EMPTY);
                }
                throw DiskFormat.damaged(where, "the metadata record 'format_version' is missing but the store holds data");
            }
            long format = DiskFormat.decodeLong(DiskFormat.FORMAT_VERSION_KEY, version, where);
            if (format != DiskFormat.FORMAT_VERSION) {
                throw new LogStoreException("cannot open " + where + ": it is in format version " + format
                        + ", and this version of Flotilla reads format " + DiskFormat.FORMAT_VERSION);
            }
            checkIdentity(db, o.metaCf(), DiskFormat.CLUSTER_ID_KEY, "cluster", "Options.clusterId", options.clusterId(), where);
            checkIdentity(db, o.metaCf(), DiskFormat.NODE_ID_KEY, "node", "Options.nodeId", options.nodeId(), where);

            byte[] hs = db.get(o.metaCf(), DiskFormat.HARD_STATE_KEY);
            HardState hardState = hs == null ? HardState.EMPTY : DiskFormat.decodeHardState(hs, where);
            byte[] ls = db.get(o.metaCf(), DiskFormat.LOG_START_KEY);
            LogStart logStart = ls == null ? LogStart.NONE : DiskFormat.decodeLogStart(ls, where);

            TermRuns terms = new TermRuns();
            long lastIndex = scanLog(o, logStart, terms, where);

            // The core's restore makes the same check; here it fails with the store's name in the message.
            if (hardState.commit() > lastIndex) {
                throw DiskFormat.damaged(where, "the hard state's commit index " + hardState.commit()
                        + " is beyond the last entry " + lastIndex + ": committed entries are missing");
            }
            // No check that commit >= logStart.index(): compact keeps to committed entries, but an installed
            // snapshot may end beyond the saved commit index (the store keeps the hard state it was given).
            // An empty retained log is no damage either (after an installed snapshot, or a compaction of the
            // whole log): scanLog finds no entry and reports lastIndex == logStart.index().
            return new Recovered(logStart, lastIndex, terms, hardState);
        } catch (RocksDBException e) {
            throw new LogStoreException("cannot open " + where + ": reading it failed: RocksDB reports " + describe(e));
        }
    }

    private static void initialize(RocksDB db, Database o, RocksDbLogStore.Options options) throws RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(o.metaCf(), DiskFormat.FORMAT_VERSION_KEY,
                    DiskFormat.longValue(DiskFormat.FORMAT_VERSION_KEY, DiskFormat.FORMAT_VERSION));
            batch.put(o.metaCf(), DiskFormat.CLUSTER_ID_KEY, DiskFormat.longValue(DiskFormat.CLUSTER_ID_KEY, options.clusterId()));
            batch.put(o.metaCf(), DiskFormat.NODE_ID_KEY, DiskFormat.longValue(DiskFormat.NODE_ID_KEY, options.nodeId()));
            db.write(o.settings().syncWrite, batch);
        }
    }

    private static void checkIdentity(RocksDB db, ColumnFamilyHandle meta, byte[] key, String what, String option,
                                      long expected, String where) throws RocksDBException {
        byte[] value = db.get(meta, key);
        if (value == null) {
            throw DiskFormat.damaged(where, "the metadata record '" + DiskFormat.keyName(key) + "' is missing");
        }
        long stored = DiskFormat.decodeLong(key, value, where);
        if (stored != expected) {
            throw new LogStoreException("cannot open " + where + ": it belongs to " + what + " " + stored
                    + ", but this node is configured with " + option + " = " + expected
                    + "; refusing to use another " + what + "'s log");
        }
    }

    /**
     * Reads every retained entry once, in index order, checking that indexes are contiguous from
     * {@code logStart.index() + 1}, that every entry passes its checksum and decodes to its own index, and
     * that terms never decrease (Raft paper §5.3: Log Matching makes every log a prefix-ordered sequence of
     * terms). Fills {@code terms}; returns the last index.
     */
    private static long scanLog(Database o, LogStart logStart, TermRuns terms, String where) throws RocksDBException {
        long expected = logStart.index() + 1;
        long previousTerm = logStart.term();
        try (RocksIterator it = o.db().newIterator(o.entriesCf(), o.settings().scan)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                long index = DiskFormat.indexOf(key);
                if (index < 0) {
                    throw DiskFormat.damaged(where, "column family " + DiskFormat.ENTRIES_CF + " holds a key of "
                            + key.length + " bytes after index " + (expected - 1) + "; entry keys are 8 bytes");
                }
                if (index != expected) {
                    throw DiskFormat.damaged(where, index < expected
                            ? "the entry at index " + index + " lies in the compacted prefix, which ends at " + logStart.index()
                            : "the log has a gap: " + (index - 1 > expected ? "entries " + expected + ".." + (index - 1)
                            + " are" : "entry " + expected + " is") + " missing (the entry after " + (expected - 1)
                            + " is " + index + ")");
                }
                Entry entry = DiskFormat.decodeEntry(key, it.value(), where);
                if (entry.term() < previousTerm) {
                    throw DiskFormat.damaged(where, "the entry at index " + index + " has term " + entry.term()
                            + ", below the term " + previousTerm + " of the entry before it; terms in a log never decrease");
                }
                terms.append(index, entry.term());
                previousTerm = entry.term();
                expected++;
            }
            it.status(); // an iteration that stopped on a read error is not the end of the log
        } catch (RocksDBException e) {
            throw DiskFormat.damaged(where, "reading the log after index " + (expected - 1) + " failed: RocksDB reports "
                    + describe(e));
        }
        return expected - 1;
    }

    private static boolean isEmpty(RocksDB db, ColumnFamilyHandle cf, RocksDbSettings settings) throws RocksDBException {
        try (RocksIterator it = db.newIterator(cf, settings.scan)) {
            it.seekToFirst();
            boolean empty = !it.isValid();
            it.status();
            return empty;
        }
    }

    // ------------------------------------------------------------------ messages

    /** RocksDB's status code and message, without RocksDB types. */
    static String describe(RocksDBException e) {
        Status s = e.getStatus();
        if (s == null) {
            return e.getMessage();
        }
        String state = s.getState() == null || s.getState().isEmpty() ? e.getMessage() : s.getState();
        return s.getCode() + ": " + state;
    }

    /** The write-ahead log files present, with their sizes, to say where a WAL error is. */
    private static String walFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> wals = new ArrayList<>();
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (p.getFileName().toString().endsWith(".log")) {
                    wals.add(p.getFileName() + " (" + Files.size(p) + " bytes)");
                }
            }
            return ". Write-ahead log files in " + dir + ": " + (wals.isEmpty() ? "none" : String.join(", ", wals));
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstFew(Set<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.size() <= 5 ? list.toString() : list.subList(0, 5) + " and " + (list.size() - 5) + " more";
    }
}
