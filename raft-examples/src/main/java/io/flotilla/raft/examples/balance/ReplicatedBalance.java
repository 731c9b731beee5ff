package io.flotilla.raft.examples.balance;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.LocalNetwork;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftListener;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import java.util.stream.LongStream;

/**
 * The replicated account balance of the Raft explainer, embedded in a host application: three {@link RaftNode}s in
 * one process on a {@link LocalNetwork}, each with its own {@link InMemoryLogStore} and its own copy of the balance.
 * It sets the balance to 100 on the leader, adds 25 through a follower (which forwards the command to the leader)
 * and reads the balance back on the third node, linearizably: 125.
 *
 * <p>The host's code is {@link Balance}, {@link #run} and {@link #awaitLeader}. It runs on the caller's thread; the
 * nodes run on their own threads (docs/runtime.md) and are closed before {@link #run} returns. The futures need no
 * timeout of their own: a running node completes each within {@link RaftConfig#requestTimeout()}, with the result or
 * a {@code RaftException}.
 */
public final class ReplicatedBalance {
    private ReplicatedBalance() {
    }

    /**
     * The replicated state: one number. Commands {@code set N} and {@code add N} return the new balance, the query
     * {@code get} returns it. Called only on its node's apply thread, in log order, so it needs no locking.
     */
    static final class Balance implements StateMachine {
        private long balance;

        @Override
        public Payload apply(long index, Payload command) {
            String[] op = command.toStringUtf8().split(" ");
            long n = Long.parseLong(op[1]);
            balance = switch (op[0]) {
                case "set" -> n;
                case "add" -> balance + n;
                default -> throw new IllegalArgumentException("unknown command " + op[0]); // fails its proposal only
            };
            return Payload.ofUtf8(Long.toString(balance));
        }

        @Override
        public Payload query(Payload query) {
            return Payload.ofUtf8(Long.toString(balance));
        }

        /** The point-in-time view is the number itself, captured now and written out later. */
        @Override
        public io.flotilla.raft.snapshot.SnapshotWriter snapshot() {
            long captured = balance;
            return out -> new java.io.DataOutputStream(out).writeLong(captured);
        }

        @Override
        public void restore(java.io.InputStream in) throws java.io.IOException {
            balance = new java.io.DataInputStream(in).readLong();
        }
    }

    /**
     * Runs the example, printing each step to {@code out}, and returns the balance read on the third node.
     *
     * @throws ExecutionException if a request failed; its cause (a {@code RaftException}) says whether the command
     *                            may have taken effect
     */
    public static long run(PrintStream out) throws InterruptedException, ExecutionException {
        return run(out, id -> new InMemoryLogStore());
    }

    /**
     * Runs the example with each node's log in the store {@code stores} gives for its id — for example a durable
     * {@code RocksDbLogStore} per node (see {@link #main}). The stores are closed when the example ends.
     */
    public static long run(PrintStream out, LongFunction<LogStore> stores) throws InterruptedException,
            ExecutionException {
        Map<Long, String> members = Map.of(1L, "node-1", 2L, "node-2", 3L, "node-3");
        LocalNetwork network = new LocalNetwork();
        List<LogStore> logs = LongStream.rangeClosed(1, 3).mapToObj(stores).toList();
        List<RaftNode> nodes = LongStream.rangeClosed(1, 3).mapToObj(id -> RaftNode.start(RaftConfig.of(1, id, members),
                logs.get((int) id - 1), network.transport(id), new Balance())).toList();
        try {
            RaftNode leader = awaitLeader(nodes, RaftConfig.of(1, 1, members).requestTimeout());
            List<RaftNode> others = nodes.stream().filter(n -> n != leader).toList();
            out.println("node " + leader.id() + " leads term " + leader.status().term());
            Payload set = leader.propose(Payload.ofUtf8("set 100")).get(); // once committed and applied on the leader
            out.println("set 100 on the leader, node " + leader.id() + " -> balance " + set.toStringUtf8());
            Payload add = others.get(0).propose(Payload.ofUtf8("add 25")).get(); // forwarded to the leader
            out.println("add 25 through follower node " + others.get(0).id() + " -> balance " + add.toStringUtf8());
            Payload read = others.get(1).read(Payload.ofUtf8("get")).get(); // ReadIndex: the read is not logged
            out.println("linearizable read on node " + others.get(1).id() + " -> balance " + read.toStringUtf8());
            return Long.parseLong(read.toStringUtf8());
        } finally {
            nodes.forEach(RaftNode::close);
            logs.forEach(LogStore::close);
        }
    }

    /**
     * Waits, at most {@code timeout}, for a node to report that it leads. Only the leader needs finding: a request
     * made on a node that does not know the leader yet waits for it.
     */
    static RaftNode awaitLeader(List<RaftNode> nodes, Duration timeout) throws InterruptedException, ExecutionException {
        CompletableFuture<RaftNode> elected = new CompletableFuture<>();
        for (RaftNode node : nodes) {
            node.addListener(new RaftListener() {
                @Override
                public void onRoleChange(Role role, long term) {
                    if (role == Role.LEADER) {
                        elected.complete(node);
                    }
                }
            });
            if (node.status().role() == Role.LEADER) {
                elected.complete(node);
            }
        }
        try {
            return elected.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no leader elected within " + timeout, e);
        }
    }

    /**
     * Runs the example, printing to standard output: in memory, or with {@code --data-dir DIR} on a durable RocksDB
     * log per node under {@code DIR} (a later run replays what earlier runs committed before adding its own).
     */
    public static void main(String[] args) throws InterruptedException, ExecutionException {
        if (args.length == 2 && args[0].equals("--data-dir")) {
            Path dir = Path.of(args[1]);
            System.out.println("final balance " + run(System.out,
                    id -> RocksDbLogStore.open(dir.resolve("node-" + id), RocksDbLogStore.Options.of(1, id))));
        } else if (args.length == 0) {
            System.out.println("final balance " + run(System.out));
        } else {
            throw new IllegalArgumentException("usage: balance [--data-dir DIR]");
        }
    }
}
