package io.flotilla.raft.node;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

import static org.awaitility.Awaitility.await;

/**
 * Test fixture: real {@link RaftNode}s on one {@link LocalNetwork}, each with a {@link StallableLogStore} over an
 * {@link InMemoryLogStore} and a {@link StallableStateMachine}, so a test can partition a node, stall its disk or
 * stall its state machine. {@link #close()} releases every stall, then closes every node.
 */
final class LocalCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final LocalNetwork network = new LocalNetwork();
    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, StallableLogStore> stores = new TreeMap<>();
    final Map<Long, StallableStateMachine> stateMachines = new TreeMap<>();

    /** Starts nodes {@code 1..size}, each with the configuration {@code config} returns for its id. */
    LocalCluster(int size, LongFunction<RaftConfig> config) {
        for (long id = 1; id <= size; id++) {
            stores.put(id, new StallableLogStore(new InMemoryLogStore()));
            stateMachines.put(id, new StallableStateMachine());
            nodes.put(id, RaftNode.start(config.apply(id), stores.get(id), network.transport(id),
                    stateMachines.get(id)));
        }
    }

    /** Members {@code 1..size} with made-up addresses. */
    static Map<Long, String> members(int size) {
        Map<Long, String> members = new TreeMap<>();
        for (long id = 1; id <= size; id++) {
            members.put(id, "node-" + id);
        }
        return members;
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    /** Waits for a leader that every other running node follows, and returns it. */
    RaftNode awaitStableLeader() {
        return await().atMost(WAIT).until(() -> {
            RaftNode leader = nodes.values().stream().filter(n -> n.status().role() == Role.LEADER).findFirst()
                    .orElse(null);
            if (leader == null) {
                return null;
            }
            long term = leader.status().term();
            boolean followed = nodes.values().stream().allMatch(n -> n == leader
                    || (n.status().leaderId() == leader.id() && n.status().term() == term));
            return followed ? leader : null;
        }, n -> n != null);
    }

    /** Waits for a node other than {@code excluded} to lead in a term above {@code aboveTerm}. */
    RaftNode awaitLeaderOtherThan(RaftNode excluded, long aboveTerm, Duration atMost) {
        return await().atMost(atMost).pollInterval(Duration.ofMillis(5)).until(() -> nodes.values().stream()
                .filter(n -> n != excluded && n.status().role() == Role.LEADER && n.status().term() > aboveTerm)
                .findFirst().orElse(null), n -> n != null);
    }

    List<RaftNode> others(RaftNode node) {
        return nodes.values().stream().filter(n -> n != node).toList();
    }

    static String value(CompletableFuture<Payload> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS).toStringUtf8();
    }

    static String put(RaftNode n, String key, String value) throws Exception {
        return value(n.propose(Payload.ofUtf8("put " + key + " " + value)));
    }

    static String get(RaftNode n, String key) throws Exception {
        return value(n.read(Payload.ofUtf8("get " + key)));
    }

    @Override
    public void close() {
        stores.values().forEach(s -> s.gate.release());
        stateMachines.values().forEach(m -> m.gate.release());
        nodes.values().forEach(RaftNode::closeAsync);
    }
}
