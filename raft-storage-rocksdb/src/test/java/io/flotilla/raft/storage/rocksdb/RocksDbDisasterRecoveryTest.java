package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.node.DisasterRecoveryContract;
import io.flotilla.raft.snapshot.FileSnapshotStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link DisasterRecoveryContract} on disk: {@link RocksDbLogStore} and {@link FileSnapshotStore}, closed and opened
 * again between the recovery and the node's restart, so that what {@code DisasterRecovery} wrote is shown to survive
 * a reopen.
 */
class RocksDbDisasterRecoveryTest implements DisasterRecoveryContract {
    @TempDir
    Path root;
    private int created;
    private final Map<Stores, Path> directories = new IdentityHashMap<>();
    private final List<Stores> open = new ArrayList<>();

    @Override
    public Stores newStores(long groupId, long nodeId) {
        return open(root.resolve("node-" + nodeId + "-" + created++), groupId, nodeId);
    }

    @Override
    public Stores reopen(long groupId, long nodeId, Stores stores) {
        close(stores);
        return open(directories.remove(stores), groupId, nodeId);
    }

    private Stores open(Path dir, long groupId, long nodeId) {
        try {
            Stores stores = new Stores(RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStore.Options.of(groupId,
                    nodeId)), FileSnapshotStore.open(dir.resolve("snapshots")));
            directories.put(stores, dir);
            open.add(stores);
            return stores;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void close(Stores stores) {
        stores.log().close();
        stores.snapshots().close();
        open.remove(stores);
    }

    @AfterEach
    void closeAll() {
        List.copyOf(open).forEach(this::close);
    }
}
