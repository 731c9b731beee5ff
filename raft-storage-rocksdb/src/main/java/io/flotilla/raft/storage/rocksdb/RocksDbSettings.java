package io.flotilla.raft.storage.rocksdb;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The RocksDB options of a {@link RocksDbLogStore}, chosen for a Raft log: appends at the tail, a synced
 * write per batch, sequential reads of recent entries, rare truncation of a suffix and prefix deletion
 * after a snapshot. docs/storage.md explains each choice; the comments here say why in a line.
 *
 * <p>Owns the native objects it creates; the store closes it after the database. Not thread-safe.
 */
final class RocksDbSettings implements AutoCloseable {
    /** Memtable size of the entries column family: 64 MiB, RocksDB's default. */
    static final long ENTRIES_WRITE_BUFFER_BYTES = 64L << 20;
    /** Bound on all write-ahead logs before RocksDB flushes the memtables that pin the oldest one. */
    static final long MAX_TOTAL_WAL_BYTES = 2 * ENTRIES_WRITE_BUFFER_BYTES;
    /** Shared block cache for both column families. */
    static final long BLOCK_CACHE_BYTES = 32L << 20;

    final DBOptions db;
    final ColumnFamilyOptions defaultCf;
    final ColumnFamilyOptions entriesCf;
    final ColumnFamilyOptions metaCf;
    private final Cache blockCache;
    /** {@code sync = true}: fdatasync the WAL before the write returns. */
    final WriteOptions syncWrite;
    /** {@code sync = false}: the write reaches the OS page cache only. */
    final WriteOptions bufferedWrite;
    /** Reads on the hot path: block checksums verified, blocks cached. */
    final ReadOptions read;
    /** The scan on open: checksums verified, blocks not cached, large readahead. */
    final ReadOptions scan;

    RocksDbSettings(boolean tolerateTornWalTail) {
        db = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setParanoidChecks(true)
                // Strict by default: any damage in a WAL, even an incomplete last record, fails the open.
                // The repair option accepts only an incomplete last record (a torn, hence unsynced, write).
                .setWalRecoveryMode(tolerateTornWalTail ? WALRecoveryMode.TolerateCorruptedTailRecords
                        : WALRecoveryMode.AbsoluteConsistency)
                // Check every table file's size against the MANIFEST on open: a truncated file fails fast.
                .setSkipCheckingSstFileSizesOnDbOpen(false)
                // Bounds replay time on open, and flushes the rarely written meta family, which would
                // otherwise keep old WAL files alive.
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES)
                .setMaxBackgroundJobs(2)
                // Write table files back in 1 MiB steps, so a flush's final fsync does not stall the disk.
                .setBytesPerSync(1L << 20)
                // RocksDB's own info log: kept small, as a node runs for months.
                .setInfoLogLevel(InfoLogLevel.INFO_LEVEL)
                .setMaxLogFileSize(8L << 20)
                .setKeepLogFileNum(4);

        blockCache = new LRUCache(BLOCK_CACHE_BYTES);
        entriesCf = new ColumnFamilyOptions()
                .setWriteBufferSize(ENTRIES_WRITE_BUFFER_BYTES)
                .setMaxWriteBufferNumber(2)
                // LZ4 costs little CPU, and only in flushes and compactions, never on the write path.
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true)
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(blockCache)
                        // Entries are read as ranges, so larger blocks; no Bloom filter, as we never look
                        // up a key that might be absent (the in-memory bounds answer that).
                        .setBlockSize(16L << 10));
        metaCf = new ColumnFamilyOptions()
                .setWriteBufferSize(4L << 20)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache));
        defaultCf = new ColumnFamilyOptions(); // unused: it only reveals a directory that is not ours

        syncWrite = new WriteOptions().setSync(true);
        bufferedWrite = new WriteOptions().setSync(false);
        read = new ReadOptions().setVerifyChecksums(true);
        scan = new ReadOptions().setVerifyChecksums(true).setFillCache(false).setReadaheadSize(4L << 20);
    }

    /** Descriptors in the order the store expects its handles: default, entries, meta. */
    List<ColumnFamilyDescriptor> descriptors() {
        return List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, defaultCf),
                new ColumnFamilyDescriptor(DiskFormat.ENTRIES_CF.getBytes(StandardCharsets.US_ASCII), entriesCf),
                new ColumnFamilyDescriptor(DiskFormat.META_CF.getBytes(StandardCharsets.US_ASCII), metaCf));
    }

    @Override
    public void close() {
        scan.close();
        read.close();
        bufferedWrite.close();
        syncWrite.close();
        defaultCf.close();
        metaCf.close();
        entriesCf.close();
        blockCache.close();
        db.close();
    }
}
