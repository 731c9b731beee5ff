package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The TCP framing between {@link TcpMember} and {@link CoordinationServer}: each frame is an int length (of what
 * follows, at most {@link #MAX_FRAME}), a long request id, a one-byte kind, and the bytes. Requests have kind
 * {@link #PROPOSE} or {@link #READ} and carry {@link Wire} bytes; responses echo the request id with kind
 * {@link #OK} (the {@link Wire} answer) or {@link #FAILED} (a UTF-8 reason; the client tries another member).
 */
final class Frames {
    static final byte PROPOSE = 1, READ = 2, OK = 3, FAILED = 4;
    static final int MAX_FRAME = 16 << 20;

    /** One frame. */
    record Frame(long requestId, byte kind, Payload body) {
    }

    private Frames() {
    }

    static void write(DataOutputStream out, Frame f) throws IOException {
        out.writeInt(9 + f.body().size());
        out.writeLong(f.requestId());
        out.writeByte(f.kind());
        out.write(f.body().toByteArray());
        out.flush();
    }

    /** Reads one frame; throws on a malformed or oversized one (the caller closes the connection). */
    static Frame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 9 || length > MAX_FRAME) {
            throw new IOException("bad frame length " + length);
        }
        long id = in.readLong();
        byte kind = in.readByte();
        byte[] body = new byte[length - 9];
        in.readFully(body);
        return new Frame(id, kind, Payload.copyOf(body));
    }
}
