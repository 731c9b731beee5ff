package io.flotilla.raft.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The stream a {@link SnapshotWriter} writes to: passes the bytes on and counts them and their CRC32C on the
 * way, so that a snapshot's size and checksum are known when the writer returns without reading the data
 * again. {@link #close()} only flushes: the store that created the target closes it.
 *
 * <p>Used by one thread at a time (the one calling {@link SnapshotStore#save}).
 */
final class ChecksummingOutputStream extends FilterOutputStream {
    private final CRC32C crc = new CRC32C();
    private long count;

    ChecksummingOutputStream(OutputStream target) {
        super(target);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        crc.update(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        out.write(b, off, len);
        crc.update(b, off, len);
        count += len;
    }

    /** Flushes; the target stays open (a writer that closes its stream does no harm). */
    @Override
    public void close() throws IOException {
        flush();
    }

    /** How many bytes have been written. */
    long count() {
        return count;
    }

    /** The CRC32C of the bytes written, as an unsigned 32-bit value. */
    long checksum() {
        return crc.getValue();
    }
}
