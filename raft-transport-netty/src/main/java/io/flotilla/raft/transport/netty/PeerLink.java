package io.flotilla.raft.transport.netty;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.message.Message;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound side of one peer: a bounded queue of messages and the one connection that carries them, kept up
 * with jittered exponential back-off. Connections are one-way: this node only writes on it (after its
 * {@link Handshake}), and the peer's messages to this node arrive on the connection the peer dials.
 *
 * <p>Threads: {@link #offer} is called from the node's event loop and never blocks (a full queue drops);
 * {@link #start} and {@link #close} from whichever thread changes the transport's peers, and they only hand work to
 * the link's event loop. Everything else runs on that one Netty event loop, fixed per peer, so the connection state
 * needs no locks. A link's address never changes: a peer that moves gets a new link.
 *
 * <p>Writes are coalesced: {@link #offer} schedules at most one drain at a time; a drain writes every queued message
 * (while the channel stays writable) and flushes once. Memory is bounded by the queue's capacity plus Netty's
 * write-buffer high-water mark: while the socket is backed up, messages wait in the queue, then drop.
 */
final class PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    private final long peerId;
    private final InetSocketAddress address;
    /** {@code host:port} for logs (an unresolved address prints oddly). */
    private final String where;
    private final NettyTransportConfig config;
    private final Counters counters;
    private final Warnings warnings;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Tls tls;
    private final BlockingQueue<Message> queue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    // Event-loop confined.
    /** The current connection, from the connect attempt until it closes; null while backing off. */
    private Channel channel;
    /** Whether {@link #channel} has sent its handshake and may carry messages. */
    private boolean ready;
    private long readySinceNanos;
    private int failedAttempts;
    private ScheduledFuture<?> reconnect;
    /** Set once by {@link #close} (on any thread); from then on nothing is queued, dialled or written. */
    private volatile boolean closed;

    PeerLink(long peerId, InetSocketAddress address, NettyTransportConfig config, Counters counters,
             Warnings warnings, EventLoop loop, Bootstrap bootstrap, Tls tls) {
        this.peerId = peerId;
        this.address = address;
        this.where = address.getHostString() + ":" + address.getPort();
        this.config = config;
        this.counters = counters;
        this.warnings = warnings;
        this.loop = loop;
        this.tls = tls;
        this.bootstrap = bootstrap.clone(loop).handler(new Initializer());
        this.queue = new ArrayBlockingQueue<>(config.outboundQueueCapacity());
    }

    /** Where this link dials. */
    InetSocketAddress address() {
        return address;
    }

    /**
     * Queues a message for the peer, or drops and counts it if the queue is full or the link closed (the peer left
     * the membership while the message was on its way). Any thread; never blocks.
     */
    void offer(Message m) {
        if (closed) {
            counters.droppedUnknownDestination.increment();
            return;
        }
        if (!queue.offer(m)) {
            counters.droppedQueueFull.increment();
            return;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                queue.clear(); // the transport is closing
            }
        }
    }

    /** Starts connecting. Called once, when the transport starts or the peer joins. */
    void start() {
        loop.execute(this::connect);
    }

    /**
     * Stops reconnecting and closes the connection; what is still queued is dropped. Any thread (the transport's
     * event loops must still be running).
     */
    void close() {
        closed = true;
        loop.execute(() -> {
            if (reconnect != null) {
                reconnect.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            queue.clear();
        });
    }

    private void connect() {
        reconnect = null;
        if (closed) {
            return;
        }
        ChannelFuture f = bootstrap.connect(address);
        Channel ch = f.channel();
        channel = ch;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                LOG.debug("cannot connect to node {} at {}: {}", peerId, where, done.cause().toString());
            }
        });
        ch.closeFuture().addListener(done -> onClosed(ch));
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return;
        }
        boolean wasReady = ready;
        channel = null;
        ready = false;
        if (closed) {
            return;
        }
        if (!wasReady) {
            counters.connectFailures.increment();
            failedAttempts++;
        } else {
            LOG.info("connection to node {} at {} closed; reconnecting", peerId, where);
            // A connection that stayed up for a while was a success; one closed at once (the peer refused our
            // handshake, say) keeps backing off.
            failedAttempts = System.nanoTime() - readySinceNanos >= config.reconnectBackoffMax().toNanos()
                    ? 0 : failedAttempts + 1;
        }
        long delay = backoffNanos(failedAttempts);
        reconnect = loop.schedule(this::connect, delay, TimeUnit.NANOSECONDS);
    }

    /**
     * The delay before attempt {@code n + 1} after {@code n} failures: d = min(max, min x 2^n), drawn uniformly
     * from [d/2, d] so that peers that lost each other at the same moment do not retry in lock-step. For example,
     * with min 50 ms and max 2 s: 25-50 ms, 50-100 ms, 100-200 ms, ..., then 1-2 s for every later attempt.
     */
    long backoffNanos(int failures) {
        long min = config.reconnectBackoffMin().toNanos();
        long max = config.reconnectBackoffMax().toNanos();
        long d = failures >= 62 || min > (max >> Math.min(failures, 62)) ? max : Math.min(max, min << failures);
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    /** Writes every queued message while the channel is writable, then flushes once. */
    private void drain() {
        drainScheduled.set(false);
        Channel ch = channel;
        if (!ready || ch == null) {
            return;
        }
        int written = 0;
        Message m;
        while (ch.isWritable() && (m = queue.poll()) != null) {
            byte[] body = MessageCodec.encode(m);
            if (body.length > config.maxFrameBytes()) {
                counters.droppedTooLarge.increment();
                warnings.warn("dropped a {} of {} bytes to node {}: above maxFrameBytes={}",
                        m.getClass().getSimpleName(), body.length, peerId, config.maxFrameBytes());
                continue;
            }
            ByteBuf frame = ch.alloc().ioBuffer(4 + body.length).writeInt(body.length).writeBytes(body);
            ch.write(frame, ch.voidPromise());
            written++;
        }
        if (written > 0) {
            counters.messagesSent.add(written);
            counters.flushes.increment();
            ch.flush();
        }
    }

    private void onReady(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel || closed) {
            ctx.close();
            return;
        }
        ByteBuf hello = new Handshake(Handshake.VERSION, config.nodeId(), config.clusterId()).encode(ctx.alloc());
        ctx.write(ctx.alloc().ioBuffer(4).writeInt(hello.readableBytes()));
        ctx.writeAndFlush(hello);
        ready = true;
        readySinceNanos = System.nanoTime();
        counters.connectionsOpened.increment();
        LOG.info("connected to node {} at {}", peerId, where);
        drain();
    }

    /** Builds the pipeline of one outbound connection: TLS (if on), then {@link OutboundHandler}. */
    private final class Initializer extends io.netty.channel.ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            if (tls != null) {
                ch.pipeline().addLast(Tls.HANDLER, tls.clientHandler(ch));
            }
            ch.pipeline().addLast(new OutboundHandler());
        }
    }

    /** Sends the handshake when the connection is up (after TLS), drains when the socket drains. */
    private final class OutboundHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (tls == null) {
                onReady(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    onReady(ctx);
                } else {
                    counters.tlsHandshakeFailures.increment();
                    warnings.warn("TLS handshake with node {} at {} failed: {}", peerId, where, e.cause().toString());
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // the peer has nothing to say on our connection
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException || cause.getCause() instanceof IOException) {
                LOG.debug("connection to node {} at {}: {}", peerId, where, cause.toString());
            } else {
                warnings.warn("connection to node {} at {} failed: {}", peerId, where, cause.toString());
            }
            ctx.close();
        }
    }
}
