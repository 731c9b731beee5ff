package io.flotilla.raft.examples.kv;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringRedisContent;
import io.netty.handler.codec.redis.LastBulkStringRedisContent;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Size limits around Netty's {@code RedisDecoder}, one instance per connection, which Netty's codec does not
 * enforce by itself: the decoder buffers a length line ({@code *N} or {@code $N}) without bound while it waits for
 * its line end, the array aggregator pre-allocates a list of whatever length a client announces, and the bulk-string
 * aggregator, on an oversized string, drops it and leaves the array it belonged to one element short.
 *
 * <ul>
 *   <li>{@link #front()} goes before the decoder: if {@code maxLineBytes} arrive without the decoder producing
 *       anything (a line with no end), it reports a protocol error.</li>
 *   <li>{@link #back()} goes right after it: an array of more than {@code maxArgs} elements, or an array inside a
 *       command, is a protocol error. A bulk string longer than {@code maxArgBytes}, or one that would take the
 *       command's total past {@code maxCommandBytes}, is skipped as it streams in (never buffered) and stands in
 *       the command as a {@link TooLong} element, so the command is answered with an error and the connection
 *       stays in step and usable.</li>
 * </ul>
 * Protocol errors travel to the last handler as a {@link ProtocolError} through {@code exceptionCaught}; the
 * connection is answered and closed there, as Redis does. Both handlers run on the connection's event loop.
 */
final class RespLimits {
    private final int maxArgs;
    private final int maxArgBytes;
    private final long maxCommandBytes;
    private final int maxLineBytes;

    /** Bytes received since the decoder last produced a message. */
    private long undecodedBytes;
    private boolean decoded;
    private boolean failed;
    /** Elements still to come in the current command (array), or 0 outside one. */
    private long remaining;
    private long commandBytes;
    /** The oversized bulk string being skipped, or null. */
    private TooLong skipping;

    RespLimits(int maxArgs, int maxArgBytes, long maxCommandBytes, int maxLineBytes) {
        this.maxArgs = maxArgs;
        this.maxArgBytes = maxArgBytes;
        this.maxCommandBytes = maxCommandBytes;
        this.maxLineBytes = maxLineBytes;
    }

    /** A client broke the protocol; the connection is answered with {@code -ERR Protocol error: ...} and closed. */
    static final class ProtocolError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProtocolError(String message) {
            super(message, null, false, false);
        }
    }

    /** An argument that was skipped for its size; {@code reason} says which limit it broke. */
    record TooLong(String reason) implements RedisMessage {
    }

    ChannelInboundHandlerAdapter front() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (failed) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                int size = msg instanceof ByteBuf b ? b.readableBytes() : 0;
                decoded = false;
                ctx.fireChannelRead(msg);
                undecodedBytes = decoded ? 0 : undecodedBytes + size;
                if (undecodedBytes > maxLineBytes && !failed) {
                    fail(ctx, "no line end within " + maxLineBytes + " bytes");
                }
            }
        };
    }

    ChannelInboundHandlerAdapter back() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                decoded = true;
                if (failed) {
                    ReferenceCountUtil.release(msg);
                } else if (msg instanceof ArrayHeaderRedisMessage h) {
                    arrayHeader(ctx, h);
                } else if (msg instanceof BulkStringHeaderRedisMessage h) {
                    bulkHeader(ctx, h);
                } else if (skipping != null && msg instanceof BulkStringRedisContent) {
                    ReferenceCountUtil.release(msg);
                    if (msg instanceof LastBulkStringRedisContent) {
                        TooLong skipped = skipping;
                        skipping = null;
                        element(ctx, skipped);
                    }
                } else if (msg instanceof BulkStringRedisContent && !(msg instanceof LastBulkStringRedisContent)) {
                    ctx.fireChannelRead(msg); // a chunk of an argument still streaming in
                } else {
                    element(ctx, (RedisMessage) msg); // a whole argument, or an inline command
                }
            }
        };
    }

    private void arrayHeader(ChannelHandlerContext ctx, ArrayHeaderRedisMessage h) {
        if (remaining > 0) {
            fail(ctx, "expected a bulk string, got an array (commands are flat arrays of bulk strings)");
        } else if (h.length() > maxArgs) {
            fail(ctx, "a command of " + h.length() + " elements exceeds the limit of " + maxArgs + " (--max-args)");
        } else {
            remaining = Math.max(0, h.length());
            commandBytes = 0;
            ctx.fireChannelRead(h);
        }
    }

    private void bulkHeader(ChannelHandlerContext ctx, BulkStringHeaderRedisMessage h) {
        long length = h.bulkStringLength();
        if (length > maxArgBytes) {
            skipping = new TooLong("argument of " + length + " bytes exceeds the limit of " + maxArgBytes
                    + " bytes (--max-arg-bytes)");
        } else if (commandBytes + length > maxCommandBytes) {
            skipping = new TooLong("command of more than " + maxCommandBytes
                    + " bytes of arguments exceeds the limit (--max-command-bytes)");
        } else {
            commandBytes += length;
            ctx.fireChannelRead(h);
        }
    }

    private void element(ChannelHandlerContext ctx, RedisMessage msg) {
        if (remaining > 0) {
            remaining--;
        }
        ctx.fireChannelRead(msg);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        failed = true;
        ctx.channel().config().setAutoRead(false);
        ctx.fireExceptionCaught(new ProtocolError(why));
    }
}
