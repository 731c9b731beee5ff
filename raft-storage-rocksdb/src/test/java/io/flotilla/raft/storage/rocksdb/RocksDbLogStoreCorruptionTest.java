package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.codec.EntryCodec;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStoreContract;
import io.flotilla.raft.log.LogStoreException;
import io.flotilla.raft.log.Payload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Damage to a store is reported, with what and where, and never answered with wrong data: open refuses to
 * start, naming the entry, record or file. Each test damages one thing: a value (written through RocksDB, so
 * only the store's own checks can see it), a table file or a write-ahead log file (edited on disk, so
 * RocksDB's checksums see it), or the identity and shape of the store.
 */
class RocksDbLogStoreCorruptionTest {
    private static final RocksDbLogStore.Options OPTIONS = RocksDbLogStore.Options.of(7, 1);

    @TempDir
    Path dir;

    /** 20 entries (terms 1, then 2 from index 11), hard state (2, 1, 15), synced and closed. */
    private List<Entry> writeLog() {
        List<Entry> log = new ArrayList<>(LogStoreContract.entries(1, 11, 1));
        log.addAll(LogStoreContract.entries(11, 21, 2));
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            store.save(new HardState(2, 1, 15), log, true);
        }
        return log;
    }

    private void assertOpenFails(String... fragments) {
        assertThatThrownBy(() -> RocksDbLogStore.open(dir, OPTIONS)).isInstanceOf(LogStoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContainingAll(fragments);
    }

    // ---------------------------------------------------------------- values: the store's CRC32C and checks

    @Test
    void aFlippedByteInAStoredEntryFailsItsChecksum() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            byte[] value = raw.get(raw.entries, DiskFormat.entryKey(5));
            value[value.length - 2] ^= 0x01; // one bit of the payload
            raw.put(raw.entries, DiskFormat.entryKey(5), value);
        }
        assertOpenFails("is damaged", "the entry at index 5 fails its CRC32C check");
    }

    @Test
    void anEntryCopiedUnderAnotherKeyFailsItsChecksum() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.put(raw.entries, DiskFormat.entryKey(5), raw.get(raw.entries, DiskFormat.entryKey(6)));
        }
        assertOpenFails("the entry at index 5 fails its CRC32C check");
    }

    @Test
    void anEntryForAnotherIndexIsReportedEvenWithAValidChecksum() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            byte[] key = DiskFormat.entryKey(5);
            raw.put(raw.entries, key, DiskFormat.frame(key, EntryCodec.encode(Entry.noop(6, 1))));
        }
        assertOpenFails("the entry at index 5 holds an entry for index 6");
    }

    @Test
    void aValueThatIsNotAnEntryIsReportedEvenWithAValidChecksum() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            byte[] key = DiskFormat.entryKey(5);
            raw.put(raw.entries, key, DiskFormat.frame(key, new byte[] {(byte) 0xff, 0x01}));
        }
        assertOpenFails("the entry at index 5 passes its checksum but does not decode");
    }

    @Test
    void aMissingEntryIsReportedAsAGap() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.delete(raw.entries, DiskFormat.entryKey(5));
        }
        assertOpenFails("the log has a gap: entry 5 is missing (the entry after 4 is 6)");
    }

    @Test
    void aDecreasingTermIsReported() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            Entry stale = Entry.command(12, 1, Payload.ofUtf8("e12"));
            raw.put(raw.entries, DiskFormat.entryKey(12), DiskFormat.entryValue(stale));
        }
        assertOpenFails("the entry at index 12 has term 1, below the term 2 of the entry before it");
    }

    @Test
    void aCommitIndexBeyondTheLogIsReported() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.put(raw.meta, DiskFormat.HARD_STATE_KEY, DiskFormat.hardStateValue(new HardState(2, 1, 50)));
        }
        assertOpenFails("the hard state's commit index 50 is beyond the last entry 20: committed entries are missing");
    }

    @Test
    void aDamagedHardStateIsReported() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            byte[] value = raw.get(raw.meta, DiskFormat.HARD_STATE_KEY);
            value[value.length - 1] ^= 0x10;
            raw.put(raw.meta, DiskFormat.HARD_STATE_KEY, value);
        }
        assertOpenFails("the hard state fails its CRC32C check");
    }

    @Test
    void missingMetadataIsReported() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.delete(raw.meta, DiskFormat.CLUSTER_ID_KEY);
        }
        assertOpenFails("the metadata record 'cluster_id' is missing");
    }

    @Test
    void anUnknownFormatVersionIsRefused() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.put(raw.meta, DiskFormat.FORMAT_VERSION_KEY, DiskFormat.longValue(DiskFormat.FORMAT_VERSION_KEY, 2));
        }
        assertOpenFails("it is in format version 2, and this version of Flotilla reads format 1");
    }

    // ---------------------------------------------------------------- the log start: compaction and snapshots

    /** {@link #writeLog}, then the snapshot ending at (30, 3) installed over it, synced and closed. */
    private void writeLogAndInstallSnapshot() {
        writeLog();
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            store.installSnapshot(30, 3);
            store.sync();
        }
    }

    @Test
    void anInstalledSnapshotBeyondTheCommitIndexIsNoDamage() {
        writeLogAndInstallSnapshot(); // the hard state's commit index, 15, stays below the log start
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            assertThat(store.firstIndex()).isEqualTo(31);
            assertThat(store.lastIndex()).isEqualTo(30);
            assertThat(store.hardState()).isEqualTo(new HardState(2, 1, 15));
        }
    }

    @Test
    void aDamagedLogStartRecordIsReported() throws Exception {
        writeLogAndInstallSnapshot();
        try (RawStore raw = new RawStore(dir)) {
            byte[] value = raw.get(raw.meta, DiskFormat.LOG_START_KEY);
            value[value.length - 1] ^= 0x01;
            raw.put(raw.meta, DiskFormat.LOG_START_KEY, value);
        }
        assertOpenFails("is damaged", "the log-start record 'log_start' fails its CRC32C check");
    }

    @Test
    void aLogStartWithAnIndexButNoTermIsReported() throws Exception {
        writeLogAndInstallSnapshot();
        try (RawStore raw = new RawStore(dir)) {
            raw.put(raw.meta, DiskFormat.LOG_START_KEY, DiskFormat.logStartValue(new DiskFormat.LogStart(30, 0)));
        }
        assertOpenFails("the log-start record 'log_start' names index 30 with term 0");
    }

    @Test
    void aLostLogStartRecordIsReportedAsAGapBeforeTheEntries() throws Exception {
        writeLogAndInstallSnapshot();
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            store.save(new HardState(3, 1, 31), LogStoreContract.entries(31, 33, 3), true);
        }
        try (RawStore raw = new RawStore(dir)) {
            raw.delete(raw.meta, DiskFormat.LOG_START_KEY);
        }
        assertOpenFails("the log has a gap: entries 1..30 are missing (the entry after 0 is 31)");
    }

    @Test
    void anEntryBelowTheLogStartIsReported() throws Exception {
        writeLogAndInstallSnapshot();
        try (RawStore raw = new RawStore(dir)) {
            raw.put(raw.entries, DiskFormat.entryKey(12), DiskFormat.entryValue(Entry.command(12, 2, Payload.ofUtf8("e12"))));
        }
        assertOpenFails("the entry at index 12 lies in the compacted prefix, which ends at 30");
    }

    // ---------------------------------------------------------------- identity

    @Test
    void anotherClustersLogIsRefused() {
        writeLog();
        assertThatThrownBy(() -> RocksDbLogStore.open(dir, RocksDbLogStore.Options.of(8, 1)))
                .isInstanceOf(LogStoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("it belongs to cluster 7, but this node is configured with Options.clusterId = 8");
    }

    @Test
    void anotherNodesLogIsRefused() {
        writeLog();
        assertThatThrownBy(() -> RocksDbLogStore.open(dir, RocksDbLogStore.Options.of(7, 2)))
                .isInstanceOf(LogStoreException.class)
                .hasMessageContaining("it belongs to node 1, but this node is configured with Options.nodeId = 2");
    }

    // ---------------------------------------------------------------- files: RocksDB's checksums and sizes

    @Test
    void aFlippedByteInATableFileIsReportedWithTheFile() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.flush();
        }
        Path table = largest(".sst");
        flipByte(table, 100); // inside the first data block, where the entries are
        assertOpenFails("is damaged", "Corruption", table.getFileName().toString());
    }

    @Test
    void aTruncatedTableFileIsReportedWithTheFile() throws Exception {
        writeLog();
        try (RawStore raw = new RawStore(dir)) {
            raw.flush();
        }
        Path table = largest(".sst");
        truncateBy(table, 100);
        assertOpenFails("Corruption", table.getFileName().toString());
    }

    @Test
    void aTornWalTailFailsTheStrictOpenAndTheRepairDiscardsOnlyThatWrite() throws Exception {
        List<Entry> log = LogStoreContract.entries(1, 21, 1);
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            store.save(new HardState(1, 1, 0), log.subList(0, 10), true);
            store.save(new HardState(1, 1, 10), log.subList(10, 20), true);
        }
        Path wal = largest(".log");
        truncateBy(wal, 5); // the second save's record loses its last bytes, as if torn by a crash mid-write

        assertOpenFails("Corruption", "truncated", wal.getFileName().toString(), "repairTornTail");
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS.withRepairTornTail(true))) {
            assertThat(store.repairedTornTail()).isTrue();
            assertThat(LogStoreContract.all(store)).isEqualTo(log.subList(0, 10));
            assertThat(store.hardState()).isEqualTo(new HardState(1, 1, 0)); // the torn batch went as a whole
        }
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) { // repaired for good
            assertThat(store.repairedTornTail()).isFalse();
            assertThat(store.lastIndex()).isEqualTo(10);
        }
    }

    @Test
    void damageInsideTheWalIsNotATornTailAndTheRepairRefusesIt() throws Exception {
        List<Entry> log = LongStream.rangeClosed(1, 20).mapToObj(i -> Entry.command(i, 1, Payload.copyOf(new byte[500]))).toList();
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            store.save(new HardState(1, 1, 0), log.subList(0, 10), true);
            store.save(new HardState(1, 1, 10), log.subList(10, 20), true);
        }
        Path wal = largest(".log");
        flipByte(wal, Files.size(wal) / 4); // inside the first save's record, with a complete record after it

        assertOpenFails("Corruption", "checksum mismatch", wal.getFileName().toString());
        assertThatThrownBy(() -> RocksDbLogStore.open(dir, OPTIONS.withRepairTornTail(true)))
                .isInstanceOf(LogStoreException.class)
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("The damage is not a torn WAL tail");
    }

    @Test
    void aStoreWithoutItsCurrentFileIsNotReplacedByAnEmptyOne() throws Exception {
        writeLog();
        Files.delete(dir.resolve("CURRENT"));
        assertOpenFails("is damaged: it holds RocksDB data files", "but no CURRENT file");
    }

    // ---------------------------------------------------------------- directories that are not a store

    @Test
    void aDirectoryWithOtherFilesIsRefused() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a log");
        assertOpenFails("the directory is not empty and holds no RocksDB database (found [notes.txt])");
    }

    @Test
    void aFileIsNotADirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> RocksDbLogStore.open(file, OPTIONS)).isInstanceOf(LogStoreException.class)
                .hasMessageContaining(file + " is not a directory");
    }

    @Test
    void anotherRocksDbDatabaseIsRefused() throws Exception {
        try (RawStore raw = new RawStore(dir)) {
            raw.putInDefaultColumnFamily("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        }
        assertOpenFails("not a Flotilla log store");
    }

    @Test
    void aDatabaseWithAnUnknownColumnFamilyIsRefused() throws Exception {
        RocksDB.loadLibrary();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
             ColumnFamilyOptions cf = new ColumnFamilyOptions()) {
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db = RocksDB.open(options, dir.toString(), List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf),
                    new ColumnFamilyDescriptor("users".getBytes(StandardCharsets.UTF_8), cf)), handles);
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
        }
        assertOpenFails("it has a column family 'users'", "not a Flotilla log store");
    }

    @Test
    void aCreationInterruptedBeforeTheMetadataWasWrittenIsCompleted() throws Exception {
        new RawStore(dir).close(); // the column families exist, nothing is written: as after a crash in open
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            assertThat(store.lastIndex()).isZero();
        }
        assertThatThrownBy(() -> RocksDbLogStore.open(dir, RocksDbLogStore.Options.of(8, 1)))
                .hasMessageContaining("belongs to cluster 7");
    }

    // ---------------------------------------------------------------- helpers

    private Path largest(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .max(Comparator.comparingLong(RocksDbLogStoreCorruptionTest::size))
                    .orElseThrow(() -> new AssertionError("no " + suffix + " file in " + dir));
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x5a);
        }
    }

    private static void truncateBy(Path file, long bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - bytes);
        }
    }
}
