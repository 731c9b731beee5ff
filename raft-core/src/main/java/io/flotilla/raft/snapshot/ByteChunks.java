package io.flotilla.raft.snapshot;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Snapshot data on the heap for {@link InMemorySnapshotStore}: a list of byte arrays that grows without
 * copying what it holds (unlike a {@code ByteArrayOutputStream}, which briefly needs two to three times the
 * data). Chunks start small, so that the tiny snapshots of tests and the simulator stay tiny, and double up to
 * 1 MiB.
 *
 * <p>Appended to by one thread; once published to other threads (through the store's lock) it is only read, by
 * any number of {@link #inputStream} streams.
 */
final class ByteChunks {
    private static final int MIN_CHUNK = 4 << 10;
    private static final int MAX_CHUNK = 1 << 20;

    /** Invariant: every chunk but the last is full; the sum of their lengths is at least {@code size}. */
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;
    /** How many bytes of the last chunk are used. */
    private int usedInLast;

    long size() {
        return size;
    }

    void append(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (chunks.isEmpty() || usedInLast == chunks.get(chunks.size() - 1).length) {
                chunks.add(new byte[(int) Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, size))]);
                usedInLast = 0;
            }
            byte[] last = chunks.get(chunks.size() - 1);
            int n = Math.min(len, last.length - usedInLast);
            System.arraycopy(b, off, last, usedInLast, n);
            usedInLast += n;
            size += n;
            off += n;
            len -= n;
        }
    }

    /** A stream appending to these chunks; {@code close()} does nothing. */
    OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                append(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                append(b, off, len);
            }
        };
    }

    /** A stream of the bytes from {@code offset} (at most {@link #size()}) to the current end. */
    InputStream inputStream(long offset) {
        if (offset < 0 || offset > size) {
            throw new IllegalArgumentException("offset " + offset + " outside [0, " + size + "]");
        }
        return new ChunkStream(List.copyOf(chunks), offset, size);
    }

    /** Reads a fixed view of the chunks; never copies more than the caller asks for. */
    private static final class ChunkStream extends InputStream {
        private final List<byte[]> chunks;
        private final long end;
        private long position;
        private int chunk;
        private int inChunk;

        ChunkStream(List<byte[]> chunks, long offset, long end) {
            this.chunks = chunks;
            this.end = end;
            this.position = offset;
            long skip = offset;
            while (chunk < chunks.size() && skip >= chunks.get(chunk).length) {
                skip -= chunks.get(chunk).length;
                chunk++;
            }
            this.inChunk = (int) skip;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position == end) {
                return -1;
            }
            byte[] current = chunks.get(chunk);
            int n = (int) Math.min(Math.min(len, current.length - inChunk), end - position);
            System.arraycopy(current, inChunk, b, off, n);
            position += n;
            inChunk += n;
            if (inChunk == current.length) {
                chunk++;
                inChunk = 0;
            }
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }
    }
}
