package io.flotilla.raft.node;

import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.snapshot.InMemorySnapshotStore;

/** {@link DisasterRecoveryContract} on the heap: {@link InMemoryLogStore} and {@link InMemorySnapshotStore}. */
class DisasterRecoveryTest implements DisasterRecoveryContract {
    @Override
    public Stores newStores(long groupId, long nodeId) {
        return new Stores(new InMemoryLogStore(), new InMemorySnapshotStore());
    }

    @Override
    public Stores reopen(long groupId, long nodeId, Stores stores) {
        return stores;
    }
}
