package io.flotilla.raft.transport.netty;

import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.flotilla.raft.transport.netty.TestCluster.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Throws at least {@value #DEFAULT_FRAMES} random and mutated frames, over thousands of connections from several
 * threads, at node 1 of a live three-node cluster, while the test keeps proposing through the cluster. Each
 * connection sends a handshake (sometimes mutated), a random number of well-formed frames the transport must drop,
 * then one frame it must refuse, and expects the transport to close it.
 *
 * <p>Checks: every proposal made during the fuzzing commits; the transport's counters match, frame for frame, what
 * the fuzzer sent; no node stops; no thread dies of an uncaught exception. Replay a failure with the seed it prints:
 * {@code mvn -pl raft-transport-netty verify -Dtest=TransportFuzzTest -Dflotilla.fuzz.seed=N}.
 */
class TransportFuzzTest {
    private static final int DEFAULT_FRAMES = 100_000;
    private static final long SEED = Long.getLong("flotilla.fuzz.seed", 0xF022_F4A3EL);
    private static final int FRAMES = Integer.getInteger("flotilla.fuzz.frames", DEFAULT_FRAMES);
    private static final Duration TIME_LIMIT = Duration.ofSeconds(60);
    private static final int WORKERS = 4;
    private static final long TARGET = 1;

    /** What one fuzzing thread sent. */
    private record Sent(long frames, long droppable, long fatal, long refusedHandshakes, long connections) {
    }

    @Test
    void randomAndMutatedFramesNeverStopTheClusterFromCommitting() throws Exception {
        ConcurrentLinkedQueue<Throwable> died = new ConcurrentLinkedQueue<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> died.add(e));
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try (TestCluster cluster = TestCluster.start(3)) {
            RaftNode leader = cluster.awaitLeader();
            TestCluster.put(leader, "warm-up", "1");
            InetSocketAddress address = cluster.address(TARGET);
            int maxFrameBytes = cluster.transports.get(TARGET).config().maxFrameBytes();
            TransportStats before = cluster.stats(TARGET);
            long deadline = System.nanoTime() + TIME_LIMIT.toNanos();

            List<Future<Sent>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                long seed = SEED + w;
                workers.add(pool.submit(() -> fuzz(new Random(seed), address, maxFrameBytes, FRAMES / WORKERS,
                        deadline)));
            }

            // Propose throughout, through every node in turn (node 1, the one under fire, forwards to the leader).
            long committed = 0;
            long round = 0;
            while (workers.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() - deadline < 0) {
                RaftNode via = cluster.nodes.get(1 + round % 3);
                String value = "v" + round++;
                assertThat(TestCluster.put(via, "fuzz", value)).as(replay("proposal " + round + " via node "
                        + via.id())).isEqualTo(value);
                committed++;
            }

            Sent total = new Sent(0, 0, 0, 0, 0);
            for (Future<Sent> f : workers) {
                Sent s = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                total = new Sent(total.frames + s.frames, total.droppable + s.droppable, total.fatal + s.fatal,
                        total.refusedHandshakes + s.refusedHandshakes, total.connections + s.connections);
            }
            System.out.printf("fuzz: seed %d, %d frames on %d connections (%d dropped, %d closing, %d refused "
                            + "handshakes); %d proposals committed meanwhile%n", SEED, total.frames,
                    total.connections, total.droppable, total.fatal, total.refusedHandshakes, committed);

            assertThat(total.frames).as(replay("frames sent within " + TIME_LIMIT)).isGreaterThanOrEqualTo(FRAMES);
            assertThat(committed).as("proposals committed during the fuzzing").isGreaterThanOrEqualTo(3);
            TransportStats after = cluster.stats(TARGET);
            Sent sent = total;
            await().atMost(WAIT).untilAsserted(() -> {
                TransportStats now = cluster.stats(TARGET);
                assertThat(now.malformedFrames() + now.oversizedFrames()
                        - before.malformedFrames() - before.oversizedFrames())
                        .as(replay("frames that closed a connection")).isEqualTo(sent.fatal);
                assertThat(now.spoofedMessages() + now.misaddressedMessages()
                        - before.spoofedMessages() - before.misaddressedMessages())
                        .as(replay("frames dropped")).isEqualTo(sent.droppable);
                assertThat(now.handshakesRefused() + now.unknownNodes()
                        - before.handshakesRefused() - before.unknownNodes())
                        .as(replay("handshakes refused")).isEqualTo(sent.refusedHandshakes);
            });
            assertThat(after.connectionsAccepted() - before.connectionsAccepted()).isGreaterThanOrEqualTo(
                    total.connections);
            for (RaftNode n : cluster.nodes.values()) {
                assertThat(n.status().running()).as("node %d running", n.id()).isTrue();
                assertThat(n.failure()).as("node %d failure", n.id()).isNull();
            }
            RaftNode last = cluster.awaitLeader();
            assertThat(TestCluster.put(last, "after-fuzz", "ok")).isEqualTo("ok");
        } finally {
            pool.shutdownNow();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertThat(died).as("uncaught exceptions").isEmpty();
    }

    /** One thread's fuzzing: connections until {@code frames} frames are sent or the deadline passes. */
    private static Sent fuzz(Random random, InetSocketAddress address, int maxFrameBytes, int frames, long deadline) {
        long sent = 0;
        long droppable = 0;
        long fatal = 0;
        long refused = 0;
        long connections = 0;
        while (sent < frames && System.nanoTime() - deadline < 0) {
            long claimed = 2 + random.nextInt(2);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            byte[] handshake = new FrameFuzzer(random, claimed, TARGET, maxFrameBytes).handshake(TestCluster.CLUSTER_ID);
            burst.writeBytes(RawPeer.frame(handshake));
            sent++;
            long accepted = FrameFuzzer.acceptedAs(handshake, TestCluster.CLUSTER_ID, TARGET);
            if (accepted == 0) {
                refused++;
            } else {
                FrameFuzzer fuzzer = new FrameFuzzer(random, accepted, TARGET, maxFrameBytes);
                int n = random.nextInt(41);
                for (int i = 0; i < n; i++) {
                    burst.writeBytes(RawPeer.frame(fuzzer.droppable()));
                }
                burst.writeBytes(fuzzer.fatal());
                sent += n + 1;
                droppable += n;
                fatal++;
            }
            connections++;
            try (RawPeer peer = RawPeer.connect(address, 5_000)) {
                peer.write(burst.toByteArray());
                if (!peer.closedByPeer()) {
                    throw new AssertionError(replay("connection " + connections + " of a fuzzer was not closed"));
                }
            }
        }
        return new Sent(sent, droppable, fatal, refused, connections);
    }

    private static String replay(String what) {
        return what + " (seed " + SEED + "; replay with -Dflotilla.fuzz.seed=" + SEED + ")";
    }
}
