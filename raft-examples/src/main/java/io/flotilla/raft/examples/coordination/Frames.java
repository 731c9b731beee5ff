package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.MessageToMessageCodec;

import java.util.List;

/**
 * The TCP framing between {@link TcpMember} and {@link CoordinationServer}, on Netty as {@code NettyTransport}
 * frames its messages: each frame is an int length (of what follows, at most {@link #MAX_FRAME}), a long request
 * id, a one-byte kind, and the bytes. Requests have kind {@link #PROPOSE} or {@link #READ} and carry {@link Wire}
 * bytes; responses echo the request id with kind {@link #OK} (the {@link Wire} answer) or {@link #FAILED} (a UTF-8
 * reason; the client tries another member).
 *
 * <p>Inbound, a {@link LengthFieldBasedFrameDecoder} bounded by {@link #MAX_FRAME} cuts the stream (a longer
 * length fails with {@code TooLongFrameException} before anything is buffered; the length is read unsigned, so a
 * negative int is such a length), then {@link Codec} reads the header (a frame shorter than it is a {@link
 * CorruptedFrameException}). Outbound, {@link Codec} writes the header and body and a {@link LengthFieldPrepender}
 * the length. Either side closes the connection on such an exception.
 */
final class Frames {
    static final byte PROPOSE = 1, READ = 2, OK = 3, FAILED = 4;
    static final int MAX_FRAME = 16 << 20;
    /** The request id and kind before the body. */
    static final int HEADER = 9;

    /** One frame. */
    record Frame(long requestId, byte kind, Payload body) {
    }

    private Frames() {
    }

    /** Adds the framing to a new channel's pipeline; the handler that follows reads and writes {@link Frame}s. */
    static void addTo(ChannelPipeline pipeline) {
        pipeline.addLast("frames", new LengthFieldBasedFrameDecoder(MAX_FRAME + 4, 0, 4, 0, 4));
        pipeline.addLast("length", new LengthFieldPrepender(4));
        pipeline.addLast("codec", new Codec());
    }

    /** Whether {@code body} fits in one frame. */
    static boolean fits(Payload body) {
        return body.size() <= MAX_FRAME - HEADER;
    }

    /** A frame's header and body, to and from the length-delimited bytes. Stateless, so one per channel is fine. */
    static final class Codec extends MessageToMessageCodec<ByteBuf, Frame> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Frame f, List<Object> out) {
            byte[] body = f.body().toByteArray();
            out.add(ctx.alloc().ioBuffer(HEADER + body.length).writeLong(f.requestId()).writeByte(f.kind())
                    .writeBytes(body));
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (in.readableBytes() < HEADER) {
                throw new CorruptedFrameException("frame of " + in.readableBytes() + " bytes, shorter than its "
                        + HEADER + "-byte header");
            }
            long id = in.readLong();
            byte kind = in.readByte();
            byte[] body = new byte[in.readableBytes()];
            in.readBytes(body);
            out.add(new Frame(id, kind, Payload.copyOf(body)));
        }
    }
}
