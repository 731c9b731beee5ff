package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.flotilla.raft.node.LocalCluster.get;
import static io.flotilla.raft.node.LocalCluster.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Thesis §9.6 (PreVote) on real nodes: a follower cut off for ten election timeouts rejoins a three-node cluster
 * whose majority kept writing.
 *
 * <p>With PreVote (and CheckQuorum, the defaults) the cut-off follower only runs PreVote rounds, which change no
 * term; rejoining changes nothing: same leader, same term. Without PreVote it raises its term on every timeout, and
 * on rejoining it answers the leader's next AppendEntries with that term (Figure 2: "If RPC request or response
 * contains term T > currentTerm: ... convert to follower"), so the leader steps down and the cluster needs an
 * election to get going again — with CheckQuorum or without: the leader lease only makes the others disregard the
 * rejoining node's RequestVote, not the leader ignore a higher term in an answer.
 *
 * <p>The comparisons need the majority to stay quiet while the follower is away. On a badly overloaded machine
 * (threads starved for an election timeout) the majority can hold elections of its own; the test is then skipped
 * (an assumption), not failed.
 */
class DisruptionTest {
    private static final Duration TICK = Duration.ofMillis(10);
    private static final Duration ELECTION = Duration.ofMillis(300);
    private static final Duration HEARTBEAT = Duration.ofMillis(50);
    private static final Duration PARTITION = ELECTION.multipliedBy(10);

    private LocalCluster cluster;

    /** A node's role and term, as its listener heard of them. */
    private record Change(long node, Role role, long term) {
    }

    private final List<Change> changes = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(boolean preVote, boolean checkQuorum) {
        start(preVote, checkQuorum, Duration.ofSeconds(5));
    }

    private void start(boolean preVote, boolean checkQuorum, Duration requestTimeout) {
        cluster = new LocalCluster(3, id -> RaftConfig.of(1, id, LocalCluster.members(3))
                .withTiming(TICK, ELECTION, HEARTBEAT)
                .withRequestLimits(requestTimeout, 1000)
                .withElectionSafeguards(preVote, checkQuorum));
        for (RaftNode n : cluster.nodes.values()) {
            n.addListener(new RaftListener() {
                @Override
                public void onRoleChange(Role role, long term) {
                    changes.add(new Change(n.id(), role, term));
                }
            });
        }
    }

    private String describe() {
        return cluster.nodes.values().stream().map(n -> n.status().toString()).collect(Collectors.joining("; "))
                + "; role changes " + changes;
    }

    /**
     * Cuts {@code follower} off for {@link #PARTITION} while the majority commits a write every half election
     * timeout (so the follower's log falls behind); returns how many. Paced rather than flat out: on a small machine
     * a flood of writes delays heartbeats enough to cause elections of its own, which is not what this test is about.
     */
    private int partitionWhileWriting(RaftNode leader, RaftNode follower) {
        changes.clear();
        cluster.network.isolate(follower.id());
        long end = System.nanoTime() + PARTITION.toNanos();
        AtomicInteger writes = new AtomicInteger();
        await().atMost(PARTITION.multipliedBy(3)).pollDelay(Duration.ZERO).pollInterval(ELECTION.dividedBy(2))
                .until(() -> {
                    put(leader, "k", "during-" + writes.incrementAndGet());
                    return System.nanoTime() >= end;
                });
        return writes.get();
    }

    /** The majority ({@code leader} and the third node) kept {@code term} and its leader while the follower was out. */
    private void assumeMajorityStayedQuiet(RaftNode leader, RaftNode follower, long term) {
        // A PreVote round by the third node (it missed heartbeats for a timeout) changes no term and is harmless.
        assumeThat(changes.stream().filter(c -> c.node() != follower.id() && c.role() != Role.PRE_CANDIDATE
                        && !(c.role() == Role.FOLLOWER && c.term() == term)).toList())
                .as("the majority held no election of its own while node %d was cut off (an overloaded machine?): %s",
                        follower.id(), describe())
                .isEmpty();
        assumeThat(leader.status().role()).isEqualTo(Role.LEADER);
        assumeThat(leader.status().term()).isEqualTo(term);
    }

    @Test
    void withPreVote_aFollowerRejoiningAfterTenElectionTimeoutsLeavesLeaderAndTermUnchanged() throws Exception {
        start(true, true);
        RaftNode leader = cluster.awaitStableLeader();
        long term = leader.status().term();
        put(leader, "k", "before");
        RaftNode follower = cluster.others(leader).get(0);

        int writes = partitionWhileWriting(leader, follower);

        assertThat(follower.status().term()).as("the cut-off follower's term after %s: %s", PARTITION, describe())
                .isEqualTo(term);
        assertThat(changes).as("the cut-off follower ran PreVote rounds, and only those: %s", describe())
                .contains(new Change(follower.id(), Role.PRE_CANDIDATE, term))
                .noneMatch(c -> c.node() == follower.id() && c.role() == Role.CANDIDATE);
        assumeMajorityStayedQuiet(leader, follower, term);
        cluster.network.reconnect(follower.id());
        long rejoined = System.nanoTime();

        await().atMost(LocalCluster.WAIT).pollInterval(Duration.ofMillis(5)).untilAsserted(() ->
                assertThat(follower.status().leaderId() == leader.id()
                        && follower.status().applied() >= leader.status().commitIndex())
                        .as(() -> "the rejoined follower follows and has caught up: " + describe()).isTrue());
        long caughtUp = System.nanoTime();
        assertThat(get(follower, "k")).isEqualTo("during-" + writes);
        // Nothing happens later either: for three more election timeouts every node stays in the same term.
        await().during(ELECTION.multipliedBy(3)).atMost(LocalCluster.WAIT).untilAsserted(() ->
                assertThat(leader.status().role() == Role.LEADER
                        && cluster.nodes.values().stream().allMatch(n -> n.status().term() == term))
                        .as(() -> "leader " + leader.id() + " still leads in term " + term + ": " + describe())
                        .isTrue());
        assertThat(put(leader, "k", "after")).isEqualTo("after");
        assertThat(changes).as("role changes since the partition began: %s", describe())
                .allMatch(c -> c.term() == term).noneMatch(c -> c.node() == leader.id());
        System.out.printf("PreVote on: follower %d cut off for %d ms (%d writes meanwhile) rejoined; leader %d kept "
                        + "term %d; the follower caught up in %d ms%n", follower.id(), PARTITION.toMillis(), writes,
                leader.id(), term, (caughtUp - rejoined) / 1_000_000);
    }

    @ParameterizedTest(name = "checkQuorum={0}")
    @ValueSource(booleans = {true, false})
    void withoutPreVote_aFollowerRejoiningAfterTenElectionTimeoutsRaisesTheTermAndDeposesTheLeader(
            boolean checkQuorum) throws Exception {
        start(false, checkQuorum);
        RaftNode leader = cluster.awaitStableLeader();
        long term = leader.status().term();
        put(leader, "k", "before");
        RaftNode follower = cluster.others(leader).get(0);

        int writes = partitionWhileWriting(leader, follower);

        long cutOffTerm = follower.status().term();
        assertThat(cutOffTerm).as("the cut-off follower's term after %s (an election per timeout): %s", PARTITION,
                describe()).isGreaterThanOrEqualTo(term + 3);
        assumeMajorityStayedQuiet(leader, follower, term);
        cluster.network.reconnect(follower.id());
        long rejoined = System.nanoTime();

        RaftNode next = await().atMost(LocalCluster.WAIT).pollInterval(Duration.ofMillis(5)).until(() ->
                cluster.nodes.values().stream().filter(n -> n.status().role() == Role.LEADER
                        && n.status().term() >= cutOffTerm).findFirst().orElse(null), n -> n != null);
        long elected = System.nanoTime();
        long newTerm = next.status().term();
        assertThat(next).as("the new leader: the rejoining node's log is behind, it cannot win").isNotSameAs(follower);
        assertThat(changes).as("the old leader stepped down, in the rejoining node's term or a later one: %s",
                describe())
                .anyMatch(c -> c.node() == leader.id() && c.role() == Role.FOLLOWER && c.term() >= cutOffTerm);
        assertThat(put(next, "k", "after")).isEqualTo("after");
        long writable = System.nanoTime();
        await().atMost(LocalCluster.WAIT).untilAsserted(() -> assertThat(get(follower, "k")).isEqualTo("after"));
        System.out.printf("PreVote off, checkQuorum=%s: follower %d cut off for %d ms (%d writes meanwhile) rose to "
                        + "term %d (from %d); on rejoining, leader %d was deposed; node %d leads in term %d after "
                        + "%d ms, first write after %d ms%n", checkQuorum, follower.id(), PARTITION.toMillis(), writes,
                cutOffTerm, term, leader.id(), next.id(), newTerm, (elected - rejoined) / 1_000_000,
                (writable - rejoined) / 1_000_000);
    }

    /**
     * CheckQuorum (thesis §6.2): a leader cut off from its majority steps down within about an election timeout, so
     * a client of that node gets a definite error — not a hang, and not an acknowledgement that cannot hold.
     */
    @Test
    void aLeaderCutOffFromItsMajorityStepsDownAndItsClientsGetAnError() throws Exception {
        Duration requestTimeout = Duration.ofSeconds(1);
        start(true, true, requestTimeout);
        RaftNode leader = cluster.awaitStableLeader();
        put(leader, "k", "before");
        cluster.network.isolate(leader.id());
        long cut = System.nanoTime();
        await().atMost(ELECTION.multipliedBy(4)).pollInterval(Duration.ofMillis(5))
                .until(() -> leader.status().role() != Role.LEADER);
        long steppedDownMs = (System.nanoTime() - cut) / 1_000_000;
        assertThat(leader.status().leaderId()).as("it knows no leader now").isZero();

        CompletableFuture<Payload> write =
                leader.propose(Payload.ofUtf8("put k cut-off"));
        CompletableFuture<Payload> read =
                leader.read(Payload.ofUtf8("get k"));
        for (CompletableFuture<Payload> f : List.of(write, read)) {
            await().atMost(requestTimeout.plus(LocalCluster.WAIT)).until(f::isDone);
            assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(RaftTimeoutException.class,
                    e -> assertThat(e.mayHaveTakenEffect()).as("definitely not taken").isFalse());
        }
        RaftNode next = cluster.awaitLeaderOtherThan(leader, 0, LocalCluster.WAIT);
        assertThat(put(next, "k", "majority")).isEqualTo("majority");
        cluster.network.reconnect(leader.id());
        await().atMost(LocalCluster.WAIT).untilAsserted(() -> assertThat(get(leader, "k")).isEqualTo("majority"));
        System.out.printf("leader %d cut off from its majority stepped down after %d ms (election timeout %d ms); "
                + "its write and read failed with RaftTimeoutException (not taken)%n", leader.id(), steppedDownMs,
                ELECTION.toMillis());
    }
}
