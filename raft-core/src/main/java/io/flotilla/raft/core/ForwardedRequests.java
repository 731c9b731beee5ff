package io.flotilla.raft.core;

import java.util.LinkedHashSet;
import java.util.TreeMap;

/**
 * The forwarded proposals a leader has appended in its term, by follower and request id, so that a copy of a
 * {@code ForwardProposal} duplicated by the network is not appended twice. Remembers the most recent
 * {@value #REMEMBERED} ids per follower. Used only by {@link RaftCore}, on its thread.
 */
final class ForwardedRequests {
    static final int REMEMBERED = 4096;

    private final TreeMap<Long, LinkedHashSet<Long>> seen = new TreeMap<>();

    /** Records the request; returns false if it was seen before. */
    boolean firstSight(long from, long requestId) {
        LinkedHashSet<Long> ids = seen.computeIfAbsent(from, k -> new LinkedHashSet<>());
        if (!ids.add(requestId)) {
            return false;
        }
        if (ids.size() > REMEMBERED) {
            ids.remove(ids.iterator().next());
        }
        return true;
    }

    void clear() {
        seen.clear();
    }
}
