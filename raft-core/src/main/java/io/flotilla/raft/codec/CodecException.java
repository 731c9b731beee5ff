package io.flotilla.raft.codec;

/**
 * Bytes handed to a decoder in this package do not describe a valid value. The message names what
 * is wrong: the bytes could not be parsed, the envelope carries no message kind this version knows,
 * or a field breaks a rule of the record it maps to (such as a node id of 0 or entries that are not
 * contiguous).
 *
 * <p>Thrown by {@link MessageCodec}, {@link EntryCodec}, {@link HardStateCodec} and
 * {@link SnapshotMetaCodec}, on the calling thread, for every malformed input; they throw nothing
 * else for bad bytes. A transport should drop the offending message (Raft tolerates lost messages);
 * a log store should treat it as damaged data and stop the node. The cause, when present, is the
 * record constructor's {@link IllegalArgumentException}; parser exceptions are never attached, so
 * that no protobuf type leaks out of the codec.
 */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CodecException(String message) {
        super(message);
    }

    CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
