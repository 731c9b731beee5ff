package io.flotilla.raft.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable sequence of bytes: the opaque command carried by a log entry.
 *
 * <p>Raft never looks inside a payload. It is a value type: two payloads with the same bytes are
 * equal (a {@code byte[]} field in a record would compare by identity, which breaks determinism
 * checks). Instances are safe to share between threads.
 */
public final class Payload {
    /** The empty payload (used by no-op entries and heartbeats). */
    public static final Payload EMPTY = new Payload(new byte[0]);

    private final byte[] bytes;
    private int hash;

    private Payload(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A payload holding a copy of {@code bytes}. */
    public static Payload copyOf(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Payload(bytes.clone());
    }

    /** A payload holding a copy of {@code length} bytes of {@code bytes} from {@code offset}. */
    public static Payload copyOf(byte[] bytes, int offset, int length) {
        return length == 0 ? EMPTY : new Payload(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** A payload holding a copy of the bytes {@code buffer} has remaining; its position is left unchanged. */
    public static Payload copyOf(ByteBuffer buffer) {
        if (!buffer.hasRemaining()) {
            return EMPTY;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new Payload(bytes);
    }

    /** A payload holding the UTF-8 encoding of {@code text}. */
    public static Payload ofUtf8(String text) {
        return text.isEmpty() ? EMPTY : new Payload(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The number of bytes. */
    public int size() {
        return bytes.length;
    }

    /** Whether this payload has no bytes. */
    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** A fresh copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** A read-only view of the bytes, without copying. */
    public ByteBuffer asReadOnlyByteBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** The bytes decoded as UTF-8. */
    public String toStringUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** A short, printable form: the length and the first bytes in hex. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Payload[").append(bytes.length).append("B");
        int n = Math.min(bytes.length, 8);
        if (n > 0) {
            sb.append(' ');
        }
        for (int i = 0; i < n; i++) {
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
        }
        if (bytes.length > n) {
            sb.append("..");
        }
        return sb.append(']').toString();
    }
}
