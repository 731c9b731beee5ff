package io.flotilla.raft.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The first frame on every connection, sent by the dialer: who it is and which cluster and protocol it speaks. A
 * fixed binary layout, big-endian, so that it can be checked before any protobuf is parsed:
 *
 * <pre>
 *   offset  size  field
 *        0     4  magic "FLRT" (0x464C5254)
 *        4     2  protocol version (1)
 *        6     8  node id of the dialer (&gt; 0)
 *       14     2  n = byte length of the cluster id (1..255)
 *       16     n  cluster id, UTF-8
 * </pre>
 *
 * The frame must be exactly {@code 16 + n} bytes long. The acceptor does not answer: if it refuses, it closes the
 * connection (and logs and counts why); the dialer backs off and tries again.
 */
record Handshake(int version, long nodeId, String clusterId) {
    static final int MAGIC = 0x464C5254;
    static final int VERSION = 1;
    /** The largest valid handshake frame: the acceptor's frame limit until the handshake is accepted. */
    static final int MAX_BYTES = 16 + NettyTransportConfig.MAX_CLUSTER_ID_BYTES;

    /** The frame body (without the length prefix). */
    ByteBuf encode(ByteBufAllocator alloc) {
        byte[] id = clusterId.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(16 + id.length).writeInt(MAGIC).writeShort(version).writeLong(nodeId)
                .writeShort(id.length).writeBytes(id);
    }

    /**
     * Parses a handshake frame body; does not move the buffer's reader index.
     *
     * @throws IllegalArgumentException naming what is wrong, for any bytes that are not a well-formed handshake
     *                                  (the version, node id and cluster id are checked by the caller)
     */
    static Handshake decode(ByteBuf frame) {
        int at = frame.readerIndex();
        int length = frame.readableBytes();
        if (length < 16) {
            throw new IllegalArgumentException("handshake too short: " + length + " bytes");
        }
        int magic = frame.getInt(at);
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a Flotilla handshake (magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = frame.getUnsignedShort(at + 4);
        long nodeId = frame.getLong(at + 6);
        int n = frame.getUnsignedShort(at + 14);
        if (n < 1 || n > NettyTransportConfig.MAX_CLUSTER_ID_BYTES || length != 16 + n) {
            throw new IllegalArgumentException("handshake of " + length + " bytes with a cluster id of " + n
                    + " bytes");
        }
        ByteBuffer id = ByteBuffer.allocate(n);
        frame.getBytes(at + 16, id);
        id.flip();
        try {
            String clusterId = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(id).toString();
            return new Handshake(version, nodeId, clusterId);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("handshake cluster id is not UTF-8", e);
        }
    }
}
