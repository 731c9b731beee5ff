package io.flotilla.raft.transport.netty;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.SnapshotChunk;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import static io.flotilla.raft.transport.netty.TestCluster.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Two bare transports (no Raft node), the configuration's validation, the back-off, and the public API's types. */
class NettyTransportTest {
    private static final int MESSAGES = 2_000;

    @Test
    void messagesToOnePeerArriveInOrderAndWritesAreBatchedIntoFewerFlushes() {
        Map<Long, String> addresses = TestCluster.freeAddresses(2);
        ConcurrentLinkedQueue<Message> received = new ConcurrentLinkedQueue<>();
        try (NettyTransport one = new NettyTransport(NettyTransportConfig.of("c", 1, addresses.get(1L), addresses)
                .withOutboundQueueCapacity(MESSAGES));
             NettyTransport two = new NettyTransport(NettyTransportConfig.of("c", 2, addresses.get(2L), addresses))) {
            one.start(m -> { });
            two.start(received::add);
            await().atMost(WAIT).until(() -> one.stats().connectionsOpened() == 1);
            List<Message> sent = new ArrayList<>();
            for (int i = 1; i <= MESSAGES; i++) {
                Message m = new ReadIndexRequest(1, 1, 2, 1, i);
                sent.add(m);
                one.send(m);
            }
            await().atMost(WAIT).until(() -> received.size() == MESSAGES);
            assertThat(List.copyOf(received)).isEqualTo(sent);
            TransportStats stats = one.stats();
            assertThat(stats.messagesSent()).isEqualTo(MESSAGES);
            assertThat(stats.droppedQueueFull()).isZero();
            assertThat(stats.flushes()).as("one flush per batch, not per message").isLessThan(MESSAGES);
            assertThat(two.stats().messagesReceived()).isEqualTo(MESSAGES);
        }
    }

    @Test
    void aSnapshotChunkOfOneMebibyteFitsTheDefaultFrameAndOneAboveMaxFrameBytesIsDroppedAndCounted() {
        Map<Long, String> addresses = TestCluster.freeAddresses(2);
        ConcurrentLinkedQueue<Message> received = new ConcurrentLinkedQueue<>();
        try (NettyTransport one = new NettyTransport(NettyTransportConfig.of("c", 1, addresses.get(1L), addresses));
             NettyTransport two = new NettyTransport(NettyTransportConfig.of("c", 2, addresses.get(2L), addresses))) {
            one.start(m -> { });
            two.start(received::add);
            await().atMost(WAIT).until(() -> one.stats().connectionsOpened() == 1);
            int max = one.config().maxFrameBytes();
            Message chunk = chunk(1 << 20);
            Message tooLarge = chunk(max);  // max bytes of data plus the header: above max
            Message after = new ReadIndexRequest(1, 1, 2, 1, 7);
            one.send(chunk);
            one.send(tooLarge);
            one.send(after);
            await().atMost(WAIT).until(() -> received.size() == 2);
            assertThat(List.copyOf(received)).containsExactly(chunk, after);
            assertThat(one.stats().droppedTooLarge()).isEqualTo(1);
            assertThat(two.stats().oversizedFrames()).isZero();
        }
    }

    private static SnapshotChunk chunk(int bytes) {
        byte[] data = new byte[bytes];
        new java.util.Random(bytes).nextBytes(data);
        SnapshotMeta meta = new SnapshotMeta(10, 2, List.of(1L, 2L, 3L), 64L << 20, 0xFFFF_FFFFL);
        return new SnapshotChunk(1, 1, 2, 2, meta, 0, Payload.copyOf(data), 0xFFFF_FFFFL);
    }

    @Test
    void theLargestAllowedFrameLimitStillAcceptsConnections() {
        Map<Long, String> addresses = TestCluster.freeAddresses(2);
        ConcurrentLinkedQueue<Message> received = new ConcurrentLinkedQueue<>();
        int largest = NettyTransportConfig.MAX_FRAME_BYTES;
        try (NettyTransport one = new NettyTransport(NettyTransportConfig.of("c", 1, addresses.get(1L), addresses)
                .withMaxFrameBytes(largest));
             NettyTransport two = new NettyTransport(NettyTransportConfig.of("c", 2, addresses.get(2L), addresses)
                     .withMaxFrameBytes(largest))) {
            one.start(m -> { });
            two.start(received::add);
            await().atMost(WAIT).until(() -> one.stats().connectionsOpened() == 1);
            one.send(new ReadIndexRequest(1, 1, 2, 1, 7));
            await().atMost(WAIT).until(() -> received.size() == 1);
            one.send(chunk(64 << 10));  // larger than a handshake frame: needs the message frame decoder
            await().atMost(WAIT).until(() -> received.size() == 2);
            assertThat(one.stats().connectionsOpened()).as("the connection stayed up").isEqualTo(1);
        }
    }

    @Test
    void startingTwiceOrOnABusyPortFailsWithTheAddress() {
        Map<Long, String> addresses = TestCluster.freeAddresses(1);
        try (NettyTransport one = new NettyTransport(NettyTransportConfig.of("c", 1, addresses.get(1L), Map.of()));
             NettyTransport clash = new NettyTransport(NettyTransportConfig.of("c", 1, addresses.get(1L),
                     Map.of()))) {
            one.start(m -> { });
            assertThatThrownBy(() -> one.start(m -> { })).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> clash.start(m -> { })).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen on").hasMessageContaining(addresses.get(1L));
        }
    }

    @Test
    void theConfigurationRejectsBadValuesNamingTheField() {
        NettyTransportConfig ok = NettyTransportConfig.of("c", 1, "127.0.0.1:0", Map.of(1L, "a:1", 2L, "b:2"));
        assertThat(ok.peers()).as("this node's own entry is dropped").containsOnlyKeys(2L);
        assertThatThrownBy(() -> NettyTransportConfig.of("", 1, "127.0.0.1:0", Map.of()))
                .hasMessageContaining("clusterId");
        assertThatThrownBy(() -> NettyTransportConfig.of("x".repeat(256), 1, "127.0.0.1:0", Map.of()))
                .hasMessageContaining("clusterId must be 1 to 255 bytes");
        assertThatThrownBy(() -> NettyTransportConfig.of("c", 0, "127.0.0.1:0", Map.of()))
                .hasMessageContaining("nodeId must be > 0, was 0");
        assertThatThrownBy(() -> NettyTransportConfig.of("c", 1, "127.0.0.1:0", Map.of(2L, "nohost")))
                .hasMessageContaining("peers[2] must be host:port, was 'nohost'");
        assertThatThrownBy(() -> NettyTransportConfig.of("c", 1, "127.0.0.1:0", Map.of(2L, "b:0")))
                .hasMessageContaining("the address of node 2 needs a port");
        assertThatThrownBy(() -> NettyTransportConfig.of("c", 1, "127.0.0.1:x", Map.of()))
                .hasMessageContaining("listenAddress must be host:port with a numeric port");
        assertThatThrownBy(() -> ok.withMaxFrameBytes(100)).hasMessageContaining("maxFrameBytes must be >= 1024");
        assertThatThrownBy(() -> ok.withMaxFrameBytes(Integer.MAX_VALUE))
                .hasMessageContaining("maxFrameBytes must be <= " + NettyTransportConfig.MAX_FRAME_BYTES);
        assertThatThrownBy(() -> ok.withOutboundQueueCapacity(0)).hasMessageContaining("outboundQueueCapacity");
        assertThatThrownBy(() -> ok.withReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("reconnectBackoffMax must be >= reconnectBackoffMin");
        assertThatThrownBy(() -> ok.withHandshakeTimeout(Duration.ZERO)).hasMessageContaining("handshakeTimeout");
        assertThatThrownBy(() -> ok.withIoThreads(0)).hasMessageContaining("ioThreads must be >= 1");
        assertThat(NettyTransportConfig.of("c", 1, "[::1]:7001", Map.of()).listenAddress().getPort()).isEqualTo(7001);
    }

    @Test
    void reconnectDelaysDoubleFromTheMinimumUpToTheMaximumWithJitterInTheUpperHalf() {
        NettyTransportConfig config = NettyTransportConfig.of("c", 1, "127.0.0.1:0", Map.of())
                .withReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(2));
        PeerLink link = new PeerLink(2, java.net.InetSocketAddress.createUnresolved("h", 1), config, new Counters(),
                null, null, new io.netty.bootstrap.Bootstrap(), null);
        long[] expected = {50, 100, 200, 400, 800, 1600, 2000, 2000};
        for (int failures = 0; failures < 100; failures++) {
            long d = Duration.ofMillis(expected[Math.min(failures, expected.length - 1)]).toNanos();
            for (int draw = 0; draw < 50; draw++) {
                assertThat(link.backoffNanos(failures)).as("after %d failures", failures).isBetween(d / 2, d);
            }
        }
    }

    @Test
    void thePublicApiShowsNoNettyOrProtobufType() {
        for (Class<?> type : List.of(NettyTransport.class, NettyTransportConfig.class, TlsConfig.class,
                TransportStats.class)) {
            Stream<Type> types = Stream.concat(
                    Stream.of(type.getMethods()).filter(m -> Modifier.isPublic(m.getModifiers()))
                            .flatMap(m -> Stream.concat(Stream.of(m.getGenericReturnType()),
                                    Stream.of(m.getGenericParameterTypes()))),
                    Stream.of(type.getConstructors()).map(Constructor::getGenericParameterTypes).flatMap(Stream::of));
            assertThat(types.map(Type::getTypeName))
                    .as("public signatures of %s", type.getSimpleName())
                    .noneMatch(name -> name.contains("io.netty.") || name.contains("com.google.protobuf."));
        }
        assertThat(Stream.of(NettyTransport.class.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers()))
                .map(Method::getName)).contains("start", "send", "close", "stats", "localAddress");
    }
}
