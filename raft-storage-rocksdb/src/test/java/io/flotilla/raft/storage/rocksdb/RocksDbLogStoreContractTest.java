package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.LogStoreContract;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** {@link RocksDbLogStore} meets the {@link LogStore} contract, including the restart tests (reopen on the same directory). */
class RocksDbLogStoreContractTest implements LogStoreContract {
    static final RocksDbLogStore.Options OPTIONS = RocksDbLogStore.Options.of(7, 1);

    @TempDir
    Path root;
    private int stores;

    @Override
    public LogStore newStore() {
        return RocksDbLogStore.open(root.resolve("store-" + stores++), OPTIONS);
    }

    @Override
    public LogStore reopen(LogStore closed) {
        return RocksDbLogStore.open(((RocksDbLogStore) closed).directory(), OPTIONS);
    }
}
