package io.flotilla.raft.examples.coordination;

import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: a storage service that checks fencing tokens (Kleppmann, "How to do distributed locking"): it
 * remembers the highest token it has seen and refuses writes carrying a smaller one.
 */
final class FencedResource {
    private long highest;
    private final List<String> accepted = new ArrayList<>();

    /** Applies {@code write} if {@code token} is at least the highest seen; returns whether it did. */
    synchronized boolean write(long token, String write) {
        if (token < highest) {
            return false;
        }
        highest = token;
        accepted.add(write);
        return true;
    }

    synchronized List<String> accepted() {
        return List.copyOf(accepted);
    }
}
