package io.flotilla.raft.examples.bench;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import io.flotilla.raft.transport.netty.NettyTransport;
import io.flotilla.raft.transport.netty.NettyTransportConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * One benchmark node: a {@link RaftNode} on the RocksDB log (fsync'd unless told otherwise) and the Netty transport,
 * with a {@link BenchStateMachine}. In process mode it is its own OS process ({@link #main}) that the driver talks to
 * over standard input and output, one command per line:
 * <ul>
 *   <li>{@code status} → {@code status ROLE LEADER_ID COMMIT_INDEX}</li>
 *   <li>{@code lead} → transfers leadership to this node, then {@code led}</li>
 *   <li>{@code load FIRST_CLIENT C V WARMUP_MS DURATION_MS} → runs the clients here, then {@code result JSON}</li>
 *   <li>{@code check} → {@code check APPLIED DIGEST CLIENT:SEQ,...}</li>
 *   <li>{@code heap} → {@code heap PEAK_BYTES_AFTER_GC}; {@code heap-reset} starts a new peak</li>
 * </ul>
 * It exits when standard input closes.
 */
public final class BenchNode implements AutoCloseable {
    private final RaftNode node;
    private final LogStore log;
    private final BenchStateMachine state = new BenchStateMachine();

    /** Starts node {@code id} of {@code peers}, its log under {@code dir}. */
    public BenchNode(long id, Map<Long, String> peers, Path dir, boolean fsync) throws IOException {
        Files.createDirectories(dir);
        RocksDbLogStore rocks = RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStore.Options.of(1, id));
        this.log = fsync ? rocks : new UnsyncedLogStore(rocks);
        NettyTransport transport = new NettyTransport(NettyTransportConfig.of("flotilla-bench", id, peers.get(id), peers));
        RaftConfig base = RaftConfig.of(1, id, peers);
        RaftConfig config = base.withRequestLimits(Duration.ofSeconds(10), 100_000)
                .withSnapshots(SnapshotPolicy.disabled());
        this.node = RaftNode.start(config, log, transport, state);
    }

    /** The node. */
    public RaftNode node() {
        return node;
    }

    /** The state machine's counters. */
    public BenchStateMachine.Check check() {
        return state.check();
    }

    @Override
    public void close() {
        try {
            node.close();
        } finally {
            log.close();
        }
    }

    /**
     * Process mode: {@code BenchNode ID id=host:port,... DIR on|off}.
     */
    public static void main(String[] args) throws Exception {
        long id = Long.parseLong(args[0]);
        Map<Long, String> peers = new TreeMap<>();
        for (String p : args[1].split(",")) {
            String[] kv = p.split("=", 2);
            peers.put(Long.parseLong(kv[0]), kv[1]);
        }
        HeapWatch heap = HeapWatch.start();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (BenchNode n = new BenchNode(id, peers, Path.of(args[2]), args[3].equals("on"));
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println("ready");
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split(" ");
                switch (w[0]) {
                    case "status" -> {
                        var s = n.node().status();
                        out.println("status " + s.role() + " " + s.leaderId() + " " + s.commitIndex());
                    }
                    case "lead" -> {
                        if (n.node().status().role() != Role.LEADER) {
                            n.node().transferLeadership(id).get(30, java.util.concurrent.TimeUnit.SECONDS);
                        }
                        out.println("led");
                    }
                    case "load" -> {
                        LoadGenerator.Load load = new LoadGenerator(n.node()::propose).run(Long.parseLong(w[1]),
                                Integer.parseInt(w[2]), Integer.parseInt(w[3]), Duration.ofMillis(Long.parseLong(w[4])),
                                Duration.ofMillis(Long.parseLong(w[5])));
                        out.println("result " + Results.loadJson(load));
                    }
                    case "check" -> out.println("check " + n.check().encode());
                    case "heap" -> out.println("heap " + heap.peakAfterGc());
                    case "heap-reset" -> {
                        heap.reset();
                        out.println("heap-reset");
                    }
                    default -> out.println("error unknown command " + w[0]);
                }
            }
        } finally {
            heap.close();
        }
        System.exit(0);
    }
}
