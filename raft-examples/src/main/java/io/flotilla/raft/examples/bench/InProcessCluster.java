package io.flotilla.raft.examples.bench;

import io.flotilla.raft.core.Role;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The nodes in this JVM, each with its own RocksDB log and Netty transport on loopback. */
final class InProcessCluster implements BenchCluster {
    private final List<BenchNode> nodes = new ArrayList<>();
    private final HeapWatch heap = HeapWatch.start();

    InProcessCluster(int size, Path dir, boolean fsync) throws IOException {
        Map<Long, String> peers = BenchCluster.loopbackAddresses(size);
        try {
            for (long id : peers.keySet()) {
                nodes.add(new BenchNode(id, peers, dir.resolve("node-" + id), fsync));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private BenchNode awaitLeader(Duration within) throws Exception {
        return BenchCluster.await(within, 5, "no leader", () -> nodes.stream()
                .filter(n -> n.node().status().role() == Role.LEADER).findFirst().orElse(null), null);
    }

    @Override
    public LoadGenerator.Load load(long firstClientId, int clients, int valueBytes, Duration warmup,
                                   Duration duration) throws Exception {
        BenchNode leader = awaitLeader(Duration.ofSeconds(30));
        heap.reset();
        return new LoadGenerator(leader.node()::propose).run(firstClientId, clients, valueBytes, warmup, duration);
    }

    @Override
    public List<BenchStateMachine.Check> checks(Duration within) throws Exception {
        BenchCluster.Poll<List<BenchStateMachine.Check>> all = () -> nodes.stream().map(BenchNode::check).toList();
        return BenchCluster.await(within, 10, "", () -> {
            var checks = all.poll();
            return BenchCluster.caughtUp(checks) ? checks : null;
        }, all);
    }

    @Override
    public long peakHeapAfterGc() {
        return heap.peakAfterGc();
    }

    @Override
    public void close() {
        heap.close();
        RuntimeException failure = null;
        for (BenchNode n : nodes) {
            try {
                n.close();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
