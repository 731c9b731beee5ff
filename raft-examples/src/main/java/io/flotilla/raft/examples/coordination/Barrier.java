package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.time.Duration;

/**
 * A barrier for {@code parties} participants under {@code path}: each {@link #enter}s with an ephemeral node
 * {@code path/<name>}; {@link #await} returns once {@code parties} are present. A participant whose session ends
 * leaves the barrier.
 *
 * <p>Threading: one object per participant; methods block the calling thread.
 */
public final class Barrier {
    private final CoordinationClient client;
    private final String path;
    private final int parties;

    /** A barrier of {@code parties} at {@code path}. */
    public Barrier(CoordinationClient client, String path, int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1, was " + parties);
        }
        this.client = client;
        this.path = path;
        this.parties = parties;
    }

    /** Joins as {@code name} (unique among participants). */
    public void enter(String name) {
        client.ensurePath(path);
        Answer.Response r = client.submit(new Op.Create(path + "/" + name, Payload.EMPTY, true, false));
        if (!r.ok() && r.code() != Code.NODE_EXISTS) {
            throw new CoordinationException("cannot enter " + path + ": " + r.code());
        }
    }

    /** Waits up to {@code timeout} for all parties; true if they all arrived. */
    public boolean await(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        while (client.children(path).size() < parties) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            seen = client.awaitChange(path, seen, Duration.ofNanos(left)).revision();
        }
        return true;
    }
}
