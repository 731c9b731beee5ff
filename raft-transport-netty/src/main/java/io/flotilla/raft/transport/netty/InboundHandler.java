package io.flotilla.raft.transport.netty;

import io.flotilla.raft.codec.CodecException;
import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.message.Message;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The last handler of an accepted connection: checks the dialer's {@link Handshake} (protocol version, cluster id,
 * and a node id that is not this node's own; any other id is accepted, configured peer or not), then decodes each
 * frame and hands the message to the node. One instance per connection, called only on that connection's event loop.
 *
 * <p>Guarantees: nothing a peer sends makes it throw out of the pipeline or grow memory beyond one frame: a bad
 * handshake, a malformed or oversized frame, or a TLS failure closes this connection (with a reset, so a flood of
 * bad connections leaves no TIME_WAIT sockets behind) and is counted; a well-formed message that claims another
 * sender, or is addressed to another node, is dropped and counted, and the connection stays up.
 */
final class InboundHandler extends ChannelInboundHandlerAdapter {
    static final String FRAMES = "frames";
    private static final Logger LOG = LoggerFactory.getLogger(InboundHandler.class);

    private final NettyTransportConfig config;
    private final Counters counters;
    private final Consumer<Message> receiver;
    private final Warnings warnings;

    // Event-loop confined.
    /** The handshake's node id once it is accepted; 0 before. */
    private long peerId;
    private boolean rejected;
    private ScheduledFuture<?> handshakeTimer;

    InboundHandler(NettyTransportConfig config, Counters counters, Consumer<Message> receiver, Warnings warnings) {
        this.config = config;
        this.counters = counters;
        this.receiver = receiver;
        this.warnings = warnings;
    }

    /** The frame decoder before the handshake is accepted: nothing longer than a handshake is buffered. */
    static LengthFieldBasedFrameDecoder handshakeFrames() {
        return new LengthFieldBasedFrameDecoder(Handshake.MAX_BYTES + 4, 0, 4, 0, 4);
    }

    /** The frame decoder after: {@code maxFrameBytes} of message plus the 4-byte length. */
    static LengthFieldBasedFrameDecoder messageFrames(int maxFrameBytes) {
        return new LengthFieldBasedFrameDecoder(maxFrameBytes + 4, 0, 4, 0, 4);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counters.connectionsAccepted.increment();
        handshakeTimer = ctx.executor().schedule(() -> {
            if (peerId == 0 && !rejected) {
                counters.handshakesRefused.increment();
                reject(ctx, "no handshake within " + config.handshakeTimeout());
            }
        }, config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (peerId != 0) {
            LOG.debug("inbound connection from node {} at {} closed", peerId, ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (rejected) {
                return; // frames already decoded from the same read, after the one that closed the connection
            }
            if (peerId == 0) {
                handshake(ctx, frame);
            } else {
                deliver(ctx, frame);
            }
        } finally {
            frame.release();
        }
    }

    private void handshake(ChannelHandlerContext ctx, ByteBuf frame) {
        Handshake h;
        try {
            h = Handshake.decode(frame);
        } catch (IllegalArgumentException e) {
            counters.handshakesRefused.increment();
            reject(ctx, e.getMessage());
            return;
        }
        if (h.version() != Handshake.VERSION) {
            counters.handshakesRefused.increment();
            reject(ctx, "node " + h.nodeId() + " speaks protocol version " + h.version() + ", this node "
                    + Handshake.VERSION);
        } else if (!h.clusterId().equals(config.clusterId())) {
            counters.handshakesRefused.increment();
            reject(ctx, "node " + h.nodeId() + " belongs to cluster '" + h.clusterId() + "', this node to '"
                    + config.clusterId() + "'");
        } else if (h.nodeId() <= 0 || h.nodeId() == config.nodeId()) {
            // Any other id is taken, configured peer or not: a member added at run time dials the group before the
            // group's log names it (the core takes messages from non-members, thesis §4.1). The cluster id, and
            // mutual TLS where it is on, keep other clusters out; Raft's membership, not the transport, says who votes.
            counters.unknownNodes.increment();
            reject(ctx, "the handshake names node " + h.nodeId() + ", which cannot be a peer of node "
                    + config.nodeId());
        } else {
            peerId = h.nodeId();
            handshakeTimer.cancel(false);
            // Frames already buffered by the handshake decoder are handed on to the new one (Netty's replace).
            ctx.pipeline().replace(FRAMES, FRAMES, messageFrames(config.maxFrameBytes()));
            LOG.debug("accepted connection from node {} at {}", peerId, ctx.channel().remoteAddress());
        }
    }

    private void deliver(ChannelHandlerContext ctx, ByteBuf frame) {
        Message m;
        try {
            m = MessageCodec.decode(frame.nioBuffer());
        } catch (CodecException e) {
            counters.malformedFrames.increment();
            reject(ctx, "malformed frame of " + frame.readableBytes() + " bytes from node " + peerId + ": "
                    + e.getMessage());
            return;
        }
        if (m.from() != peerId) {
            counters.spoofedMessages.increment();
            warnings.warn("dropped a message from node {} on the connection of node {} ({})", m.from(), peerId,
                    ctx.channel().remoteAddress());
        } else if (m.to() != config.nodeId()) {
            counters.misaddressedMessages.increment();
            warnings.warn("dropped a message from node {} to node {}: this is node {}", m.from(), m.to(),
                    config.nodeId());
        } else {
            counters.messagesReceived.increment();
            receiver.accept(m);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            counters.tlsHandshakeFailures.increment();
            if (!rejected) {
                reject(ctx, "TLS handshake failed: " + e.cause());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (rejected) {
            return;
        }
        if (cause instanceof TooLongFrameException) {
            if (peerId == 0) {
                counters.handshakesRefused.increment();
                reject(ctx, "handshake frame longer than " + Handshake.MAX_BYTES + " bytes");
            } else {
                counters.oversizedFrames.increment();
                reject(ctx, "frame from node " + peerId + " exceeds maxFrameBytes=" + config.maxFrameBytes() + ": "
                        + cause.getMessage());
            }
        } else if (cause instanceof CorruptedFrameException) {
            if (peerId == 0) {
                counters.handshakesRefused.increment();
            } else {
                counters.malformedFrames.increment();
            }
            reject(ctx, "corrupted frame: " + cause.getMessage());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            // Counted once, by the SslHandshakeCompletionEvent that follows (or preceded) it.
            reject(ctx, "TLS: " + cause.getCause().getMessage());
        } else if (cause instanceof IOException) {
            LOG.debug("inbound connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            LOG.warn("inbound connection from {} failed; closing it", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    /** Closes the connection with a reset (no TIME_WAIT left behind), logging why. */
    private void reject(ChannelHandlerContext ctx, String reason) {
        rejected = true;
        warnings.warn("closing inbound connection from {}: {}", ctx.channel().remoteAddress(), reason);
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
    }
}
