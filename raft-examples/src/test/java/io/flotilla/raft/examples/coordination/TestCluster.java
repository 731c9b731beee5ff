package io.flotilla.raft.examples.coordination;

import java.time.Duration;

/**
 * Test fixture: a 3-member {@link LocalCoordinationCluster} with a 300 ms election timeout and 50 ms ticks, and
 * clients with a 1 s session TTL. Closing it closes the cluster.
 */
final class TestCluster implements AutoCloseable {
    static final Duration TTL = Duration.ofMillis(1000);
    static final Duration ELECTION = Duration.ofMillis(300);
    static final Duration TICK = Duration.ofMillis(50);

    final LocalCoordinationCluster cluster = new LocalCoordinationCluster(3, ELECTION, TICK);

    /** A new client session with TTL {@link #TTL}. */
    CoordinationClient connect() {
        return CoordinationClient.connect(cluster.members(), CoordinationClient.Options.withTtl(TTL));
    }

    @Override
    public void close() {
        cluster.close();
    }
}
