package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where {@link FileSnapshotStore} keeps a snapshot being received: a {@code recv-} directory holding
 * {@code data}, and {@code meta} once sealed. Sealed, it has a snapshot directory's layout, so installing it is
 * one rename. Driven by a {@link ReceivingSnapshot}, under its lock.
 */
final class ReceiveDirectory implements ReceivingSnapshot.Sink {
    private final SnapshotMeta meta;
    private final Path dir;
    /** Open while receiving; null once sealed or discarded. */
    private FileChannel data;

    private ReceiveDirectory(SnapshotMeta meta, Path dir, FileChannel data) {
        this.meta = meta;
        this.dir = dir;
        this.data = data;
    }

    /** Creates {@code dir} (which must not exist) with an empty data file. */
    static ReceiveDirectory create(SnapshotMeta meta, Path dir) throws IOException {
        Files.createDirectory(dir);
        try {
            return new ReceiveDirectory(meta, dir, FileChannel.open(dir.resolve(FileSnapshotStore.DATA),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        } catch (IOException | RuntimeException e) {
            DiskOps.deleteQuietly(dir, null);
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            data.write(buf);
        }
    }

    @Override
    public void seal() throws IOException {
        data.force(true);
        data.close();
        data = null;
        MetaFile.write(dir.resolve(FileSnapshotStore.META), meta);
        DiskOps.syncDirectory(dir);
    }

    @Override
    public void discard() {
        closeData();
        DiskOps.deleteQuietly(dir, FileSnapshotStore.META);
    }

    private void closeData() {
        if (data != null) {
            try {
                data.close();
            } catch (IOException e) {
                // discarding anyway
            }
            data = null;
        }
    }
}
