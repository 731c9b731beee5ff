package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Payload;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Supplier;

/** Helpers shared by the codecs: parse bytes, and map fields through the records' constructors. */
final class Decoding {
    private Decoding() {
    }

    /** Parses {@code length} bytes from {@code offset}; a parse failure becomes a {@link CodecException}. */
    static <T> T parse(Parser<T> parser, byte[] bytes, int offset, int length, String what) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        try {
            return parser.parseFrom(bytes, offset, length);
        } catch (InvalidProtocolBufferException e) {
            throw malformed(what, length, e);
        }
    }

    /** Parses the buffer's remaining bytes without moving its position. */
    static <T> T parse(Parser<T> parser, ByteBuffer buffer, String what) {
        int length = buffer.remaining();
        try {
            return parser.parseFrom(buffer.duplicate());
        } catch (InvalidProtocolBufferException e) {
            throw malformed(what, length, e);
        }
    }

    // The parser's exception is not attached as the cause: no protobuf type leaves this package.
    private static CodecException malformed(String what, int length, InvalidProtocolBufferException e) {
        return new CodecException("malformed " + what + " (" + length + " bytes): " + e.getMessage());
    }

    /**
     * Builds a record from decoded fields; the {@link IllegalArgumentException} its constructor throws
     * for a field out of range becomes a {@link CodecException} naming the record.
     */
    static <T> T construct(String what, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw new CodecException("invalid " + what + ": " + e.getMessage(), e);
        }
    }

    static EntryTypeProto toProto(EntryType type) {
        return switch (type) {
            case NOOP -> EntryTypeProto.ENTRY_TYPE_NOOP;
            case COMMAND -> EntryTypeProto.ENTRY_TYPE_COMMAND;
        };
    }

    /** The entry type with wire number {@code number}; 0 (field missing) and unknown numbers are rejected. */
    static EntryType entryType(int number) {
        if (number == EntryTypeProto.ENTRY_TYPE_NOOP_VALUE) {
            return EntryType.NOOP;
        }
        if (number == EntryTypeProto.ENTRY_TYPE_COMMAND_VALUE) {
            return EntryType.COMMAND;
        }
        throw new IllegalArgumentException(number == EntryTypeProto.ENTRY_TYPE_UNSPECIFIED_VALUE
                ? "entry type is missing" : "unknown entry type " + number);
    }

    /**
     * Wraps a payload for encoding without copying it. Safe because a {@link Payload} is immutable and
     * the buffer is only read while the message is serialized.
     */
    static ByteString toProto(Payload payload) {
        return payload.isEmpty() ? ByteString.EMPTY
                : UnsafeByteOperations.unsafeWrap(payload.asReadOnlyByteBuffer());
    }

    static Payload payload(ByteString data) {
        return data.isEmpty() ? Payload.EMPTY : Payload.copyOf(data.toByteArray());
    }
}
