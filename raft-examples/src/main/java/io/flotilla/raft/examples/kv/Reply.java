package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a command answers: the RESP2 reply types the server needs. The state machine returns replies from
 * {@code apply} and {@code query} (encoded, as the {@link Payload} result), errors included: a command that fails —
 * a value that is not an integer, an overflow — fails as a value, on every node alike, and never stops the node.
 *
 * <p>Encoding: a tag byte ({@code +} simple, {@code -} error, {@code :} integer, {@code $} bulk, {@code _} nil,
 * {@code *} array), then a length-prefixed string, a zig-zag varint, or for an array a varint count and each element
 * as a varint ({@code 0} nil, else length + 1) and its bytes.
 */
public sealed interface Reply permits Reply.Simple, Reply.Error, Reply.Int, Reply.Bulk, Reply.Multi {
    /** {@code +OK}. */
    Simple OK = new Simple("OK");
    /** The nil bulk string. */
    Bulk NIL = new Bulk(null);

    /** A status reply such as {@code OK} or {@code PONG}; no CR or LF. */
    record Simple(String text) implements Reply {
    }

    /**
     * An error reply; {@code message} starts with its code ({@code ERR}, {@code TRYAGAIN}). Line breaks are replaced
     * with spaces, since RESP cannot carry them in an error.
     */
    record Error(String message) implements Reply {
        public Error {
            message = message.replace('\r', ' ').replace('\n', ' ');
        }
    }

    /** An integer reply. */
    record Int(long value) implements Reply {
    }

    /** A bulk string; {@code value} is null for nil. */
    record Bulk(Payload value) implements Reply {
    }

    /** An array of bulk strings; an element is null for nil. */
    record Multi(List<Payload> values) implements Reply {
        public Multi {
            values = java.util.Collections.unmodifiableList(new ArrayList<>(values)); // may hold nulls
        }
    }

    /** {@code ERR <text>}. */
    static Error err(String text) {
        return new Error("ERR " + text);
    }

    /** The encoded reply (see the interface comment). */
    default Payload encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (this instanceof Simple s) {
            out.write('+');
            Varints.writeBytes(out, s.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else if (this instanceof Error e) {
            out.write('-');
            Varints.writeBytes(out, e.message().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else if (this instanceof Int i) {
            out.write(':');
            Varints.writeVarint(out, (i.value() << 1) ^ (i.value() >> 63)); // zig-zag
        } else if (this instanceof Bulk b) {
            if (b.value() == null) {
                out.write('_');
            } else {
                out.write('$');
                Varints.writeBytes(out, b.value().toByteArray());
            }
        } else if (this instanceof Multi m) {
            out.write('*');
            Varints.writeVarint(out, m.values().size());
            for (Payload v : m.values()) {
                if (v == null) {
                    Varints.writeVarint(out, 0);
                } else {
                    Varints.writeVarint(out, v.size() + 1L);
                    out.writeBytes(v.toByteArray());
                }
            }
        }
        return Payload.copyOf(out.toByteArray());
    }

    /** Decodes {@link #encode()}'s output; throws {@link IllegalArgumentException} for anything else. */
    static Reply decode(Payload payload) {
        Varints.Reader in = new Varints.Reader(payload);
        int tag = in.readByte();
        Reply r = switch (tag) {
            case '+' -> new Simple(new String(in.readBytes(), java.nio.charset.StandardCharsets.UTF_8));
            case '-' -> new Error(new String(in.readBytes(), java.nio.charset.StandardCharsets.UTF_8));
            case ':' -> {
                long z = in.readVarint();
                yield new Int((z >>> 1) ^ -(z & 1));
            }
            case '_' -> NIL;
            case '$' -> new Bulk(Payload.copyOf(in.readBytes()));
            case '*' -> {
                int n = in.readLength();
                List<Payload> values = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long lengthPlusOne = in.readVarint();
                    values.add(lengthPlusOne == 0 ? null : Payload.copyOf(in.readExactly(lengthPlusOne - 1)));
                }
                yield new Multi(values);
            }
            default -> throw new IllegalArgumentException("unknown reply tag " + tag);
        };
        in.expectEnd();
        return r;
    }
}
