package io.flotilla.raft.examples.coordination;

/**
 * Receives a watch's events, in revision order, on the client's watch thread (one call at a time per watch). Keep
 * it short: a slow listener delays its own watch, not others' keep-alives.
 */
public interface WatchListener {
    /** The next event under the watched path. */
    void onEvent(WatchEvent event);

    /**
     * Events after the last delivered revision were compacted away: re-read the state you care about. Delivery
     * resumes after {@code revision}. By default does nothing.
     */
    default void onCompacted(long revision) {
    }
}
