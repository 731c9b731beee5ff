package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients over TCP (loopback): a {@link CoordinationServer} per member, {@link TcpMember}s in the client. Writes
 * made while the leader (and its server) is killed are retried on other members under the session and apply
 * exactly once.
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

    @Test
    void writesThroughALeaderKillApplyExactlyOnceOverTcp() throws IOException {
        for (RaftNode node : cluster.members()) {
            CoordinationServer server = CoordinationServer.start(node,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            servers.add(server);
            members.add(new TcpMember(server.address()));
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
}
