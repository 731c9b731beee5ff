package io.flotilla.raft.transport.netty;

import io.flotilla.raft.message.Message;
import io.flotilla.raft.node.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A {@link Transport} over TCP with Netty: each message is one frame, a 4-byte big-endian length then the
 * message's protobuf encoding ({@code MessageCodec}). See docs/transport.md.
 *
 * <p>Connections: this node dials one long-lived connection to each peer and only writes on it, starting with a
 * handshake frame (protocol version, node id, cluster id); it reads the peers' messages on the connections they
 * dial. An accepted connection whose handshake names another cluster or protocol version, or this node's own id, is
 * refused (closed, logged, counted); any other node id is accepted, so that a member added at run time can talk to
 * the group before the group has heard of it. A lost connection is redialled with jittered exponential back-off.
 *
 * <p>Peers: the transport starts with {@link NettyTransportConfig#peers()} and follows the group's membership from
 * then on ({@link #updatePeers}): it dials members added at run time at the address their membership records,
 * re-dials a member whose recorded address changed, and closes the link to a removed member.
 *
 * <p>Threads: the node calls {@link #send} on its event loop; it never blocks: the message goes into the peer's
 * bounded queue (or is dropped and counted when the queue is full, the peer unknown or the transport closed), and
 * the peer's Netty event loop encodes and writes it, with one flush per batch. The receiver given to
 * {@link #start} is called on Netty event loops, one connection at a time per connection, in the order each
 * peer sent. {@link #updatePeers} is called on the node's event loop and never blocks on I/O (new links dial on
 * Netty's event loops); it may run concurrently with {@link #send} from other threads. {@link #stats()},
 * {@link #peers()} and {@link #localAddress()} may be called from any thread.
 *
 * <p>Guarantees: bad input never crashes the node: a malformed or oversized frame, a bad handshake or a failed TLS
 * handshake closes that one connection and is counted in {@link #stats()}; a message whose sender is not the
 * handshake's node, or which is addressed to another node, is dropped and counted. Memory per connection is
 * bounded by {@link NettyTransportConfig#maxFrameBytes()} in and the outbound queue plus Netty's write buffer out.
 * With {@link TlsConfig} set, every connection is mutual TLS and a peer without a certificate from the cluster's
 * CA cannot connect, let alone inject messages.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Above this many bytes waiting in Netty's buffer a connection stops taking messages from its queue. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 << 10, 1 << 20);

    private final NettyTransportConfig config;
    private final Counters counters = new Counters();
    private final Warnings warnings = new Warnings(LOG);
    private final Tls tls;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile EventLoops loops;
    private volatile Channel server;
    /**
     * The peers' outbound links by node id, ascending; empty until started. Replaced whole (copy on write) under
     * {@link #peersLock}, read without a lock by {@link #send}.
     */
    private volatile Map<Long, PeerLink> links = Map.of();
    /** Serializes {@link #start}, {@link #updatePeers} and {@link #close} over {@link #links}; held for no I/O. */
    private final Object peersLock = new Object();
    /** The peers from the last {@link #updatePeers}, or null if none came yet (then the configured ones). Guarded. */
    private Map<Long, InetSocketAddress> wantedPeers;
    /** The template of every outbound connection; null until started. Guarded by {@link #peersLock}. */
    private Bootstrap dialer;

    /**
     * A transport for {@code config}; nothing is opened until {@link #start}.
     *
     * @throws IllegalArgumentException if TLS is configured and its files do not hold a usable certificate, key or CA
     */
    public NettyTransport(NettyTransportConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.tls = config.tls() == null ? null : Tls.load(config.tls(), config.handshakeTimeout());
    }

    /**
     * Listens on the configured address and starts dialling the peers. Called once, by the node.
     *
     * @throws IllegalStateException if called twice, after {@link #close}, or if the address cannot be bound
     */
    @Override
    public void start(Consumer<Message> receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (closed || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " was already started or closed");
        }
        EventLoops io = EventLoops.create(config.ioThreads(),
                new DefaultThreadFactory("flotilla-netty-" + config.nodeId(), true));
        loops = io;
        ServerBootstrap acceptor = new ServerBootstrap()
                .group(io.group())
                .channel(io.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(Tls.HANDLER, tls.serverHandler(ch));
                        }
                        ch.pipeline().addLast(InboundHandler.FRAMES, InboundHandler.handshakeFrames());
                        ch.pipeline().addLast(new InboundHandler(config, counters, receiver, warnings));
                    }
                });
        ChannelFuture bound = acceptor.bind(config.listenAddress()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            io.group().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("node " + config.nodeId() + " cannot listen on " + config.listenAddress()
                    + ": " + bound.cause(), bound.cause());
        }
        server = bound.channel();
        Bootstrap dialer = new Bootstrap()
                .channel(io.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
        synchronized (peersLock) {
            this.dialer = dialer;
            LOG.info("node {} of cluster '{}' listening on {} ({}, {})", config.nodeId(), config.clusterId(),
                    server.localAddress(), io.name(), tls == null ? "plaintext" : "mutual TLS");
            relink(wantedPeers != null ? wantedPeers : config.peers());
        }
    }

    /**
     * Follows a membership change: afterwards this transport has a link to every member in {@code addresses} but
     * itself, and to no one else. A new member is dialled (asynchronously, on a Netty event loop, like every link);
     * a member whose address changed is re-dialled at the new one, its old link closed with what it still queued;
     * a member no longer listed has its link closed. Messages to a node without a link are dropped and counted in
     * {@link TransportStats#droppedUnknownDestination()}.
     *
     * <p>Each member's address is the one {@code addresses} gives; an empty one (a member the membership records no
     * address for, such as a voter the group was started with) means the one in {@link NettyTransportConfig#peers()}.
     * A member with neither, or with an address that is not {@code host:port}, keeps the link it has, if any, and is
     * otherwise not reachable; that is logged, never thrown (the node's event loop calls this).
     *
     * <p>Called by the node on its event loop, the first time before {@link #start} (then the links are made at
     * start) and then on every membership change. Safe against concurrent {@link #send}s: a message sent to a link
     * that is being closed is dropped. Does nothing after {@link #close}.
     */
    @Override
    public void updatePeers(Map<Long, String> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        synchronized (peersLock) {
            if (closed) {
                return;
            }
            Map<Long, InetSocketAddress> next = new TreeMap<>();
            addresses.forEach((id, hostPort) -> {
                InetSocketAddress address = id == config.nodeId() ? null : addressOf(id, hostPort);
                if (address != null) {
                    next.put(id, address);
                }
            });
            wantedPeers = Collections.unmodifiableMap(next);
            if (dialer != null) {
                relink(wantedPeers);
            }
        }
    }

    /** Where to reach member {@code id}, given the address its membership records ("" for none); null: nowhere. */
    private InetSocketAddress addressOf(long id, String hostPort) {
        PeerLink current = links.get(id);
        InetSocketAddress known = current != null ? current.address() : config.peers().get(id);
        if (hostPort == null || hostPort.isEmpty()) {
            if (known == null) {
                LOG.warn("node {}: node {} is a member, but neither the membership nor this transport's peers "
                        + "give its address; messages to it are dropped", config.nodeId(), id);
            }
            return known;
        }
        try {
            InetSocketAddress address = NettyTransportConfig.parse("the address of node " + id, hostPort, false);
            if (address.getPort() == 0) {
                throw new IllegalArgumentException("the address of node " + id + " needs a port, was " + hostPort);
            }
            return address;
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: {}; {}", config.nodeId(), e.getMessage(), known == null
                    ? "messages to node " + id + " are dropped" : "keeping " + hostPort(known));
            return known;
        }
    }

    /** Makes {@link #links} match {@code wanted}: keeps the links whose address is unchanged. Under the lock. */
    private void relink(Map<Long, InetSocketAddress> wanted) {
        Map<Long, PeerLink> current = links;
        Map<Long, PeerLink> next = new TreeMap<>();
        List<PeerLink> opened = new ArrayList<>();
        wanted.forEach((id, address) -> {
            PeerLink old = current.get(id);
            if (old != null && old.address().equals(address)) {
                next.put(id, old);
            } else {
                PeerLink link = new PeerLink(id, address, config, counters, warnings, loops.group().next(), dialer,
                        tls);
                next.put(id, link);
                opened.add(link);
            }
        });
        if (next.equals(current)) {
            return;
        }
        links = Collections.unmodifiableMap(next);
        current.forEach((id, old) -> {
            if (next.get(id) != old) {
                old.close();
            }
        });
        opened.forEach(PeerLink::start);
        LOG.info("node {}: peers {}", config.nodeId(), peers());
    }

    /**
     * The peers this transport sends to now, by node id, ascending, as {@code host:port}: the configured ones until
     * the first {@link #updatePeers}, the members since. Empty before {@link #start}. Any thread.
     */
    public Map<Long, String> peers() {
        Map<Long, String> out = new TreeMap<>();
        links.forEach((id, link) -> out.put(id, hostPort(link.address())));
        return Collections.unmodifiableMap(out);
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    /** Queues {@code message} for its peer, or drops and counts it. Never blocks. */
    @Override
    public void send(Message message) {
        if (closed) {
            return;
        }
        PeerLink link = links.get(message.to());
        if (link == null) {
            counters.droppedUnknownDestination.increment();
            warnings.warn("dropped a {} to node {}: not a peer of node {} {}", message.getClass().getSimpleName(),
                    message.to(), config.nodeId(), links.isEmpty() ? "(transport not started)" : links.keySet());
            return;
        }
        link.offer(message);
    }

    /**
     * Stops listening, closes every connection and stops the event loops, waiting up to 5 seconds for them (unless
     * called on one of them). Messages still queued are dropped. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (peersLock) {
            links.values().forEach(PeerLink::close);
        }
        Channel s = server;
        if (s != null) {
            s.close();
        }
        EventLoops io = loops;
        if (io != null) {
            io.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boolean onLoop = false;
            for (EventExecutor e : io.group()) {
                onLoop |= e.inEventLoop();
            }
            if (!onLoop && !io.group().terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
                LOG.warn("node {}: Netty event loops did not stop within 5 s", config.nodeId());
            }
        }
    }

    /** The address the transport listens on (the actual port, if the configured one was 0). */
    public InetSocketAddress localAddress() {
        Channel s = server;
        if (s == null) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is not started");
        }
        return (InetSocketAddress) s.localAddress();
    }

    /** The counters so far. */
    public TransportStats stats() {
        return counters.snapshot();
    }

    /** This transport's configuration. */
    public NettyTransportConfig config() {
        return config;
    }

    /** "epoll" or "nio": the event-loop implementation in use (for logs and tests); null before start. */
    String ioName() {
        EventLoops io = loops;
        return io == null ? null : io.name();
    }
}
