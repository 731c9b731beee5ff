package io.flotilla.raft.snapshot;

import io.flotilla.raft.codec.CodecException;
import io.flotilla.raft.codec.SnapshotMetaCodec;
import io.flotilla.raft.log.SnapshotMeta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The {@code meta} file of a {@link FileSnapshotStore} snapshot: a {@code SnapshotMetaRecord}
 * ({@link SnapshotMetaCodec}) followed by the CRC32C of the record's bytes, 4 bytes big-endian. The CRC tells a
 * torn or damaged file from a valid one; the record's own checksum field covers the data file.
 */
final class MetaFile {
    private static final int CRC_BYTES = Integer.BYTES;
    /** Far above any real record (a few bytes per voter): a bigger file is damage, not something to load. */
    private static final long MAX_BYTES = 1 << 20;

    private MetaFile() {
    }

    /** Creates {@code file} (which must not exist) describing {@code meta}, and fsyncs it. */
    static void write(Path file, SnapshotMeta meta) throws IOException {
        byte[] record = SnapshotMetaCodec.encode(meta);
        CRC32C crc = new CRC32C();
        crc.update(record);
        byte[] bytes = ByteBuffer.allocate(record.length + CRC_BYTES).put(record).putInt((int) crc.getValue())
                .array();
        DiskOps.writeDurably(file, bytes);
    }

    /**
     * Reads a file written by {@link #write}.
     *
     * @throws NoSuchFileException      if there is no such file
     * @throws SnapshotCorruptException if the file is too short or too long, fails its CRC or holds no valid
     *                                  record
     */
    static SnapshotMeta read(Path file) throws IOException {
        long size = Files.size(file);
        if (size < CRC_BYTES || size > MAX_BYTES) {
            throw new SnapshotCorruptException(file + " has " + size + " bytes: not a snapshot meta file");
        }
        byte[] bytes = Files.readAllBytes(file);
        int length = bytes.length - CRC_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        long stored = Integer.toUnsignedLong(ByteBuffer.wrap(bytes, length, CRC_BYTES).getInt());
        if (crc.getValue() != stored) {
            throw new SnapshotCorruptException(file + " fails its CRC32C (" + crc.getValue() + ", stored "
                    + stored + ")");
        }
        byte[] record = new byte[length];
        System.arraycopy(bytes, 0, record, 0, length);
        try {
            return SnapshotMetaCodec.decode(record);
        } catch (CodecException e) {
            throw new SnapshotCorruptException(file + ": " + e.getMessage());
        }
    }
}
