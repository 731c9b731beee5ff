package io.flotilla.raft.transport.netty;

import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.flotilla.raft.transport.netty.TestCluster.WAIT;
import static io.flotilla.raft.transport.netty.TestCluster.put;
import static io.flotilla.raft.transport.netty.TestCluster.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Mutual TLS: only holders of a certificate from the cluster's CA can connect, let alone send messages. */
class MutualTlsTest {
    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aClusterWithMutualTlsElectsReplicatesAndFailsOver() throws Exception {
        TestCertificates ca = TestCertificates.authority("cluster", dir);
        cluster = TestCluster.start(3, (id, config) -> config.withTls(ca.node("node-" + id, ca)));
        RaftNode leader = cluster.awaitLeader();
        assertThat(put(leader, "k", "secret")).isEqualTo("secret");
        for (RaftNode n : cluster.nodes.values()) {
            assertThat(read(n, "k")).isEqualTo("secret");
        }
        leader.close();
        RaftNode next = cluster.awaitLeader();
        assertThat(put(next, "k", "still-secret")).isEqualTo("still-secret");
        assertThat(cluster.stats(next.id()).tlsHandshakeFailures()).isZero();
    }

    @Test
    void aNodeWithACertificateFromAnotherCaIsRefused() throws Exception {
        TestCertificates ca = TestCertificates.authority("cluster", dir);
        TestCertificates rogue = TestCertificates.authority("rogue", dir);
        // Node 3 holds a certificate the cluster does not trust (it trusts the cluster's CA itself).
        cluster = TestCluster.start(3, (id, config) -> config.withTls(
                id == 3 ? rogue.node("node-3", ca) : ca.node("node-" + id, ca)));
        RaftNode leader = cluster.awaitLeader();
        assertThat(leader.id()).isNotEqualTo(3);
        long term = leader.status().term();
        for (int i = 0; i < 5; i++) {
            assertThat(put(leader, "k", "v" + i)).isEqualTo("v" + i);
        }
        // Node 3 keeps dialling (with back-off) and is refused every time, by both.
        await().atMost(WAIT).until(() -> cluster.stats(1).tlsHandshakeFailures() >= 3
                && cluster.stats(2).tlsHandshakeFailures() >= 3);
        RaftNode outsider = cluster.nodes.get(3L);
        assertThat(outsider.status().commitIndex()).as("node 3 never received an entry").isZero();
        assertThat(outsider.status().leaderId()).isZero();
        assertThat(cluster.stats(3).messagesReceived()).isZero();
        // Whatever node 3 sends while it campaigns (RequestVote or PreVote) never reaches the others.
        assertThat(leader.status().term()).isEqualTo(term);
        assertThat(leader.status().role()).isEqualTo(io.flotilla.raft.core.Role.LEADER);
        assertThat(put(leader, "k", "last")).isEqualTo("last");
    }

    @Test
    void aPlaintextConnectionToATlsPortIsRefused() throws Exception {
        TestCertificates ca = TestCertificates.authority("cluster", dir);
        cluster = TestCluster.start(3, (id, config) -> config.withTls(ca.node("node-" + id, ca)));
        RaftNode leader = cluster.awaitLeader();
        long before = cluster.stats(1).tlsHandshakeFailures();
        try (RawPeer plain = RawPeer.connect(cluster.address(1), 5_000)) {
            plain.sendHandshake(TestCluster.CLUSTER_ID, 2).sendMessage(new RequestVote(1, 2, 1, 1_000_000, 0, 0));
            assertThat(plain.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).tlsHandshakeFailures() > before);
        assertThat(cluster.nodes.get(1L).status().term()).isLessThan(1_000_000);
        assertThat(put(leader, "k", "v")).isEqualTo("v");
    }

    @Test
    void aKeyFileThatIsNotPemIsRefusedWhenTheTransportIsBuilt() throws Exception {
        TestCertificates ca = TestCertificates.authority("cluster", dir);
        TlsConfig good = ca.node("node-1", ca);
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key");
        NettyTransportConfig config = NettyTransportConfig.of("c", 1, "127.0.0.1:0", java.util.Map.of())
                .withTls(new TlsConfig(good.certificateChain(), garbage, good.trustedCertificates()));
        assertThatThrownBy(() -> new NettyTransport(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls: cannot use").hasMessageContaining("garbage.key");
    }
}
