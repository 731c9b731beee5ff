package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The session table is part of the snapshot and survives restarts: a member restarted from a snapshot taken after
 * a request answers that request's retry from the restored response cache instead of applying it again, and keeps
 * the session and its ephemeral node.
 */
class SessionSnapshotNodeTest {
    @AutoClose
    private final LocalCoordinationCluster cluster = new LocalCoordinationCluster(3, TestCluster.ELECTION,
            TestCluster.TICK, SnapshotPolicy.defaults().withThresholds(40, 64 << 20, 5));

    private static Answer propose(RaftNode node, Command c) throws Exception {
        return Wire.decodeAnswer(node.propose(Wire.encode(c)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aMemberRestartedFromASnapshotAnswersARetryFromTheRestoredCache() throws Exception {
        CoordinationClient client = CoordinationClient.connect(cluster.members(),
                CoordinationClient.Options.withTtl(Duration.ofSeconds(5)));
        long session = client.sessionId();
        client.ensurePath("/jobs");
        // A raw request with a sequence number far above the client's own, so the two never collide.
        Command.Request request = new Command.Request(session, 1_000_000, 0, List.of(
                new Op.Create("/jobs/job-", Payload.ofUtf8("once"), false, true),
                new Op.Create("/jobs/mine", Payload.EMPTY, true, false)));
        RaftNode third = cluster.node(3);
        Answer.Response first = (Answer.Response) propose(third, request);
        assertThat(first.ok()).isTrue();

        // Ticks and keep-alives fill the log; wait for node 3 to snapshot past the request, then restart it.
        await().atMost(Duration.ofSeconds(20)).until(() -> third.status().snapshotIndex() > first.revision());
        cluster.kill(3);
        RaftNode restarted = cluster.restart(3);
        long commit = cluster.node(1).status().commitIndex();
        await().atMost(Duration.ofSeconds(10)).until(() -> restarted.status().applied() >= commit);
        assertThat(restarted.status().snapshotIndex()).isGreaterThan(first.revision());

        Answer.Response retry = (Answer.Response) propose(restarted, request);
        assertThat(retry).as("answered from the restored cache on the restarted member").isEqualTo(first);
        Answer.ChildList jobs = (Answer.ChildList) Wire.decodeAnswer(
                restarted.read(Wire.encode(new Query.Children("/jobs"))).get(10, TimeUnit.SECONDS));
        assertThat(jobs.names()).as("applied once").containsExactly("job-0000000000", "mine");
        Answer.NodeData mine = (Answer.NodeData) Wire.decodeAnswer(
                restarted.read(Wire.encode(new Query.Get("/jobs/mine"))).get(10, TimeUnit.SECONDS));
        assertThat(mine.stat().ephemeralOwner()).isEqualTo(session);
        assertThat(client.expired()).isFalse();
        client.close();
    }
}
