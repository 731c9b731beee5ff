package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients over TCP (loopback): a {@link CoordinationServer} per member, {@link TcpMember}s in the client. Writes
 * made while the leader (and its server) is killed are retried on other members under the session and apply
 * exactly once. A bad frame closes only the connection that sent it.
 */
class TcpClientTest {
    @AutoClose
    private final LocalCoordinationCluster cluster =
            new LocalCoordinationCluster(3, TestCluster.ELECTION, TestCluster.TICK);
    private final List<CoordinationServer> servers = new ArrayList<>();
    private final List<TcpMember> members = new ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(TcpMember::close);
        servers.forEach(CoordinationServer::close);
    }

    private CoordinationServer serve(RaftNode node) throws IOException {
        CoordinationServer server = CoordinationServer.start(node, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        servers.add(server);
        members.add(new TcpMember(server.address()));
        return server;
    }

    @Test
    void writesThroughALeaderKillApplyExactlyOnceOverTcp() throws IOException {
        for (RaftNode node : cluster.members()) {
            serve(node);
        }
        CoordinationClient client = CoordinationClient.connectTo(List.copyOf(members),
                CoordinationClient.Options.withTtl(TestCluster.TTL));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        client.ensurePath("/log");
        client.watch("/log", 0, events::add);
        int writes = 30;
        for (int i = 0; i < writes; i++) {
            if (i == 10) {
                RaftNode leader = await().atMost(Duration.ofSeconds(10)).until(() -> cluster.leader().orElse(null),
                        n -> n != null);
                servers.get((int) leader.id() - 1).close();
                cluster.kill(leader.id());
            }
            Answer.Response r = client.submit(new Op.Create("/log/entry-", Payload.ofUtf8("" + i), false, true));
            assertThat(r.ok()).isTrue();
        }
        assertThat(client.children("/log")).as("each write applied once, none twice").hasSize(writes);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= writes + 1);
        assertThat(events).extracting(WatchEvent::revision).isSorted().doesNotHaveDuplicates();
        assertThat(events.get(events.size() - 1).path()).isEqualTo("/log/entry-" + String.format("%010d", writes - 1));
        assertThat(client.expired()).as("the session survived the failover").isFalse();
        client.close();
    }

    static Stream<Arguments> badFrames() {
        return Stream.of(
                Arguments.of("longer than MAX_FRAME", ByteBuffer.allocate(4).putInt(Frames.MAX_FRAME + 1).array()),
                Arguments.of("negative length", ByteBuffer.allocate(4).putInt(-1).array()),
                Arguments.of("shorter than the header", ByteBuffer.allocate(7).putInt(3).put(new byte[3]).array()),
                Arguments.of("unknown kind", ByteBuffer.allocate(13).putInt(9).putLong(1).put((byte) 9).array()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void aBadFrameClosesOnlyItsConnectionAndTheMemberKeepsServing(String what, byte[] frame) throws IOException {
        CoordinationServer server = serve(cluster.members().get(0));
        TcpMember member = members.get(0);
        CoordinationClient client = CoordinationClient.connectTo(List.of(member),
                CoordinationClient.Options.withTtl(TestCluster.TTL));
        client.ensurePath("/ok");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.connections() == 1);

        try (Socket bad = new Socket()) {
            bad.connect(server.address(), 1000);
            bad.setSoTimeout(10_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connections() == 2);
            bad.getOutputStream().write(frame);
            bad.getOutputStream().flush();
            assertThat(closedByPeer(bad)).as("the server closes the connection that sent a frame %s", what).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.connections() == 1);
        assertThat(client.submit(new Op.Create("/ok/after", Payload.EMPTY, false, false)).ok()).isTrue();
        assertThat(client.children("/ok")).containsExactly("after");
        assertThat(member.connects()).as("the client's own connection was never dropped").isEqualTo(1);
        client.close();
    }

    /** Whether the peer closed {@code s}: end of stream or a reset, within the socket's read timeout. */
    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketException reset) {
            return true;
        }
    }
}
