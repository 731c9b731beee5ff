package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.SnapshotMeta;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * What {@link SnapshotStore#open} returns: the snapshot's data from an offset, checked against its
 * {@link SnapshotMeta} as it is read. Any stream finds data longer or shorter than {@code sizeBytes}; a stream
 * from offset 0 also compares the CRC32C of everything it read with {@code checksum}. A mismatch is reported as
 * {@link SnapshotCorruptException} by the read that reaches the end (or passes {@code sizeBytes}), never by an
 * earlier one, so a reader that stops early learns nothing.
 *
 * <p>Not thread-safe, like any stream: one reader at a time. Marks are not supported (they would count bytes
 * twice); {@link #skip} reads the bytes it skips, so that they are checked too.
 */
final class VerifyingInputStream extends FilterInputStream {
    private static final int SKIP_BUFFER = 8 << 10;

    private final SnapshotMeta meta;
    /** Null when the stream starts past offset 0: a partial read cannot check the whole checksum. */
    private final CRC32C crc;
    /** Invariant: the offset in the snapshot's data of the next byte to return. */
    private long position;

    VerifyingInputStream(InputStream data, SnapshotMeta meta, long offset) {
        super(data);
        this.meta = Objects.requireNonNull(meta);
        this.crc = offset == 0 ? new CRC32C() : null;
        this.position = offset;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            checkAtEnd();
            return -1;
        }
        if (crc != null) {
            crc.update(b);
        }
        advance(1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            checkAtEnd();
            return -1;
        }
        if (crc != null) {
            crc.update(b, off, n);
        }
        advance(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(SKIP_BUFFER, Math.max(n, 0))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    private void advance(int n) throws SnapshotCorruptException {
        position += n;
        if (position > meta.sizeBytes()) {
            throw new SnapshotCorruptException("snapshot " + describe(meta) + " has more than "
                    + meta.sizeBytes() + " bytes of data");
        }
    }

    private void checkAtEnd() throws SnapshotCorruptException {
        if (position != meta.sizeBytes()) {
            throw new SnapshotCorruptException("snapshot " + describe(meta) + " has " + position
                    + " bytes of data, expected " + meta.sizeBytes());
        }
        if (crc != null && crc.getValue() != meta.checksum()) {
            throw new SnapshotCorruptException("snapshot " + describe(meta) + " has data with CRC32C "
                    + crc.getValue() + ", expected " + meta.checksum());
        }
    }

    /** {@code index/term} of a snapshot, for messages. */
    static String describe(SnapshotMeta meta) {
        return meta.index() + "/" + meta.term();
    }
}
