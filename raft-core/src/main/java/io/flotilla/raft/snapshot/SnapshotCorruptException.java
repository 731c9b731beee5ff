package io.flotilla.raft.snapshot;

import java.io.IOException;

/** Snapshot data that does not match its metadata (size or CRC32C), on disk or after a transfer. */
public final class SnapshotCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    public SnapshotCorruptException(String message) {
        super(message);
    }
}
