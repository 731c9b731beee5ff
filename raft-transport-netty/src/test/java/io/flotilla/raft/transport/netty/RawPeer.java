package io.flotilla.raft.transport.netty;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.message.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A hand-driven peer for tests: a plain blocking socket that writes whatever frames it is told to, to play a
 * misconfigured or hostile node, or that accepts a transport's connection and reads what it sends. Every wait is
 * bounded by the socket's read timeout.
 */
final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    static RawPeer connect(InetSocketAddress address, int timeoutMillis) {
        try {
            Socket s = new Socket();
            s.connect(address, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.setTcpNoDelay(true);
            return new RawPeer(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Accepts the next connection to {@code server}: a transport dialling what it takes for a peer. Its frames are
     * read with {@link #readHandshake} and {@link #readMessage}.
     */
    static RawPeer accept(ServerSocket server, int timeoutMillis) {
        try {
            server.setSoTimeout(timeoutMillis);
            Socket s = server.accept();
            s.setSoTimeout(timeoutMillis);
            return new RawPeer(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the body of the next frame (within the read timeout). */
    byte[] readFrame() {
        try {
            DataInputStream data = new DataInputStream(in);
            byte[] body = new byte[data.readInt()];
            data.readFully(body);
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Handshake readHandshake() {
        return Handshake.decode(Unpooled.wrappedBuffer(readFrame()));
    }

    Message readMessage() {
        return MessageCodec.decode(readFrame());
    }

    /** The body of a handshake frame. */
    static byte[] handshake(String clusterId, long nodeId, int version) {
        ByteBuf b = new Handshake(version, nodeId, clusterId).encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** A length-prefixed frame around {@code body}. */
    static byte[] frame(byte[] body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4 + body.length);
        try {
            new DataOutputStream(bytes).writeInt(body.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.writeBytes(body);
        return bytes.toByteArray();
    }

    RawPeer sendHandshake(String clusterId, long nodeId) {
        return write(frame(handshake(clusterId, nodeId, Handshake.VERSION)));
    }

    RawPeer sendMessage(Message m) {
        return write(frame(MessageCodec.encode(m)));
    }

    /** Writes raw bytes; a write the peer has already refused is not an error here (the read will tell). */
    RawPeer write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // the connection was closed by the other side; closedByPeer() reports it
        }
        return this;
    }

    /**
     * Whether the other side closes the connection (an end of stream or a reset) within the read timeout. The
     * transport never writes on an inbound connection, so any byte read is a test failure.
     */
    boolean closedByPeer() {
        try {
            int b = in.read();
            if (b >= 0) {
                throw new AssertionError("the transport wrote on an inbound connection");
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset: the transport closes bad connections with SO_LINGER 0
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
