package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster member reached over TCP on Netty, served by a {@link CoordinationServer} (framing in {@link Frames}).
 * Connects on first use and again after a failure; every request in flight on a broken connection fails, and the
 * {@link CoordinationClient} retries it on another member under its session. A malformed or oversized answer
 * closes the connection (logged), which fails what was in flight the same way.
 *
 * <p>Threading: thread-safe; connecting blocks the calling thread (up to {@link #CONNECT_TIMEOUT_MILLIS}), so do
 * not call it from a Netty event loop. One event-loop thread per member reads and writes; futures complete on
 * callback threads of this member's own (never the event loop), so a callback may block on another request.
 */
public final class TcpMember implements Member, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpMember.class);
    /** How long a connection attempt may take. */
    static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final InetSocketAddress address;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger connects = new AtomicInteger();
    private final EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("coordination-tcp", true));
    private final Bootstrap bootstrap;
    private final ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "coordination-tcp-callbacks");
        t.setDaemon(true);
        return t;
    });
    private Connection connection;
    private boolean closed;

    /** A member at {@code address}. */
    public TcpMember(InetSocketAddress address) {
        this.address = address;
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    }

    @Override
    public CompletableFuture<Payload> propose(Payload command) {
        return send(Frames.PROPOSE, command);
    }

    @Override
    public CompletableFuture<Payload> read(Payload query) {
        return send(Frames.READ, query);
    }

    private CompletableFuture<Payload> send(byte kind, Payload body) {
        CompletableFuture<Payload> result = new CompletableFuture<>();
        if (!Frames.fits(body)) {
            result.completeExceptionally(new IOException("a request of " + body.size() + " bytes does not fit in a "
                    + Frames.MAX_FRAME + "-byte frame"));
            return result.whenCompleteAsync((r, e) -> { }, callbacks);
        }
        long id = ids.incrementAndGet();
        try {
            Connection c = connection();
            c.pending.put(id, result);
            if (!c.channel.isActive()) {
                // Closed before the put was seen by channelInactive's sweep: fail it here.
                c.pending.remove(id);
                result.completeExceptionally(new IOException(address + ": connection closed"));
            } else {
                c.channel.writeAndFlush(new Frames.Frame(id, kind, body)).addListener(written -> {
                    if (!written.isSuccess()) {
                        c.channel.close();                // channelInactive fails what is pending
                    }
                });
            }
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
        return result.whenCompleteAsync((r, e) -> { }, callbacks);
    }

    private synchronized Connection connection() throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        if (connection == null || !connection.channel.isActive()) {
            Connection c = new Connection();
            ChannelFuture connected = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    Frames.addTo(ch.pipeline());
                    ch.pipeline().addLast(new Responses(c));
                }
            }).connect(address);
            if (!connected.awaitUninterruptibly(CONNECT_TIMEOUT_MILLIS + 500L) || !connected.isSuccess()) {
                connected.channel().close();
                throw new IOException("cannot connect to " + address + ": " + connected.cause(), connected.cause());
            }
            c.channel = connected.channel();
            connection = c;
            connects.incrementAndGet();
        }
        return connection;
    }

    /** One connection's answers. Event-loop confined. */
    private final class Responses extends SimpleChannelInboundHandler<Frames.Frame> {
        private final Connection c;

        Responses(Connection c) {
            this.c = c;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frames.Frame f) {
            CompletableFuture<Payload> waiting = c.pending.remove(f.requestId());
            if (waiting == null) {
                return;
            }
            if (f.kind() == Frames.OK) {
                waiting.complete(f.body());
            } else {
                waiting.completeExceptionally(new IOException(address + ": " + f.body().toStringUtf8()));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            IOException broken = new IOException(address + ": connection closed");
            c.pending.values().forEach(f -> f.completeExceptionally(broken));
            c.pending.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("closing the connection to coordination member {}: {}", address, cause.toString());
            ctx.close();
        }
    }

    /** How many connections it has opened; for tests. */
    int connects() {
        return connects.get();
    }

    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        if (c != null) {
            c.channel.close().awaitUninterruptibly();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        callbacks.shutdown();
    }

    @Override
    public String toString() {
        return "tcp://" + address.getHostString() + ":" + address.getPort();
    }

    private static final class Connection {
        /** Set once connected, before the connection is handed out. */
        volatile Channel channel;
        final Map<Long, CompletableFuture<Payload>> pending = new ConcurrentHashMap<>();
    }
}
