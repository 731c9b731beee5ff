package io.flotilla.raft.core;

import java.util.ArrayDeque;

/**
 * A leader's back-pressure account: the bytes of the entries it appended in its term and has not yet committed
 * ({@link CoreConfig#maxUncommittedBytes()}). Used only by {@link RaftCore}, on its thread.
 */
final class UncommittedBytes {
    /** (last index, bytes) of each appended batch, oldest first. */
    private final ArrayDeque<long[]> batches = new ArrayDeque<>();
    private long bytes;

    long bytes() {
        return bytes;
    }

    void appended(long lastIndex, long batchBytes) {
        batches.addLast(new long[] {lastIndex, batchBytes});
        bytes += batchBytes;
    }

    void committedTo(long index) {
        while (!batches.isEmpty() && batches.peekFirst()[0] <= index) {
            bytes -= batches.removeFirst()[1];
        }
    }

    void clear() {
        batches.clear();
        bytes = 0;
    }
}
