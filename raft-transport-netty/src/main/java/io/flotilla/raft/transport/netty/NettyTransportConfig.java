package io.flotilla.raft.transport.netty;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Configuration of a {@link NettyTransport}. Immutable; validated when built, with messages naming the field, its
 * value and the constraint. Start from {@link #of} and adjust with the {@code with...} methods.
 *
 * @param clusterId             the cluster's name; a connection whose handshake names another cluster is refused.
 *                              1 to 255 bytes of UTF-8.
 * @param nodeId                this node's id ({@code > 0}), the same as the node's {@code RaftConfig.nodeId}
 * @param listenAddress         where to accept connections from peers; port 0 picks a free port
 *                              ({@link NettyTransport#localAddress()} tells which)
 * @param peers                 every other member's id and address, as the node starts. Kept in id order; an entry
 *                              for {@code nodeId} itself is dropped, so every node can be given the same map.
 *                              Addresses may be unresolved: they are resolved at each connection attempt. Once the
 *                              node reports its membership ({@link NettyTransport#updatePeers}), the membership
 *                              says who is a peer, and these addresses serve the members it records none for.
 * @param maxFrameBytes         the largest encoded message accepted or sent, in bytes: 1 KiB to 1 GiB. Default
 *                              16 MiB; it must exceed the node's {@code maxAppendBytes} (1 MiB by default) and the
 *                              size of a snapshot chunk's data, plus a little framing (a few hundred bytes at most).
 *                              Each connection may buffer up to this much while a frame arrives.
 * @param outboundQueueCapacity messages queued per peer while its connection is down or busy; beyond that new
 *                              messages are dropped and counted (Raft resends). Default 1,024.
 * @param reconnectBackoffMin   the first delay before reconnecting to a peer. Default 50 ms.
 * @param reconnectBackoffMax   the cap of the doubling delay between attempts (each delay is drawn from
 *                              [d/2, d]). Default 2 s. Longer: less load on a peer that is down, slower recovery.
 * @param handshakeTimeout      how long an inbound connection may take to complete TLS and our handshake, and an
 *                              outbound one to connect. Default 5 s.
 * @param ioThreads             Netty event-loop threads of this transport. Default 2.
 * @param tls                   mutual TLS, or {@code null} for plaintext (default)
 */
public record NettyTransportConfig(String clusterId, long nodeId, InetSocketAddress listenAddress,
                                   Map<Long, InetSocketAddress> peers, int maxFrameBytes, int outboundQueueCapacity,
                                   Duration reconnectBackoffMin, Duration reconnectBackoffMax,
                                   Duration handshakeTimeout, int ioThreads, TlsConfig tls) {
    /** Below this a frame could not hold a handshake or a useful message. */
    public static final int MIN_FRAME_BYTES = 1024;
    /**
     * The largest {@code maxFrameBytes}: 1 GiB. Each connection may buffer a whole frame, and the frame decoder's
     * limit (this plus the 4-byte length) must stay a positive {@code int}.
     */
    public static final int MAX_FRAME_BYTES = 1 << 30;
    /** The encoding's limit for one cluster id, in UTF-8 bytes. */
    public static final int MAX_CLUSTER_ID_BYTES = 255;

    public NettyTransportConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        int idBytes = clusterId.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes < 1 || idBytes > MAX_CLUSTER_ID_BYTES) {
            throw new IllegalArgumentException("clusterId must be 1 to " + MAX_CLUSTER_ID_BYTES
                    + " bytes of UTF-8, was " + idBytes + " bytes: '" + clusterId + "'");
        }
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, was " + nodeId);
        }
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(peers, "peers");
        TreeMap<Long, InetSocketAddress> others = new TreeMap<>();
        for (Map.Entry<Long, InetSocketAddress> e : peers.entrySet()) {
            long id = Objects.requireNonNull(e.getKey(), "peers: a node id is null");
            InetSocketAddress address = Objects.requireNonNull(e.getValue(), "peers: the address of node " + id);
            if (id <= 0) {
                throw new IllegalArgumentException("peers: node ids must be > 0, was " + id);
            }
            if (address.getPort() == 0) {
                throw new IllegalArgumentException("peers: the address of node " + id + " needs a port, was "
                        + address);
            }
            if (id != nodeId) {
                others.put(id, address);
            }
        }
        peers = Collections.unmodifiableMap(others);
        if (maxFrameBytes < MIN_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be >= " + MIN_FRAME_BYTES + ", was "
                    + maxFrameBytes);
        }
        if (maxFrameBytes > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be <= " + MAX_FRAME_BYTES + " (1 GiB), was "
                    + maxFrameBytes);
        }
        if (outboundQueueCapacity < 1) {
            throw new IllegalArgumentException("outboundQueueCapacity must be >= 1, was " + outboundQueueCapacity);
        }
        positive("reconnectBackoffMin", reconnectBackoffMin);
        positive("reconnectBackoffMax", reconnectBackoffMax);
        positive("handshakeTimeout", handshakeTimeout);
        if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("reconnectBackoffMax must be >= reconnectBackoffMin ("
                    + reconnectBackoffMin + "), was " + reconnectBackoffMax);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
    }

    private static void positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
    }

    /**
     * A plaintext configuration with defaults for everything else.
     *
     * @param listenAddress {@code host:port} to listen on ({@code 0.0.0.0:7001}, {@code 127.0.0.1:0})
     * @param peers         the members' {@code host:port} by node id (this node's own entry is ignored)
     */
    public static NettyTransportConfig of(String clusterId, long nodeId, String listenAddress,
                                          Map<Long, String> peers) {
        Objects.requireNonNull(peers, "peers");
        TreeMap<Long, InetSocketAddress> addresses = new TreeMap<>();
        peers.forEach((id, hostPort) -> addresses.put(id, parse("peers[" + id + "]", hostPort, false)));
        return new NettyTransportConfig(clusterId, nodeId, parse("listenAddress", listenAddress, true), addresses,
                16 << 20, 1024, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(5), 2, null);
    }

    /** Parses {@code host:port} (IPv6 as {@code [::1]:7001}); the peers' addresses are left unresolved. */
    static InetSocketAddress parse(String field, String hostPort, boolean resolve) {
        Objects.requireNonNull(hostPort, field);
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(field + " must be host:port, was '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " must be host:port with a numeric port, was '" + hostPort
                    + "'", e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(field + " port must be in [0, 65535], was " + port);
        }
        return resolve ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
    }

    /** A copy with another maximum frame size. */
    public NettyTransportConfig withMaxFrameBytes(int maxFrameBytes) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout, ioThreads, tls);
    }

    /** A copy with another outbound queue capacity per peer. */
    public NettyTransportConfig withOutboundQueueCapacity(int outboundQueueCapacity) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout, ioThreads, tls);
    }

    /** A copy with other reconnect back-off bounds. */
    public NettyTransportConfig withReconnectBackoff(Duration min, Duration max) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, min, max, handshakeTimeout, ioThreads, tls);
    }

    /** A copy with another handshake timeout. */
    public NettyTransportConfig withHandshakeTimeout(Duration handshakeTimeout) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout, ioThreads, tls);
    }

    /** A copy with another number of event-loop threads. */
    public NettyTransportConfig withIoThreads(int ioThreads) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout, ioThreads, tls);
    }

    /** A copy with mutual TLS ({@code null}: plaintext). */
    public NettyTransportConfig withTls(TlsConfig tls) {
        return new NettyTransportConfig(clusterId, nodeId, listenAddress, peers, maxFrameBytes,
                outboundQueueCapacity, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout, ioThreads, tls);
    }
}
