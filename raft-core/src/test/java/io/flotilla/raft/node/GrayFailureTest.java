package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.flotilla.raft.node.LocalCluster.get;
import static io.flotilla.raft.node.LocalCluster.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Gray failures on real nodes: a part of the leader hangs while the rest of it, and its network, keep working. The
 * stall detector ({@link RaftConfig#maxStall()}) turns a hang into a clear failure: the stalled node reports it in
 * {@link NodeStatus#stall()}, fails reads and new requests at once with {@link NodeStalledException}, stops
 * campaigning and hands leadership over; the group elects a healthy leader and writes go on.
 *
 * <p>A stalled disk: the event loop does the log writes, so a write that never returns stops the loop — no more
 * heartbeats — and the followers elect a new leader as if the leader had crashed. Released, the stuck node hears the
 * higher term, steps down and catches up.
 *
 * <p>A stalled state machine: the event loop is fine and would keep the node leader forever, serving nothing; the
 * detector makes it transfer leadership (thesis §3.10) to its most up-to-date voter.
 */
class GrayFailureTest {
    private static final Duration TICK = Duration.ofMillis(10);
    private static final Duration ELECTION = Duration.ofMillis(300);
    private static final Duration HEARTBEAT = Duration.ofMillis(50);
    private static final Duration MAX_STALL = Duration.ofMillis(500);
    /** Long, so that a request failed by the stall detector cannot be mistaken for one that timed out. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    /** A new leader must be elected within this many election timeouts after the stall plus maxStall. */
    private static final int ELECTION_TIMEOUTS_TO_FAIL_OVER = 10; // loose: catches a freeze; the times are printed

    private LocalCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start() {
        cluster = new LocalCluster(3, id -> RaftConfig.of(1, id, LocalCluster.members(3))
                .withTiming(TICK, ELECTION, HEARTBEAT)
                .withRequestLimits(REQUEST_TIMEOUT, 1000)
                .withMaxStall(MAX_STALL));
    }

    private static Payload utf8(String s) {
        return Payload.ofUtf8(s);
    }

    /** Waits for {@code request} to fail (well before its request timeout) and returns the failure. */
    private static Throwable failure(CompletableFuture<Payload> request) {
        await().atMost(LocalCluster.WAIT).until(request::isDone);
        assertThat(request).isCompletedExceptionally();
        return request.handle((r, e) -> e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e)
                .join();
    }

    /** A node the stall detector flagged refuses new requests at once, with nothing taken. */
    private static void assertRefusesAtOnce(RaftNode stuck) {
        for (CompletableFuture<Payload> f : java.util.List.of(stuck.read(utf8("get k")), stuck.propose(utf8("put z 1")))) {
            assertThat(f).as("refused at once").isCompletedExceptionally();
            assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(NodeStalledException.class,
                    e -> assertThat(e.mayHaveTakenEffect()).isFalse());
        }
    }

    @Test
    void aLeaderWhoseDiskStallsIsReplacedWithinAFewElectionTimeoutsAndFailsItsReadsAtOnce() throws Exception {
        start();
        RaftNode stuck = cluster.awaitStableLeader();
        long oldTerm = stuck.status().term();
        for (int i = 1; i <= 20; i++) {
            put(stuck, "k", "v" + i);
        }
        StallableLogStore disk = cluster.stores.get(stuck.id());
        disk.gate.stall();
        CompletableFuture<Payload> p1 = stuck.propose(utf8("put p1 x")); // its write is the one that hangs
        assertThat(disk.gate.awaitBlocked(LocalCluster.WAIT)).as("the leader's write blocked").isTrue();
        long stalled = disk.gate.blockedAtNanos();
        CompletableFuture<Payload> r1 = stuck.read(utf8("get k")); // queued behind the hung write

        RaftNode next = cluster.awaitLeaderOtherThan(stuck, oldTerm,
                MAX_STALL.plus(ELECTION.multipliedBy(ELECTION_TIMEOUTS_TO_FAIL_OVER)));
        long electedMs = (System.nanoTime() - stalled) / 1_000_000;
        assertThat(put(next, "k", "after-stall")).isEqualTo("after-stall");
        long writableMs = (System.nanoTime() - stalled) / 1_000_000;
        RaftNode third = cluster.others(stuck).stream().filter(n -> n != next).findFirst().orElseThrow();
        assertThat(put(third, "k2", "via-follower")).as("a write forwarded by the third node").isEqualTo("via-follower");

        // The detector, on the ticker's thread, flags the node although its event loop hangs.
        await().atMost(LocalCluster.WAIT).until(() -> stuck.status().stall() != null);
        long flaggedMs = (System.nanoTime() - stalled) / 1_000_000;
        assertThat(stuck.status().stall()).contains("log write");
        assertThat(stuck.status().healthy()).isFalse();
        assertThat(failure(r1)).as("the read queued behind the hung write").isInstanceOf(NodeStalledException.class);
        assertRefusesAtOnce(stuck);
        assertThat(p1).as("the proposal whose write hangs: its outcome is not known yet").isNotDone();

        disk.gate.release();
        long released = System.nanoTime();
        await().atMost(LocalCluster.WAIT).pollInterval(Duration.ofMillis(5)).until(() ->
                stuck.status().role() == Role.FOLLOWER && stuck.status().stall() == null);
        long recoveredMs = (System.nanoTime() - released) / 1_000_000;
        assertThat(get(stuck, "k")).isEqualTo("after-stall");
        assertThat(get(stuck, "k2")).isEqualTo("via-follower");
        // p1 went to the followers before the leader's own write hung, so the new leader may have committed it.
        // Every node agrees either way, and p1's own future ends with that outcome or a typed failure.
        String p1Value = get(next, "p1");
        for (RaftNode n : cluster.nodes.values()) {
            assertThat(get(n, "p1")).as("p1 on node %d", n.id()).isEqualTo(p1Value);
        }
        await().atMost(REQUEST_TIMEOUT.plus(LocalCluster.WAIT)).until(p1::isDone);
        if (p1.isCompletedExceptionally()) {
            assertThatThrownBy(p1::join).cause().isInstanceOf(RaftException.class);
        } else {
            assertThat(p1Value).isEqualTo("x");
        }
        assertThat(stuck.failure()).isNull();
        System.out.printf("disk stall on leader %d (term %d; election timeout %d ms, maxStall %d ms): node %d elected "
                        + "in term %d after %d ms, first write committed after %d ms; stuck node flagged stalled "
                        + "after %d ms; released, it followed again after %d ms; p1=\"%s\" on every node%n",
                stuck.id(), oldTerm, ELECTION.toMillis(), MAX_STALL.toMillis(), next.id(), next.status().term(),
                electedMs, writableMs, flaggedMs, recoveredMs, p1Value);
    }

    @Test
    void aLeaderWhoseStateMachineStallsHandsLeadershipOverAndFailsItsReadsAtOnce() throws Exception {
        start();
        RaftNode stuck = cluster.awaitStableLeader();
        long term = stuck.status().term();
        put(stuck, "k", "v1");
        StallableStateMachine sm = cluster.stateMachines.get(stuck.id());
        sm.gate.stall();
        CompletableFuture<Payload> p = stuck.propose(utf8("put k v2"));
        assertThat(sm.gate.awaitBlocked(LocalCluster.WAIT)).as("the leader's apply blocked").isTrue();
        long stalled = System.nanoTime();
        CompletableFuture<Payload> r = stuck.read(utf8("get k")); // waits behind the stuck apply

        RaftNode next = cluster.awaitLeaderOtherThan(stuck, term,
                MAX_STALL.plus(ELECTION.multipliedBy(ELECTION_TIMEOUTS_TO_FAIL_OVER)));
        long handedOverMs = (System.nanoTime() - stalled) / 1_000_000;
        assertThat(stuck.status().stall()).contains("state machine");
        assertThat(failure(r)).as("the read waiting behind the stuck apply").isInstanceOf(NodeStalledException.class);
        assertRefusesAtOnce(stuck);
        assertThat(put(next, "k", "v3")).isEqualTo("v3");
        RaftNode third = cluster.others(stuck).stream().filter(n -> n != next).findFirst().orElseThrow();
        assertThat(get(third, "k")).isEqualTo("v3");
        // Stalled, it does not campaign: for three election timeouts the new leader keeps its term.
        long newTerm = next.status().term();
        await().during(ELECTION.multipliedBy(3)).atMost(LocalCluster.WAIT).until(() ->
                next.status().role() == Role.LEADER && next.status().term() == newTerm
                        && stuck.status().role() == Role.FOLLOWER);

        sm.gate.release();
        await().atMost(LocalCluster.WAIT).until(() -> stuck.status().stall() == null);
        assertThat(p.get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8())
                .as("the proposal that was applying when the apply hung took effect").isEqualTo("v2");
        assertThat(get(stuck, "k")).isEqualTo("v3");
        assertThat(stuck.failure()).isNull();
        System.out.printf("apply stall on leader %d (term %d; election timeout %d ms, maxStall %d ms): node %d leads "
                + "in term %d after %d ms%n", stuck.id(), term, ELECTION.toMillis(), MAX_STALL.toMillis(), next.id(),
                newTerm, handedOverMs);
    }

    @Test
    void aSlowButProgressingStateMachineIsNotAStall() throws Exception {
        // Many small applies whose total far exceeds maxStall: progress is per entry, so no stall is reported.
        start();
        RaftNode leader = cluster.awaitStableLeader();
        StallableStateMachine sm = cluster.stateMachines.get(leader.id());
        sm.slowDown(Duration.ofMillis(20));
        java.util.List<CompletableFuture<Payload>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            writes.add(leader.propose(utf8("put s " + i)));
        }
        long slowApplyMs = 60 * 20;
        assertThat(slowApplyMs).isGreaterThan(MAX_STALL.toMillis() * 2);
        for (CompletableFuture<Payload> w : writes) {
            w.get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(leader.status().stall()).isNull();
        }
        assertThat(leader.status().role()).isEqualTo(Role.LEADER);
        sm.slowDown(Duration.ZERO);
    }
}
