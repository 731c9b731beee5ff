package io.flotilla.raft.snapshot;

class InMemorySnapshotStoreTest implements SnapshotStoreContract {
    @Override
    public SnapshotStore newStore(int retain) {
        return new InMemorySnapshotStore(retain);
    }
}
