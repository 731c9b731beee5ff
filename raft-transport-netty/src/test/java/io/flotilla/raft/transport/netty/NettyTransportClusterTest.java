package io.flotilla.raft.transport.netty;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.VoteResponse;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.flotilla.raft.transport.netty.TestCluster.WAIT;
import static io.flotilla.raft.transport.netty.TestCluster.put;
import static io.flotilla.raft.transport.netty.TestCluster.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three {@link RaftNode}s over {@link NettyTransport} on loopback: the cluster works, grows by a node it was not
 * configured with and shrinks back, and connections that break the protocol are refused, dropped or closed, and
 * counted, while the cluster keeps committing.
 */
class NettyTransportClusterTest {
    private static final int TIMEOUT_MILLIS = 5_000;
    private TestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void threeNodesElectALeaderReplicateAndSurviveTheLeaderClosing() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode first = cluster.awaitLeader();
        assertThat(put(first, "k", "before")).isEqualTo("before");
        for (RaftNode n : cluster.nodes.values()) {
            assertThat(read(n, "k")).as("read on node %d", n.id()).isEqualTo("before");
        }

        first.close();
        RaftNode second = cluster.awaitLeader();
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(read(second, "k")).isEqualTo("before");
        RaftNode follower = cluster.nodes.values().stream()
                .filter(n -> n != second && n.status().running()).findFirst().orElseThrow();
        assertThat(put(follower, "k", "after")).as("a proposal forwarded to the new leader").isEqualTo("after");
        assertThat(read(second, "k")).isEqualTo("after");

        TransportStats stats = cluster.stats(second.id());
        assertThat(stats.messagesSent()).isPositive();
        assertThat(stats.messagesReceived()).isPositive();
        assertThat(stats.connectionsOpened()).isGreaterThanOrEqualTo(2);
        assertThat(stats.malformedFrames() + stats.oversizedFrames() + stats.handshakesRefused()).isZero();
        assertThat(cluster.transports.get(second.id()).ioName()).isIn("epoll", "nio");
    }

    @Test
    void aHandshakeNamingAnotherClusterIsRefusedAndCounted() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        try (RawPeer intruder = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            intruder.sendHandshake("another-cluster", 2).sendMessage(new RequestVote(1, 2, 1, 1_000_000, 0, 0));
            assertThat(intruder.closedByPeer()).as("connection closed by node 1").isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).handshakesRefused() == 1);
        assertThat(put(leader, "k", "v")).isEqualTo("v");
        assertThat(cluster.nodes.get(1L).status().term()).as("the refused RequestVote never reached the node")
                .isLessThan(1_000_000);
    }

    @Test
    void aHandshakeWithAnotherProtocolVersionIsRefusedAndCounted() {
        cluster = TestCluster.start(3);
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.write(RawPeer.frame(RawPeer.handshake(TestCluster.CLUSTER_ID, 2, Handshake.VERSION + 1)));
            assertThat(peer.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).handshakesRefused() == 1);
    }

    @Test
    void aConnectionFromANodeOutsideTheConfiguredPeersIsAcceptedAndItsMessagesReachTheNode() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        long follower = leader.id() == 1 ? 2 : 1;
        try (RawPeer stranger = RawPeer.connect(cluster.address(follower), TIMEOUT_MILLIS)) {
            // A member added at run time dials the group before the group's log names it. The follower answers
            // this read-index request with "not the leader" to node 99, a node its transport cannot reach: the
            // drop it counts is that answer, so the request got through.
            stranger.sendHandshake(TestCluster.CLUSTER_ID, 99).sendMessage(new ReadIndexRequest(1, 99, follower, 1, 7));
            await().atMost(WAIT).until(() -> cluster.stats(follower).droppedUnknownDestination() == 1);
        }
        TransportStats stats = cluster.stats(follower);
        assertThat(stats.unknownNodes() + stats.handshakesRefused() + stats.spoofedMessages()).isZero();
        assertThat(put(leader, "k", "v")).isEqualTo("v");
    }

    @Test
    void aHandshakeNamingTheNodeItselfIsRefusedAndCounted() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        try (RawPeer impostor = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            impostor.sendHandshake(TestCluster.CLUSTER_ID, 1).sendMessage(new RequestVote(1, 1, 1, 1_000_000, 0, 0));
            assertThat(impostor.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).unknownNodes() == 1);
        assertThat(put(leader, "k", "v")).isEqualTo("v");
        assertThat(cluster.nodes.get(1L).status().term()).isLessThan(1_000_000);
    }

    @Test
    void messagesClaimingAnotherSenderOrForAnotherNodeAreDroppedAndCounted() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.sendHandshake(TestCluster.CLUSTER_ID, 2)
                    .sendMessage(new RequestVote(1, 3, 1, 1_000_000, 0, 0))  // claims to be node 3
                    .sendMessage(new RequestVote(1, 99, 1, 1_000_000, 0, 0)) // an unknown sender
                    .sendMessage(new VoteResponse(1, 2, 3, 1_000_000, true)); // addressed to node 3
            await().atMost(WAIT).until(() -> cluster.stats(1).spoofedMessages() == 2
                    && cluster.stats(1).misaddressedMessages() == 1);
            assertThat(peer.closedByPeer()).as("dropping a message keeps the connection").isFalse();
        }
        assertThat(put(leader, "k", "v")).isEqualTo("v");
        assertThat(cluster.nodes.get(1L).status().term()).isLessThan(1_000_000);
    }

    @Test
    void anOversizedFrameClosesTheConnectionIsCountedAndTheClusterKeepsCommitting() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        int max = cluster.transports.get(1L).config().maxFrameBytes();
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.sendHandshake(TestCluster.CLUSTER_ID, 2).write(new byte[] {
                    (byte) ((max + 1) >>> 24), (byte) ((max + 1) >>> 16), (byte) ((max + 1) >>> 8), (byte) (max + 1),
                    1, 2, 3});
            assertThat(peer.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).oversizedFrames() == 1);
        assertThat(put(leader, "k", "after-oversized")).isEqualTo("after-oversized");
    }

    @Test
    void aHandshakeLongerThanAnyValidOneIsRefusedBeforeItIsBuffered() {
        cluster = TestCluster.start(3);
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.write(RawPeer.frame(new byte[Handshake.MAX_BYTES + 1]));
            assertThat(peer.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).handshakesRefused() == 1);
        assertThat(cluster.stats(1).oversizedFrames()).isZero();
    }

    @Test
    void aMalformedFrameClosesTheConnectionIsCountedAndTheClusterKeepsCommitting() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.sendHandshake(TestCluster.CLUSTER_ID, 2)
                    .write(RawPeer.frame("this is not protobuf".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(peer.closedByPeer()).isTrue();
        }
        try (RawPeer peer = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            peer.sendHandshake(TestCluster.CLUSTER_ID, 2).write(RawPeer.frame(new byte[0])); // holds no message
            assertThat(peer.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> cluster.stats(1).malformedFrames() == 2);
        assertThat(put(leader, "k", "after-malformed")).isEqualTo("after-malformed");
    }

    @Test
    void aConnectionThatSendsNoHandshakeIsClosedAfterTheHandshakeTimeout() {
        cluster = TestCluster.start(3);
        try (RawPeer silent = RawPeer.connect(cluster.address(1), TIMEOUT_MILLIS)) {
            assertThat(silent.closedByPeer()).as("closed within the 2 s handshake timeout").isTrue();
        }
        assertThat(cluster.stats(1).handshakesRefused()).isEqualTo(1);
    }

    @Test
    void aMessageToAnUnknownNodeIsDroppedAndCounted() {
        cluster = TestCluster.start(3);
        cluster.transports.get(1L).send(new VoteResponse(1, 1, 42, 1, false));
        assertThat(cluster.stats(1).droppedUnknownDestination()).isEqualTo(1);
    }

    @Test
    void whileAPeerIsDownItsQueueFillsThenDropsAndTheTransportReconnectsWhenItIsBack() throws Exception {
        cluster = TestCluster.start(3, (id, config) -> config.withOutboundQueueCapacity(8));
        RaftNode leader = cluster.awaitLeader();
        long down = cluster.nodes.keySet().stream().filter(id -> id != leader.id()).findFirst().orElseThrow();
        InetSocketAddress address = cluster.address(down);
        cluster.nodes.get(down).close();
        long opened = cluster.stats(leader.id()).connectionsOpened();
        // Heartbeats to the closed node pile up in its queue (8) and then are dropped.
        await().atMost(WAIT).until(() -> cluster.stats(leader.id()).droppedQueueFull() > 0);
        assertThat(put(leader, "k", "with-one-down")).isEqualTo("with-one-down");

        cluster.startNode(down);
        assertThat(cluster.address(down)).isEqualTo(address);
        await().atMost(WAIT).until(() -> cluster.stats(leader.id()).connectionsOpened() > opened);
        await().atMost(WAIT).until(() -> cluster.nodes.get(down).status().applied()
                >= leader.status().commitIndex());
    }

    /**
     * A membership change over TCP: the cluster grows to four with a node whose address none of the three was
     * configured with (they reach it through {@code Transport.updatePeers}), replicates to it, then removes it.
     */
    @Test
    void aNodeUnknownToTheConfiguredPeersJoinsReplicatesAndIsRemoved() throws Exception {
        cluster = TestCluster.start(3);
        RaftNode leader = cluster.awaitLeader();
        for (int i = 0; i < 10; i++) {
            put(leader, "k" + i, "before-" + i);
        }

        String address = cluster.startJoining(4);
        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.transports.get(id).config().peers()).as("node %d's configuration", id)
                    .doesNotContainKey(4L);
        }
        Membership learner = cluster.awaitLeader().addLearner(4, address).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(learner.learners()).containsExactly(4L);
        Membership voter = await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(ExecutionException.class) // refused until node 4 has caught up
                .until(() -> cluster.awaitLeader().promote(4).get(WAIT.toSeconds(), TimeUnit.SECONDS),
                        m -> m.isVoter(4));
        assertThat(voter.voters()).containsExactly(1L, 2L, 3L, 4L);
        for (long id = 1; id <= 3; id++) {
            long node = id;
            await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.transports.get(node).peers())
                    .as("node %d dials node 4 where the membership says", node).containsEntry(4L, address));
        }

        RaftNode four = cluster.nodes.get(4L);
        for (int i = 0; i < 10; i++) {
            put(cluster.awaitLeader(), "k" + i, "after-" + i);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(read(four, "k" + i)).as("node 4 reads k%d", i).isEqualTo("after-" + i);
        }

        Membership removed = cluster.awaitLeader().remove(4).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(removed.members()).containsExactly(1L, 2L, 3L);
        for (long id = 1; id <= 3; id++) {
            long node = id;
            await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.transports.get(node).peers())
                    .as("node %d no longer dials node 4", node).doesNotContainKey(4L));
        }
        four.close();
        assertThat(put(cluster.awaitLeader(), "k0", "without-4")).isEqualTo("without-4");
        for (RaftNode n : List.of(cluster.nodes.get(1L), cluster.nodes.get(2L), cluster.nodes.get(3L))) {
            assertThat(read(n, "k0")).as("node %d", n.id()).isEqualTo("without-4");
        }
    }
}
