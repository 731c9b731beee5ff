package io.flotilla.raft.storage.rocksdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The RocksDB native library loads from the rocksdbjni jar alone, and a synced write reads back after reopen. */
class RocksDbNativeLibraryTest {
    @Test
    void nativeLibraryLoadsFromTheJarAndASyncedWriteSurvivesReopen(@TempDir Path dir) throws Exception {
        RocksDB.loadLibrary();
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        try (Options options = new Options().setCreateIfMissing(true);
             WriteOptions sync = new WriteOptions().setSync(true)) {
            try (RocksDB db = RocksDB.open(options, dir.toString())) {
                db.put(sync, key, "v".getBytes(StandardCharsets.UTF_8));
            }
            try (RocksDB db = RocksDB.open(options, dir.toString())) {
                assertThat(new String(db.get(key), StandardCharsets.UTF_8)).isEqualTo("v");
            }
        }
    }
}
