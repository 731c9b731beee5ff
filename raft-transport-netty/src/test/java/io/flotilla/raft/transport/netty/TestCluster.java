package io.flotilla.raft.transport.netty;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.KvStateMachine;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.awaitility.Awaitility.await;

/**
 * Three (or more) {@link RaftNode}s in this JVM, each on its own {@link NettyTransport} on 127.0.0.1, with
 * in-memory logs and the {@link KvStateMachine}. Closing it closes every node.
 */
public final class TestCluster implements AutoCloseable {
    static final String CLUSTER_ID = "flotilla-test";
    static final Duration WAIT = Duration.ofSeconds(20);

    final Map<Long, String> addresses;
    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, NettyTransport> transports = new TreeMap<>();
    /** Each node's log, kept across restarts (a node must never come back without its log and vote). */
    private final Map<Long, InMemoryLogStore> stores = new TreeMap<>();

    private final BiFunction<Long, NettyTransportConfig, NettyTransportConfig> adjust;

    private TestCluster(Map<Long, String> addresses,
                        BiFunction<Long, NettyTransportConfig, NettyTransportConfig> adjust) {
        this.addresses = addresses;
        this.adjust = adjust;
    }

    /** A plaintext cluster of {@code size} nodes with ids 1..size. */
    static TestCluster start(int size) {
        return start(size, (id, config) -> config);
    }

    /** A cluster whose node {@code id} has the transport configuration {@code adjust(id, default)}. */
    static TestCluster start(int size, BiFunction<Long, NettyTransportConfig, NettyTransportConfig> adjust) {
        TestCluster cluster = new TestCluster(freeAddresses(size), adjust);
        for (long id : cluster.addresses.keySet()) {
            cluster.startNode(id);
        }
        return cluster;
    }

    /** Starts (or restarts, on its log) node {@code id}. */
    void startNode(long id) {
        NettyTransportConfig defaults = NettyTransportConfig.of(CLUSTER_ID, id, addresses.get(id), addresses)
                .withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(500))
                .withHandshakeTimeout(Duration.ofSeconds(2));
        NettyTransport transport = new NettyTransport(adjust.apply(id, defaults));
        RaftConfig config = RaftConfig.of(1, id, addresses).withRequestLimits(Duration.ofSeconds(5), 1000);
        nodes.put(id, RaftNode.start(config, stores.computeIfAbsent(id, k -> new InMemoryLogStore()), transport, new KvStateMachine()));
        transports.put(id, transport);
    }

    /**
     * Starts node {@code id} at a fresh loopback address to join the cluster as a learner
     * ({@link RaftConfig#asJoining}): its own configuration lists the members and itself; theirs never list it, so
     * they can reach it only at the address the membership change gives. Returns that address.
     */
    String startJoining(long id) {
        String own = freeAddresses(1).get(1L);
        Map<Long, String> members = new TreeMap<>(addresses);
        members.put(id, own);
        NettyTransport transport = new NettyTransport(NettyTransportConfig.of(CLUSTER_ID, id, own, members)
                .withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(500)));
        RaftConfig config = RaftConfig.of(1, id, members).withRequestLimits(Duration.ofSeconds(5), 1000).asJoining();
        nodes.put(id, RaftNode.start(config, stores.computeIfAbsent(id, k -> new InMemoryLogStore()), transport,
                new KvStateMachine()));
        transports.put(id, transport);
        return own;
    }

    /**
     * Reserves {@code n} loopback ports by binding and releasing them. Another process could take one in between;
     * on a test machine that is rare, and the node then fails to start with a clear message.
     */
    public static Map<Long, String> freeAddresses(int n) {
        Map<Long, String> addresses = new TreeMap<>();
        List<ServerSocket> sockets = new java.util.ArrayList<>();
        try {
            for (long id = 1; id <= n; id++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                addresses.put(id, "127.0.0.1:" + s.getLocalPort());
            }
            for (ServerSocket s : sockets) {
                s.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return addresses;
    }

    InetSocketAddress address(long id) {
        return transports.get(id).localAddress();
    }

    TransportStats stats(long id) {
        return transports.get(id).stats();
    }

    RaftNode awaitLeader() {
        return await("a leader").atMost(WAIT).until(() -> nodes.values().stream()
                .filter(n -> n.status().running() && n.status().role() == Role.LEADER).findFirst().orElse(null),
                n -> n != null);
    }

    /** Proposes {@code put key value} on {@code node} and returns the state machine's result. */
    static String put(RaftNode node, String key, String value) throws Exception {
        return node.propose(Payload.ofUtf8("put " + key + " " + value)).get(WAIT.toSeconds(), TimeUnit.SECONDS)
                .toStringUtf8();
    }

    static String read(RaftNode node, String key) throws Exception {
        return node.read(Payload.ofUtf8("get " + key)).get(WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8();
    }

    @Override
    public void close() {
        nodes.values().forEach(RaftNode::closeAsync);
        nodes.values().forEach(RaftNode::close);
    }
}
