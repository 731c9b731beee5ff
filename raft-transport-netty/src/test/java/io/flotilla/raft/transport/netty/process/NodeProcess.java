package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.KvStateMachine;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import io.flotilla.raft.transport.netty.NettyTransport;
import io.flotilla.raft.transport.netty.NettyTransportConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One cluster member as its own OS process, for multi-process tests: a {@link RaftNode} on the RocksDB log and the
 * Netty transport with a key-value state machine, driven through standard input and output, one request per line:
 * {@code <id> put <key> <value>}, {@code <id> get <key>}, {@code <id> status}; answers {@code <id> ok <value>},
 * {@code <id> err <exception>} or {@code <id> status <role> <term> <leader> <commit> <applied>}, in completion order.
 * It prints {@code ready} once started and exits when standard input closes.
 *
 * <p>Arguments: {@code <nodeId> <dataDir> <port of node 1>,<port of node 2>,...}.
 */
public final class NodeProcess {
    static final long GROUP = 7;
    static final String CLUSTER = "multi-process-test";

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
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, RocksDbLogStore.Options.of(GROUP, id))) {
            NettyTransport transport = new NettyTransport(
                    NettyTransportConfig.of(CLUSTER, id, members.get(id), members));
            RaftNode node = RaftNode.start(RaftConfig.of(GROUP, id, members), store, transport, new KvStateMachine());
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
        f.whenComplete((r, e) -> answer(out, e == null ? id + " ok " + r.toStringUtf8()
                : id + " err " + (e.getCause() != null ? e.getCause() : e)));
    }

    private static void answer(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
