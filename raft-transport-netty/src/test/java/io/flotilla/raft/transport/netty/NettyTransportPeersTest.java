package io.flotilla.raft.transport.netty;

import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.ReadIndexRequest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.flotilla.raft.transport.netty.TestCluster.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link NettyTransport#updatePeers}: peers that only a membership change names are dialled, and their connections
 * accepted; a removed peer's link is closed; a moved peer is dialled at its new address; bad addresses are logged,
 * not thrown; sends racing with changes are safe. Fake peers are plain sockets ({@link RawPeer#accept}), so that a
 * closed connection is seen on the wire.
 */
class NettyTransportPeersTest {
    private static final int TIMEOUT_MILLIS = 5_000;

    private static NettyTransport transport(long id, String listen, Map<Long, String> configuredPeers) {
        return new NettyTransport(NettyTransportConfig.of("c", id, listen, configuredPeers)
                .withReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200)));
    }

    private static ServerSocket fakePeer() throws IOException {
        return new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    }

    private static String address(ServerSocket s) {
        return "127.0.0.1:" + s.getLocalPort();
    }

    @Test
    void peersNamedOnlyByUpdatePeersAreDialledAndTheirConnectionsAccepted() {
        Map<Long, String> addresses = TestCluster.freeAddresses(3);
        List<NettyTransport> transports = new ArrayList<>();
        List<ConcurrentLinkedQueue<Message>> received = new ArrayList<>();
        try {
            for (long id = 1; id <= 3; id++) {
                NettyTransport t = transport(id, addresses.get(id), Map.of()); // knows no peer from its configuration
                ConcurrentLinkedQueue<Message> inbox = new ConcurrentLinkedQueue<>();
                if (id == 1) {
                    t.updatePeers(addresses); // as a node does: once before start
                    t.start(inbox::add);
                } else {
                    t.start(inbox::add);
                    assertThat(t.peers()).isEmpty();
                    t.updatePeers(addresses);
                }
                transports.add(t);
                received.add(inbox);
            }
            for (NettyTransport t : transports) {
                long self = t.config().nodeId();
                Map<Long, String> others = new java.util.TreeMap<>(addresses);
                others.remove(self);
                assertThat(t.peers()).as("peers of node %d", self).isEqualTo(others);
                for (long to : others.keySet()) {
                    t.send(new ReadIndexRequest(1, self, to, 1, self * 10 + to));
                }
            }
            for (int i = 0; i < 3; i++) {
                long self = i + 1;
                ConcurrentLinkedQueue<Message> inbox = received.get(i);
                await().atMost(WAIT).until(() -> inbox.size() == 2);
                assertThat(inbox).allSatisfy(m -> assertThat(m.to()).isEqualTo(self))
                        .extracting(Message::from).containsExactlyInAnyOrderElementsOf(
                                addresses.keySet().stream().filter(id -> id != self).toList());
                TransportStats stats = transports.get(i).stats();
                assertThat(stats.unknownNodes() + stats.handshakesRefused() + stats.droppedUnknownDestination())
                        .as("node %d: refusals and drops", self).isZero();
            }
        } finally {
            transports.forEach(NettyTransport::close);
        }
    }

    @Test
    void aRemovedPeersConnectionIsClosedAndMessagesToItAreDropped() throws IOException {
        Map<Long, String> addresses = TestCluster.freeAddresses(1);
        try (ServerSocket three = fakePeer(); NettyTransport one = transport(1, addresses.get(1L), Map.of())) {
            one.start(m -> { });
            one.updatePeers(Map.of(1L, "", 3L, address(three)));
            try (RawPeer link = RawPeer.accept(three, TIMEOUT_MILLIS)) {
                assertThat(link.readHandshake().nodeId()).isEqualTo(1);
                one.updatePeers(Map.of(1L, ""));
                assertThat(link.closedByPeer()).as("the link to the removed node is closed").isTrue();
            }
            assertThat(one.peers()).isEmpty();
            one.send(new ReadIndexRequest(1, 1, 3, 1, 1));
            assertThat(one.stats().droppedUnknownDestination()).isEqualTo(1);
        }
    }

    @Test
    void aPeerWhoseAddressChangesIsDialledThereAndItsOldConnectionClosed() throws IOException {
        Map<Long, String> addresses = TestCluster.freeAddresses(1);
        try (ServerSocket before = fakePeer(); ServerSocket after = fakePeer();
             NettyTransport one = transport(1, addresses.get(1L), Map.of(3L, address(before)))) {
            one.start(m -> { });
            one.updatePeers(Map.of(1L, "", 3L, "")); // no recorded address: the configured one
            try (RawPeer old = RawPeer.accept(before, TIMEOUT_MILLIS)) {
                assertThat(old.readHandshake().nodeId()).isEqualTo(1);
                one.updatePeers(Map.of(1L, "", 3L, address(after)));
                try (RawPeer moved = RawPeer.accept(after, TIMEOUT_MILLIS)) {
                    assertThat(moved.readHandshake().nodeId()).isEqualTo(1);
                    assertThat(old.closedByPeer()).as("the connection to the old address is closed").isTrue();
                    Message m = new ReadIndexRequest(1, 1, 3, 1, 42);
                    one.send(m);
                    assertThat(moved.readMessage()).isEqualTo(m);
                }
            }
            assertThat(one.peers()).containsExactly(Map.entry(3L, address(after)));
        }
    }

    @Test
    void unusableAddressesAreLoggedNotThrownAndAKnownAddressIsKept() {
        Map<Long, String> addresses = TestCluster.freeAddresses(3);
        try (NettyTransport one = transport(1, addresses.get(1L), Map.of(3L, addresses.get(3L)))) {
            one.start(m -> { });
            one.updatePeers(Map.of(2L, "no-port", 3L, "", 4L, "", 5L, "127.0.0.1:0"));
            assertThat(one.peers()).as("2: not host:port; 3: configured; 4: no address anywhere; 5: no port")
                    .isEqualTo(Map.of(3L, addresses.get(3L)));
            one.updatePeers(Map.of(2L, addresses.get(2L), 3L, "three:not-a-port"));
            assertThat(one.peers()).as("3 keeps the address it had").isEqualTo(Map.of(2L, addresses.get(2L), 3L,
                    addresses.get(3L)));
        }
    }

    @Test
    void sendsRacingWithMembershipChangesNeverFailAndReachThePeerOnceItIsBack() throws Exception {
        Map<Long, String> addresses = TestCluster.freeAddresses(2);
        ConcurrentLinkedQueue<Message> received = new ConcurrentLinkedQueue<>();
        ExecutorService senders = Executors.newFixedThreadPool(3);
        AtomicBoolean stop = new AtomicBoolean();
        try (NettyTransport one = transport(1, addresses.get(1L), Map.of());
             NettyTransport two = transport(2, addresses.get(2L), Map.of())) {
            one.start(m -> { });
            two.start(received::add);
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                running.add(senders.submit(() -> {
                    long n = 0;
                    while (!stop.get()) {
                        one.send(new ReadIndexRequest(1, 1, 2, 1, n++));
                    }
                }));
            }
            for (int i = 0; i < 200; i++) {
                one.updatePeers(i % 2 == 0 ? addresses : Map.of(1L, ""));
            }
            one.updatePeers(addresses);
            stop.set(true);
            for (Future<?> f : running) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS); // rethrows anything a send threw
            }
            assertThat(one.stats().droppedUnknownDestination()).as("sends found node 2 removed").isPositive();
            Message marker = new ReadIndexRequest(1, 1, 2, 1, -1);
            await().atMost(WAIT).until(() -> { // (re)sent until it arrives: the queue may be full for a while
                one.send(marker);
                return received.contains(marker);
            });
            assertThat(one.peers()).isEqualTo(Map.of(2L, addresses.get(2L)));
        } finally {
            senders.shutdownNow();
        }
    }
}
