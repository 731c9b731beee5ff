package io.flotilla.raft.examples.kv;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.PeerStatus;
import io.flotilla.raft.node.RaftNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * The server's Prometheus metrics (Prometheus client_java), served by the admin port's {@code GET /metrics}: the
 * node's Raft state read from {@link RaftNode#status()} and {@link RaftNode#peers()} at scrape time, and counters the
 * client connections update. Thread-safe: connections count from their event loops, scrapes run on the admin
 * server's.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
    private final Counter commands;
    private final Counter errors;
    private final Histogram latency;
    private final AtomicInteger connections = new AtomicInteger();

    ServerMetrics(RaftNode node, KvStore store) {
        gauge("flotilla_raft_term", "The node's current term.", node, NodeStatus::term);
        gauge("flotilla_raft_leader_id", "The leader this node knows of, 0 for none.", node, NodeStatus::leaderId);
        gauge("flotilla_raft_commit_index", "The highest log index known committed.", node, NodeStatus::commitIndex);
        gauge("flotilla_raft_applied_index", "The highest index applied to the key-value store.", node,
                NodeStatus::applied);
        gauge("flotilla_raft_last_index", "The index of the last entry in the log.", node, NodeStatus::lastIndex);
        gauge("flotilla_raft_snapshot_index", "The last index covered by the newest snapshot.", node,
                NodeStatus::snapshotIndex);
        gauge("flotilla_raft_healthy", "1 while the node runs and is not stalled.", node, s -> s.healthy() ? 1 : 0);
        GaugeWithCallback.builder().name("flotilla_raft_role").help("1 for the node's current role, 0 for the others.")
                .labelNames("role")
                .callback(cb -> {
                    Role role = node.status().role();
                    for (Role r : Role.values()) {
                        cb.call(r == role ? 1 : 0, r.name().toLowerCase(java.util.Locale.ROOT));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("flotilla_raft_peer_match_index")
                .help("On the leader: the highest index known replicated on each peer.").labelNames("peer")
                .callback(cb -> node.peers().forEach(p -> cb.call(p.matchIndex(), Long.toString(p.id()))))
                .register(registry);
        GaugeWithCallback.builder().name("flotilla_raft_peer_lag")
                .help("On the leader: how many entries each peer is behind the leader's last index.")
                .labelNames("peer")
                .callback(cb -> {
                    for (PeerStatus p : node.peers()) {
                        cb.call(p.lag(), Long.toString(p.id()));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("flotilla_kv_keys").help("Keys in the store (as of the last apply).")
                .callback(cb -> cb.call(store.keyCount())).register(registry);
        GaugeWithCallback.builder().name("flotilla_kv_connections").help("Open client connections.")
                .callback(cb -> cb.call(connections.get())).register(registry);
        commands = Counter.builder().name("flotilla_kv_commands_total")
                .help("Client commands answered, by command (unknown names count as 'unknown').")
                .labelNames("command").register(registry);
        errors = Counter.builder().name("flotilla_kv_errors_total")
                .help("Error replies, by code: ERR (bad input, failed command) or TRYAGAIN (no leader or quorum).")
                .labelNames("code").register(registry);
        latency = Histogram.builder().name("flotilla_kv_command_duration_seconds")
                .help("Time from taking a replicated command (write or linearizable read) to its answer.")
                .classicOnly().classicUpperBounds(.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5, 10)
                .labelNames("kind").register(registry);
    }

    private void gauge(String name, String help, RaftNode node, ToLongFunction<NodeStatus> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsLong(node.status()))).register(registry);
    }

    void answered(String command, Reply reply) {
        commands.labelValues(command).inc();
        if (reply instanceof Reply.Error e) {
            errors.labelValues(e.message().startsWith("TRYAGAIN") ? "TRYAGAIN" : "ERR").inc();
        }
    }

    void replicated(boolean write, long nanos) {
        latency.labelValues(write ? "write" : "read").observe(nanos / 1e9);
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /** The metrics in Prometheus text format (version 0.0.4). */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen with a ByteArrayOutputStream
        }
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }
}
