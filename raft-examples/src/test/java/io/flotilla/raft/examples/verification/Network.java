package io.flotilla.raft.examples.verification;

import io.flotilla.raft.examples.kv.KvCluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The test's Raft network: one {@link LinkProxy} per directed link, created as {@link KvCluster} asks for each node's
 * peer addresses ({@link #address}), and the partitions the nemesis makes of them. A partition is a set of cut
 * links; {@link #heal} opens them all.
 *
 * <p>Threading: the proxies are thread-safe; the fault methods are called from the nemesis thread and from clean-up.
 */
final class Network implements KvCluster.Routes, AutoCloseable {
    /** Key: {@code from * 1000 + to}; in link order. */
    private final Map<Integer, LinkProxy> links = new TreeMap<>();

    @Override
    public synchronized String address(int from, int to, int raftPort) throws IOException {
        LinkProxy proxy = new LinkProxy(from, to, raftPort);
        links.put(from * 1000 + to, proxy);
        return "127.0.0.1:" + proxy.port();
    }

    /** Cuts every link between a node of {@code a} and a node of {@code b}, both ways. */
    synchronized void partition(Set<Integer> a, Set<Integer> b, boolean blackhole) {
        for (int i : a) {
            for (int j : b) {
                fault(link(i, j), blackhole);
                fault(link(j, i), blackhole);
            }
        }
    }

    /** Cuts {@code node} off from everyone, both ways. */
    synchronized void isolate(int node, int size, boolean blackhole) {
        partition(Set.of(node), others(Set.of(node), size), blackhole);
    }

    /** Every node id of {@code 1..size} that is not in {@code these}, in order. */
    static Set<Integer> others(Set<Integer> these, int size) {
        Set<Integer> rest = new TreeSet<>();
        for (int id = 1; id <= size; id++) {
            if (!these.contains(id)) {
                rest.add(id);
            }
        }
        return rest;
    }

    private static void fault(LinkProxy link, boolean blackhole) {
        if (blackhole) {
            link.blackhole();
        } else {
            link.cut();
        }
    }

    private LinkProxy link(int from, int to) {
        LinkProxy link = links.get(from * 1000 + to);
        if (link == null) {
            throw new IllegalArgumentException("no link " + from + "->" + to);
        }
        return link;
    }

    /** Opens every link. */
    synchronized void heal() {
        links.values().forEach(LinkProxy::open);
    }

    /** The links that are not open, for the nemesis log. */
    synchronized List<String> faulty() {
        List<String> out = new ArrayList<>();
        for (LinkProxy l : links.values()) {
            if (l.state() != LinkProxy.State.OPEN) {
                out.add(l.toString());
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        links.values().forEach(LinkProxy::close);
    }
}
