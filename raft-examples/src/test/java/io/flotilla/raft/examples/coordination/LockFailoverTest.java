package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.flotilla.raft.examples.coordination.TestCluster.TICK;
import static io.flotilla.raft.examples.coordination.TestCluster.TTL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Must-show (issue 9): lock mutual exclusion under leader failover and client pauses. A holder keeps its lock
 * while the cluster's leader is killed (the new leader grants a fresh TTL instead of expiring it); a holder that
 * stops sending keep-alives (a pause) loses the lock after its TTL, the next holder's fencing token is larger,
 * and a fenced resource refuses the stale holder. With a lock delay, the next holder waits TTL + delay.
 */
class LockFailoverTest {

    @AutoClose
    private final TestCluster test = new TestCluster();
    private final LocalCoordinationCluster cluster = test.cluster;

    @Test
    void aHolderKeepsItsLockThroughLeaderFailoverAndLosesItToAPauseWithALargerTokenNext() throws Exception {
        CoordinationClient a = test.connect();
        CoordinationClient b = test.connect();
        DistributedLock lockA = new DistributedLock(a, "/locks/orders", Payload.ofUtf8("a"));
        DistributedLock lockB = new DistributedLock(b, "/locks/orders", Payload.ofUtf8("b"));
        FencedResource resource = new FencedResource();

        DistributedLock.Lease leaseA = lockA.acquire(Duration.ofSeconds(10)).orElseThrow();
        assertThat(resource.write(leaseA.fencingToken(), "a1")).isTrue();
        CompletableFuture<Optional<DistributedLock.Lease>> waitingB =
                CompletableFuture.supplyAsync(() -> lockB.acquire(Duration.ofSeconds(20)));

        // Kill the leader; a new one is elected; A's session lives on (keep-alives go to the survivors).
        RaftNode oldLeader = await().atMost(Duration.ofSeconds(10)).until(() -> cluster.leader().orElse(null), n -> n != null);
        long oldTerm = oldLeader.status().term();
        cluster.kill(oldLeader.id());
        RaftNode newLeader = await().atMost(Duration.ofSeconds(10)).until(() -> cluster.leader()
                .filter(n -> n.status().term() > oldTerm).orElse(null), n -> n != null);
        // Two TTLs of the new leader's log time: A must still hold the lock and B must still wait.
        long beyond = System.nanoTime() + TTL.multipliedBy(2).toNanos();
        await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - beyond >= 0
                && a.get("/").exists());
        assertThat(lockA.held(leaseA)).as("A keeps the lock through the failover to node %d", newLeader.id()).isTrue();
        assertThat(waitingB).as("B still waits while A holds the lock").isNotDone();
        assertThat(resource.write(leaseA.fencingToken(), "a2")).isTrue();

        // A pauses: no keep-alives. After its TTL (in log time) the session expires and B gets the lock.
        long paused = System.nanoTime();
        a.keepAlives(false);
        DistributedLock.Lease leaseB = waitingB.get(20, TimeUnit.SECONDS).orElseThrow();
        long tookMs = (System.nanoTime() - paused) / 1_000_000;
        System.out.printf("LockFailoverTest: B acquired %d ms after A paused (TTL %d ms); tokens A=%d B=%d%n",
                tookMs, TTL.toMillis(), leaseA.fencingToken(), leaseB.fencingToken());
        // The session's deadline is its last applied keep-alive plus the TTL: up to one keep-alive interval
        // before the pause began.
        long earliest = TTL.toMillis() - a.options().keepAliveInterval().toMillis() - TICK.toMillis();
        assertThat(tookMs).as("not before A's TTL after its last keep-alive").isGreaterThanOrEqualTo(earliest);
        assertThat(leaseB.fencingToken()).isGreaterThan(leaseA.fencingToken());
        assertThat(resource.write(leaseB.fencingToken(), "b1")).isTrue();

        // A wakes up still believing it holds the lock: the resource refuses its stale token, the lock says no.
        assertThat(resource.write(leaseA.fencingToken(), "a3 (stale)")).isFalse();
        assertThat(resource.accepted()).containsExactly("a1", "a2", "b1");
        assertThat(lockB.held(leaseB)).isTrue();
        assertThat(a.sinceConfirmed()).as("A can tell that its session is no longer confirmed").isGreaterThan(TTL);
        a.keepAlives(true);
        await().atMost(Duration.ofSeconds(5)).until(a::expired);
        assertThat(lockB.holder().map(Payload::toStringUtf8)).contains("b");
        b.close();
    }

    @Test
    void anExpiredHoldersLockDelayKeepsTheLockFromTheNextHolderForTtlPlusTheDelay() throws Exception {
        Duration lockDelay = Duration.ofMillis(1500);
        CoordinationClient a = test.connect();
        CoordinationClient b = test.connect();
        DistributedLock lockA = new DistributedLock(a, "/locks/delayed", Payload.ofUtf8("a"), lockDelay);
        DistributedLock lockB = new DistributedLock(b, "/locks/delayed", Payload.ofUtf8("b"), lockDelay);
        DistributedLock.Lease leaseA = lockA.acquire(Duration.ofSeconds(10)).orElseThrow();
        CompletableFuture<Optional<DistributedLock.Lease>> waitingB =
                CompletableFuture.supplyAsync(() -> lockB.acquire(Duration.ofSeconds(20)));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.children("/locks/delayed").size() == 2);

        long paused = System.nanoTime();
        a.keepAlives(false);
        DistributedLock.Lease leaseB = waitingB.get(20, TimeUnit.SECONDS).orElseThrow();
        long tookMs = (System.nanoTime() - paused) / 1_000_000;
        System.out.printf("LockFailoverTest: with a %d ms lock delay B acquired %d ms after A paused (TTL %d ms)%n",
                lockDelay.toMillis(), tookMs, TTL.toMillis());
        // Log time runs no faster than the leader's clock, and A's last keep-alive was at most one interval (plus a
        // tick) before the pause: TTL + delay after it is no earlier than this.
        long earliest = TTL.toMillis() + lockDelay.toMillis() - a.options().keepAliveInterval().toMillis() - TICK.toMillis();
        assertThat(tookMs).as("not before TTL + lock delay after A's last keep-alive").isGreaterThanOrEqualTo(earliest);
        assertThat(leaseB.fencingToken()).isGreaterThan(leaseA.fencingToken());

        // The log shows why: A's node expired, then (at a later entry, once the delay passed in log time) the delay ended.
        List<WatchEvent> events = b.events(leaseA.fencingToken(), "/locks/delayed", 100).events();
        WatchEvent expired = events.stream().filter(e -> e.type() == WatchEvent.Type.EXPIRED).findFirst().orElseThrow();
        WatchEvent ended = events.stream().filter(e -> e.type() == WatchEvent.Type.LOCK_DELAY_ENDED).findFirst().orElseThrow();
        assertThat(expired.path()).isEqualTo(leaseA.node());
        assertThat(ended.path()).isEqualTo("/locks/delayed");
        assertThat(ended.revision()).isGreaterThan(expired.revision());
        assertThat(lockB.held(leaseB)).isTrue();
        b.close();
    }

    @Test
    void contendersGetTheLockInArrivalOrderWithGrowingTokens() throws Exception {
        CoordinationClient c = test.connect();
        CoordinationClient d = test.connect();
        DistributedLock first = new DistributedLock(c, "/locks/x", Payload.ofUtf8("c"));
        DistributedLock second = new DistributedLock(d, "/locks/x", Payload.ofUtf8("d"));
        DistributedLock.Lease l1 = first.acquire(Duration.ofSeconds(10)).orElseThrow();
        assertThat(second.acquire(Duration.ofMillis(200))).as("held by c: times out and leaves the queue").isEmpty();
        CompletableFuture<Optional<DistributedLock.Lease>> next =
                CompletableFuture.supplyAsync(() -> second.acquire(Duration.ofSeconds(10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.children("/locks/x").size() == 2);
        assertThat(next).isNotDone();
        first.release(l1);
        DistributedLock.Lease l2 = next.get(10, TimeUnit.SECONDS).orElseThrow();
        assertThat(l2.fencingToken()).isGreaterThan(l1.fencingToken());
        assertThat(first.held(l1)).isFalse();

        LeaderElection e1 = new LeaderElection(c, "/election", "c");
        LeaderElection e2 = new LeaderElection(d, "/election", "d");
        assertThat(e1.awaitLeadership(Duration.ofSeconds(5))).isTrue();
        assertThat(e2.awaitLeadership(Duration.ofMillis(100))).isFalse();
        assertThat(e2.leader()).contains("c");
        CompletableFuture<Boolean> e2leads = CompletableFuture.supplyAsync(() -> e2.awaitLeadership(Duration.ofSeconds(10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.children("/election").size() == 2);
        e1.resign();
        assertThat(e2leads.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(e2.isLeader()).isTrue();
        assertThat(e2.term()).isGreaterThan(l2.fencingToken());
        c.close();
        d.close();
    }
}
