package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftListener;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.snapshot.FileSnapshotStore;
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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * One cluster member as its own OS process, for multi-process tests: a {@link RaftNode} on the RocksDB log
 * ({@code <dataDir>/log}), a {@link FileSnapshotStore} ({@code <dataDir>/snapshots}) and the Netty transport with a
 * {@link ProcessStateMachine}, driven through standard input and output, one request per line:
 * {@code <id> put <key> <value>}, {@code <id> get <key>}, {@code <id> digest}, {@code <id> status}; answers
 * {@code <id> ok <value>}, {@code <id> err <exception>} or
 * {@code <id> status <role> <term> <leader> <commit> <applied>}, in completion order. It prints {@code ready} once
 * started, {@code event <what>} lines — {@code store-opened <names>} (what its snapshot directory holds once the
 * store cleaned up after a crash), and what it does with received snapshots ({@link ObservedSnapshotStore}) — and
 * exits when standard input closes.
 *
 * <p>Arguments: {@code <nodeId> <dataDir> <port of node 1>,<port of node 2>,...}. System properties:
 * {@value #SNAPSHOTS} = {@code everyEntries,everyBytes,trailingEntries,chunkBytes,maxInflightChunks,
 * transferTimeoutMillis} (the {@link SnapshotPolicy}; default {@link SnapshotPolicy#defaults()}),
 * {@value #STALL} = a point at which to freeze while receiving a snapshot ({@link ObservedSnapshotStore}),
 * {@value #TIMING} = {@code tickMillis,electionTimeoutMillis,heartbeatMillis} ({@link RaftConfig#withTiming}; default
 * the {@link RaftConfig#of} timing), {@value #REQUEST_TIMEOUT} = the {@link RaftConfig#requestTimeout()} in
 * milliseconds (default 5 s), and {@value #ROLE_EVENTS} = {@code true} to report every role and leader change, from
 * a {@link RaftListener} on the apply thread, as {@code event role <role> <term> <nanoTime>} and
 * {@code event leader <leaderId> <term> <nanoTime>}. {@code nanoTime} is {@link System#nanoTime()} when the listener
 * ran; on Linux it reads {@code CLOCK_MONOTONIC}, which all processes on the machine share, so a parent can compare
 * it with its own clock.
 */
public final class NodeProcess {
    static final long GROUP = 7;
    static final String CLUSTER = "multi-process-test";
    static final String SNAPSHOTS = "flotilla.test.snapshots";
    static final String STALL = "flotilla.test.stall";
    static final String TIMING = "flotilla.test.timing";
    static final String REQUEST_TIMEOUT = "flotilla.test.requestTimeoutMillis";
    static final String ROLE_EVENTS = "flotilla.test.roleEvents";
    /** Writes the answers and role events to the parent, in the order the apply thread produced them. */
    private static final java.util.concurrent.ExecutorService ANSWERS =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "answers");
                t.setDaemon(true);
                return t;
            });

    private NodeProcess() {
    }

    public static void main(String[] args) throws Exception {
        long id = Long.parseLong(args[0]);
        Path dir = Path.of(args[1]);
        String[] ports = args[2].split(",");
        Map<Long, String> members = new TreeMap<>();
        for (int i = 0; i < ports.length; i++) {
            members.put(i + 1L, "127.0.0.1:" + Integer.parseInt(ports[i]));
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        RaftConfig config = timing(RaftConfig.of(GROUP, id, members), System.getProperty(TIMING, ""))
                .withSnapshots(policy(System.getProperty(SNAPSHOTS)));
        Long requestTimeout = Long.getLong(REQUEST_TIMEOUT);
        if (requestTimeout != null) {
            config = config.withRequestLimits(Duration.ofMillis(requestTimeout), config.maxPendingRequests());
        }
        try (RocksDbLogStore store = RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStore.Options.of(GROUP, id));
             FileSnapshotStore files = FileSnapshotStore.open(dir.resolve("snapshots"))) {
            answer(out, "event store-opened " + list(dir.resolve("snapshots")));
            ObservedSnapshotStore snapshots = new ObservedSnapshotStore(files, e -> answer(out, "event " + e),
                    System.getProperty(STALL, ""));
            NettyTransport transport = new NettyTransport(
                    NettyTransportConfig.of(CLUSTER, id, members.get(id), members));
            RaftNode node = RaftNode.start(config, store, snapshots, transport, new ProcessStateMachine());
            if (Boolean.getBoolean(ROLE_EVENTS)) {
                node.addListener(new RaftListener() {
                    @Override
                    public void onRoleChange(Role role, long term) {
                        long now = System.nanoTime(); // queued behind the answers completed before it, in order
                        ANSWERS.execute(() -> answer(out, "event role " + role + " " + term + " " + now));
                    }

                    @Override
                    public void onLeaderChange(long leaderId, long term) {
                        long now = System.nanoTime();
                        ANSWERS.execute(() -> answer(out, "event leader " + leaderId + " " + term + " " + now));
                    }
                });
            }
            out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                handle(node, line.split(" ", 3), out);
            }
            node.close();
        }
    }

    private static void handle(RaftNode node, String[] request, PrintStream out) {
        String id = request[0];
        CompletableFuture<Payload> f;
        switch (request[1]) {
            case "put" -> {
                String[] kv = request[2].split(" ", 2);
                f = node.propose(Payload.ofUtf8("put " + kv[0] + " " + kv[1]));
            }
            case "get" -> f = node.read(Payload.ofUtf8("get " + request[2]));
            case "digest" -> f = node.read(Payload.ofUtf8("digest"));
            case "status" -> {
                NodeStatus s = node.status();
                answer(out, id + " status " + s.role() + " " + s.term() + " " + s.leaderId() + " " + s.commitIndex()
                        + " " + s.applied());
                return;
            }
            default -> {
                answer(out, id + " err unknown request " + request[1]);
                return;
            }
        }
        // Answered on a thread of its own: writing to a full stdout pipe must not block the node's apply thread
        // (which its stall detector would rightly report as a stalled state machine).
        f.whenCompleteAsync((r, e) -> answer(out, e == null ? id + " ok " + r.toStringUtf8()
                : id + " err " + (e.getCause() != null ? e.getCause() : e)), ANSWERS);
    }

    /** The names in {@code dir}, sorted and separated by spaces. */
    private static String list(Path dir) throws IOException {
        try (Stream<Path> names = Files.list(dir)) {
            return String.join(" ", names.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** {@code config} with the timing {@link #TIMING} describes, or unchanged if {@code spec} is empty. */
    static RaftConfig timing(RaftConfig config, String spec) {
        if (spec.isEmpty()) {
            return config;
        }
        String[] p = spec.split(",");
        if (p.length != 3) {
            throw new IllegalArgumentException(TIMING + " needs tick,election,heartbeat in ms, was " + spec);
        }
        return config.withTiming(Duration.ofMillis(Long.parseLong(p[0])), Duration.ofMillis(Long.parseLong(p[1])),
                Duration.ofMillis(Long.parseLong(p[2])));
    }

    /** The policy {@link #SNAPSHOTS} describes, or the defaults. */
    static SnapshotPolicy policy(String spec) {
        if (spec == null || spec.isEmpty()) {
            return SnapshotPolicy.defaults();
        }
        String[] p = spec.split(",");
        if (p.length != 6) {
            throw new IllegalArgumentException(SNAPSHOTS + " needs 6 comma-separated values, was " + spec);
        }
        return new SnapshotPolicy(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
                Integer.parseInt(p[3]), Integer.parseInt(p[4]), Duration.ofMillis(Long.parseLong(p[5])));
    }

    /** {@link #policy}'s inverse: the {@link #SNAPSHOTS} value for {@code policy}. */
    static String spec(SnapshotPolicy policy) {
        return policy.everyEntries() + "," + policy.everyBytes() + "," + policy.trailingEntries() + ","
                + policy.chunkBytes() + "," + policy.maxInflightChunks() + "," + policy.transferTimeout().toMillis();
    }

    private static void answer(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
