package io.flotilla.raft.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshot data of any size that is never held in memory: byte {@code p} is a function of {@code p} and a seed
 * (SplitMix64 of the 8-byte word holding it), so a test can write it, and later check what it reads back, one
 * block at a time. Lets the contract stream tens of MiB through a store with a heap footprint of one block.
 */
public final class GeneratedData {
    private static final int BLOCK = 64 << 10;

    private final long size;
    private final long seed;

    public GeneratedData(long size, long seed) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        this.size = size;
        this.seed = seed;
    }

    public long size() {
        return size;
    }

    /** Fills {@code buf[0, len)} with the bytes at {@code [position, position + len)}. */
    public void fill(long position, byte[] buf, int len) {
        for (int i = 0; i < len; i++) {
            long p = position + i;
            buf[i] = (byte) (mix(seed + (p >>> 3)) >>> ((p & 7) * 8));
        }
    }

    /** Writes all of it to {@code out}, a block at a time: usable as a {@link SnapshotWriter}. */
    public void writeTo(OutputStream out) throws IOException {
        byte[] block = new byte[BLOCK];
        for (long at = 0; at < size; at += BLOCK) {
            int len = (int) Math.min(BLOCK, size - at);
            fill(at, block, len);
            out.write(block, 0, len);
        }
    }

    /** The CRC32C of all of it, computed block by block. */
    public long crc32c() {
        CRC32C crc = new CRC32C();
        byte[] block = new byte[BLOCK];
        for (long at = 0; at < size; at += BLOCK) {
            int len = (int) Math.min(BLOCK, size - at);
            fill(at, block, len);
            crc.update(block, 0, len);
        }
        return crc.getValue();
    }

    /** Reads {@code in} to its end in reads of up to {@code chunk} bytes, checking each against the data from {@code offset}. */
    public void assertSameAs(InputStream in, long offset, int chunk) throws IOException {
        byte[] actual = new byte[chunk];
        byte[] expected = new byte[chunk];
        long position = offset;
        int n;
        while ((n = in.read(actual, 0, chunk)) >= 0) {
            assertThat(position + n).as("bytes read").isLessThanOrEqualTo(size);
            fill(position, expected, n);
            if (!Arrays.equals(actual, 0, n, expected, 0, n)) {
                throw new AssertionError("data differs in [" + position + ", " + (position + n) + ")");
            }
            position += n;
        }
        assertThat(position).as("end of stream").isEqualTo(size);
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
