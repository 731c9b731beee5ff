package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;

import java.io.ByteArrayOutputStream;

/**
 * The two primitives of the KV encodings ({@link Command}, {@link Reply}): unsigned LEB128 varints (as in protobuf)
 * and length-prefixed byte strings. Stateless; any thread.
 */
final class Varints {
    private Varints() {
    }

    /** Writes {@code value} as an unsigned 64-bit varint (1 to 10 bytes). */
    static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    /**
     * Reads an encoding front to back. Every read checks the bounds and throws {@link IllegalArgumentException} on
     * malformed input, so a corrupt or foreign payload is refused, never misread.
     */
    static final class Reader {
        private final byte[] bytes;
        private int pos;

        Reader(Payload payload) {
            this.bytes = payload.toByteArray();
        }

        int readByte() {
            if (pos >= bytes.length) {
                throw new IllegalArgumentException("truncated at byte " + pos);
            }
            return bytes[pos++] & 0xFF;
        }

        /** An unsigned 64-bit varint (negative as a {@code long} when the top bit is set). */
        long readVarint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + pos);
        }

        /** A count or byte length: never more than the bytes left (each counted item takes at least one byte). */
        int readLength() {
            long n = readVarint();
            if (n < 0 || n > bytes.length - pos) {
                throw new IllegalArgumentException("length " + n + " exceeds the " + (bytes.length - pos)
                        + " bytes left at byte " + pos);
            }
            return (int) n;
        }

        byte[] readBytes() {
            return readExactly(readLength());
        }

        /** The next {@code n} bytes. */
        byte[] readExactly(long n) {
            if (n < 0 || n > bytes.length - pos) {
                throw new IllegalArgumentException("length " + n + " exceeds the " + (bytes.length - pos)
                        + " bytes left at byte " + pos);
            }
            byte[] out = java.util.Arrays.copyOfRange(bytes, pos, pos + (int) n);
            pos += (int) n;
            return out;
        }

        void expectEnd() {
            if (pos != bytes.length) {
                throw new IllegalArgumentException((bytes.length - pos) + " trailing bytes after byte " + pos);
            }
        }
    }
}
