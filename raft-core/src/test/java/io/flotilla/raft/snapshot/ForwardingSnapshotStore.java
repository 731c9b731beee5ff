package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/** A {@link SnapshotStore} that passes every call to another; tests override the calls they watch or break. */
public class ForwardingSnapshotStore implements SnapshotStore {
    private final SnapshotStore delegate;

    public ForwardingSnapshotStore(SnapshotStore delegate) {
        this.delegate = Objects.requireNonNull(delegate);
    }

    @Override
    public Optional<SnapshotMeta> latest() {
        return delegate.latest();
    }

    @Override
    public SnapshotMeta save(long index, long term, Membership membership, SnapshotWriter writer)
            throws IOException {
        return delegate.save(index, term, membership, writer);
    }

    @Override
    public InputStream open(SnapshotMeta meta, long offset) throws IOException {
        return delegate.open(meta, offset);
    }

    @Override
    public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
        return delegate.receive(meta);
    }

    @Override
    public void install(SnapshotMeta meta) throws IOException {
        delegate.install(meta);
    }

    @Override
    public void discardReceived() {
        delegate.discardReceived();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
