package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.flotilla.raft.examples.coordination.TestCluster.ELECTION;
import static io.flotilla.raft.examples.coordination.TestCluster.TICK;
import static io.flotilla.raft.examples.coordination.TestCluster.TTL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Must-show (issue 9): ephemeral registrations disappear within the TTL plus an election timeout after their
 * process is killed — here together with the cluster's leader — and watches fire in order and resume.
 */
class RegistryAndWatchTest {

    @AutoClose
    private final TestCluster test = new TestCluster();
    private final LocalCoordinationCluster cluster = test.cluster;

    @Test
    void aKilledInstanceLeavesTheRegistryWithinTtlPlusAnElectionAndWatchersSeeEveryChangeInOrder() throws Exception {
        CoordinationClient watcher = test.connect();
        ServiceRegistry view = new ServiceRegistry(watcher, "/services");
        List<List<String>> lists = new CopyOnWriteArrayList<>();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        view.watch("api", lists::add);
        watcher.watch("/services/api", 0, events::add);

        List<CoordinationClient> instances = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            CoordinationClient c = test.connect();
            new ServiceRegistry(c, "/services").register("api", "10.0.0." + i + ":8080");
            instances.add(c);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !lists.isEmpty()
                && lists.get(lists.size() - 1).size() == 3);

        // Kill instance 2's process and the cluster's leader at once.
        RaftNode leader = await().atMost(Duration.ofSeconds(10)).until(() -> cluster.leader().orElse(null), n -> n != null);
        long killed = System.nanoTime();
        instances.get(1).crash();
        cluster.kill(leader.id());
        // Track leader changes while waiting: each new term's leader grants every session a fresh TTL, so the
        // registration must go within a TTL (plus a tick) of the last leader change.
        long[] lastTerm = {leader.status().term()};
        long[] lastChange = {killed};
        List<String> leaders = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(5)).until(() -> {
            cluster.leader().filter(n -> n != leader && n.status().term() > lastTerm[0]).ifPresent(n -> {
                lastTerm[0] = n.status().term();
                lastChange[0] = System.nanoTime();
                leaders.add("node " + n.id() + " term " + lastTerm[0] + " at " + (lastChange[0] - killed) / 1_000_000 + " ms");
            });
            return leaders.size() > 0 && !view.members("api").contains("10.0.0.2:8080");
        });
        long goneMs = (System.nanoTime() - killed) / 1_000_000;
        long afterLastLeader = (System.nanoTime() - lastChange[0]) / 1_000_000;
        System.out.printf("RegistryAndWatchTest: leaders after the kill %s; registration gone %d ms after the kill, "
                + "%d ms after the last leader change (TTL %d ms, election timeout %d-%d ms, ticks every %d ms)%n",
                leaders, goneMs, afterLastLeader, TTL.toMillis(), ELECTION.toMillis(), 2 * ELECTION.toMillis(),
                TICK.toMillis());
        // 500 ms of slack for a loaded machine (and for the 5 ms polling).
        assertThat(afterLastLeader).as("gone within TTL + tick of the last election")
                .isLessThanOrEqualTo(TTL.toMillis() + TICK.toMillis() + 500);
        assertThat(goneMs).as("not before a TTL").isGreaterThanOrEqualTo(TTL.toMillis() - TICK.toMillis());
        assertThat(view.members("api")).as("events %s", events).containsExactly("10.0.0.1:8080", "10.0.0.3:8080");
        await().atMost(Duration.ofSeconds(10)).until(() -> lists.get(lists.size() - 1).size() == 2);

        // Events came in order: revisions never go back; each member was created, and only #2 expired.
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> e.type() == WatchEvent.Type.EXPIRED));
        List<Long> revisions = events.stream().map(WatchEvent::revision).toList();
        assertThat(revisions).isSorted();
        List<WatchEvent> members = events.stream().filter(e -> e.path().startsWith("/services/api/")).toList();
        assertThat(members).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.CREATED,
                WatchEvent.Type.CREATED, WatchEvent.Type.CREATED, WatchEvent.Type.EXPIRED);
        assertThat(members.get(3).path()).isEqualTo(members.get(1).path());

        // Resume: a new watch from the revision of the second creation sees exactly what followed it.
        List<WatchEvent> resumed = new CopyOnWriteArrayList<>();
        watcher.watch("/services/api", members.get(1).revision(), resumed::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.size() >= 2);
        assertThat(resumed).containsExactly(members.get(2), members.get(3));

        instances.get(0).close();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> e.type() == WatchEvent.Type.DELETED));
        assertThat(events.get(events.size() - 1).type()).as("a closed session's nodes are DELETED").isEqualTo(WatchEvent.Type.DELETED);
        instances.get(2).close();
        watcher.close();
    }

    @Test
    void aBarrierOpensWhenAllPartiesHaveEntered() throws Exception {
        CoordinationClient a = test.connect();
        CoordinationClient b = test.connect();
        Barrier ba = new Barrier(a, "/barriers/start", 2);
        Barrier bb = new Barrier(b, "/barriers/start", 2);
        ba.enter("a");
        assertThat(ba.await(Duration.ofMillis(100))).isFalse();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> ba.await(Duration.ofSeconds(10)));
        bb.enter("b");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(bb.await(Duration.ofSeconds(1))).isTrue();
        a.close();
        b.close();
    }
}
