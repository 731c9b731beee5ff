package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Serves coordination clients ({@link TcpMember}) for one member over Netty: each request frame ({@link Frames})
 * becomes a {@link RaftNode#propose} or {@link RaftNode#read} on this member, and its outcome goes back as a
 * response frame. Requests on one connection run concurrently and may be answered out of order (the request id
 * matches them up). A node failure (not leader and no leader, timeout, closed) is answered {@link Frames#FAILED};
 * the client retries on another member under its session, so retries are exactly once.
 *
 * <p>Bad input from outside never crashes the member: a frame longer than {@link Frames#MAX_FRAME}, a negative or
 * too short length, or an unknown kind closes that connection only, with a logged reason; the others keep going.
 *
 * <p>Threading: its own Netty event loops (two daemon threads) decode, encode and write; the node's futures
 * complete on the node's threads and only hand the answer to the channel, which writes it on its event loop. A
 * demonstration server: no TLS, no authentication, bind it to loopback or a trusted network only.
 */
public final class CoordinationServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinationServer.class);

    private final RaftNode node;
    private final EventLoopGroup loops;
    private final Channel server;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private CoordinationServer(RaftNode node, InetSocketAddress bind) throws IOException {
        this.node = node;
        this.loops = new NioEventLoopGroup(2, new DefaultThreadFactory("coordination-server-" + node.id(), true));
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        Frames.addTo(ch.pipeline());
                        ch.pipeline().addLast(new Requests());
                    }
                });
        var bound = bootstrap.bind(bind).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot listen on " + bind + ": " + bound.cause(), bound.cause());
        }
        this.server = bound.channel();
    }

    /** Starts serving {@code node} on {@code bind} (port 0 picks a free port; see {@link #address()}). */
    public static CoordinationServer start(RaftNode node, InetSocketAddress bind) throws IOException {
        return new CoordinationServer(node, bind);
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The open client connections; for tests. */
    int connections() {
        return connections.size();
    }

    /** One connection's requests. Event-loop confined, like every Netty handler. */
    private final class Requests extends SimpleChannelInboundHandler<Frames.Frame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frames.Frame request) {
            if (request.kind() != Frames.PROPOSE && request.kind() != Frames.READ) {
                reject(ctx, "unexpected frame kind " + request.kind());
                return;
            }
            Channel ch = ctx.channel();
            (request.kind() == Frames.PROPOSE ? node.propose(request.body()) : node.read(request.body()))
                    .whenComplete((answer, error) -> ch.writeAndFlush(error == null
                            ? new Frames.Frame(request.requestId(), Frames.OK, answer)
                            : new Frames.Frame(request.requestId(), Frames.FAILED, Payload.ofUtf8(String.valueOf(error)))));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                reject(ctx, "frame longer than " + Frames.MAX_FRAME + " bytes: " + cause.getMessage());
            } else if (cause instanceof DecoderException) {
                reject(ctx, "malformed frame: " + cause.getMessage());
            } else {
                log.debug("coordination connection from {} on node {}: {}", ctx.channel().remoteAddress(), node.id(),
                        cause.toString());
                ctx.close();
            }
        }

        private void reject(ChannelHandlerContext ctx, String reason) {
            log.warn("closing coordination connection from {} on node {}: {}", ctx.channel().remoteAddress(),
                    node.id(), reason);
            ctx.close();
        }
    }

    /** Stops accepting and closes every connection; leaves the node running. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
