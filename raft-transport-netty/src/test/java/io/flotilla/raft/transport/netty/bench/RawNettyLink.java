package io.flotilla.raft.transport.netty.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: plain Netty on loopback with the transport's framing (a 4-byte length; {@link LengthFieldPrepender}
 * and {@link LengthFieldBasedFrameDecoder}), the same event-loop kind, thread count and TCP_NODELAY, but no queue,
 * no protobuf, no handshake and no checks. The sender thread copies the given bytes into a pooled buffer and calls
 * {@code writeAndFlush} for each frame; {@link FlushConsolidationHandler} coalesces the flushes, as the transport's
 * drain does. One way, the server counts the frames; for the round trip it answers each with a frame of
 * {@code replyBytes} bytes (flushed once per read) and the client counts those.
 */
final class RawNettyLink implements Link {
    private static final int MAX_FRAME_BYTES = 16 << 20;

    private final byte[] body;
    private final Delivered delivered = new Delivered();
    private final AtomicLong flushes = new AtomicLong();
    private final EventLoopGroup serverLoops;
    private final EventLoopGroup clientLoops;
    private final Channel server;
    private final Channel client;

    RawNettyLink(byte[] body, int replyBytes) {
        this.body = body.clone();
        boolean epoll = Epoll.isAvailable();
        serverLoops = loops(epoll, "bench-raw-server");
        clientLoops = loops(epoll, "bench-raw-client");
        byte[] reply = replyBytes > 0 ? new byte[replyBytes] : null;
        server = new ServerBootstrap().group(serverLoops)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(frames(), new LengthFieldPrepender(4), new Sink(reply));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
        client = new Bootstrap().group(clientLoops)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FlushCounter(), new FlushConsolidationHandler(256, true),
                                new LengthFieldPrepender(4), frames(), new Sink(null));
                    }
                })
                .connect(server.localAddress()).syncUninterruptibly().channel();
    }

    private static EventLoopGroup loops(boolean epoll, String name) {
        DefaultThreadFactory threads = new DefaultThreadFactory(name, true);
        return epoll ? new EpollEventLoopGroup(2, threads) : new NioEventLoopGroup(2, threads);
    }

    private static LengthFieldBasedFrameDecoder frames() {
        return new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4);
    }

    @Override
    public void send() {
        client.writeAndFlush(client.alloc().ioBuffer(body.length).writeBytes(body), client.voidPromise());
    }

    @Override
    public Delivered delivered() {
        return delivered;
    }

    @Override
    public long dropped() {
        return 0;
    }

    @Override
    public long flushes() {
        return flushes.get();
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Counts each frame, or answers it with {@code reply} (flushed once per read) if that is not null. */
    private final class Sink extends ChannelInboundHandlerAdapter {
        private final byte[] reply;

        Sink(byte[] reply) {
            this.reply = reply;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            if (reply == null) {
                delivered.increment();
            } else {
                ctx.write(ctx.alloc().ioBuffer(reply.length).writeBytes(reply), ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (reply != null) {
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }
    }

    /** Counts the flushes that reach the client's socket (after {@link FlushConsolidationHandler}). */
    private final class FlushCounter extends ChannelOutboundHandlerAdapter {
        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    }
}
