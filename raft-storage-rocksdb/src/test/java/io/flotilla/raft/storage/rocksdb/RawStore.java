package io.flotilla.raft.storage.rocksdb;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A store's RocksDB database opened directly, around the store's checks: tests use it to damage the data in
 * ways RocksDB's own checksums cannot see (a wrong value written through RocksDB), and to flush memtables into
 * table files. Test-only; open it only while no store has the directory open.
 */
final class RawStore implements AutoCloseable {
    private final RocksDbSettings settings = new RocksDbSettings(false);
    private final RocksDB db;
    private final ColumnFamilyHandle defaultCf;
    final ColumnFamilyHandle entries;
    final ColumnFamilyHandle meta;

    RawStore(Path dir) throws RocksDBException {
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        db = RocksDB.open(settings.db, dir.toString(), settings.descriptors(), handles);
        defaultCf = handles.get(0);
        entries = handles.get(1);
        meta = handles.get(2);
    }

    byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
        return db.get(cf, key);
    }

    void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws RocksDBException {
        db.put(cf, settings.syncWrite, key, value);
    }

    void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
        db.delete(cf, settings.syncWrite, key);
    }

    void putInDefaultColumnFamily(byte[] key, byte[] value) throws RocksDBException {
        db.put(defaultCf, settings.syncWrite, key, value);
    }

    /** Writes every memtable to table files, so the data lives in .sst files rather than only the WAL. */
    void flush() throws RocksDBException {
        try (FlushOptions wait = new FlushOptions().setWaitForFlush(true)) {
            db.flush(wait, List.of(entries, meta));
        }
    }

    @Override
    public void close() {
        meta.close();
        entries.close();
        defaultCf.close();
        db.close();
        settings.close();
    }
}
