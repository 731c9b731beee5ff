package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.transport.netty.process.FailoverTrials.Trial;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, the default build's small version of {@link FailoverBenchmark}: three {@link NodeProcess}es with the Raft
 * paper's election timeout (150–300 ms) under a steady stream of writes; the leader is killed with SIGKILL
 * {@value #TRIALS} times, restarted after each. Each time a survivor must become leader in a later term and
 * acknowledge a write sent after the kill, within {@link #WAIT} ({@link FailoverTrials} polls with that deadline).
 */
class FailoverTest {
    private static final int TRIALS = 3;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void afterKillingTheLeaderASurvivorLeadsALaterTermAndAcknowledgesWrites(@TempDir Path dir) throws Exception {
        try (FailoverCluster c = FailoverCluster.start(dir, FailoverCluster.nodeProperties(10, 150, 50, 1_000),
                Duration.ofMillis(5), Duration.ofMinutes(3))) {
            FailoverTrials trials = new FailoverTrials(c, WAIT);
            for (int i = 1; i <= TRIALS; i++) {
                Trial t = trials.next(i, Duration.ofMillis(200));

                assertThat(t.newLeader()).as("trial %d: the first write's leader", i).isNotEqualTo(t.victim());
                assertThat(t.newTerm()).as("trial %d: its term", i).isGreaterThan(t.oldTerm());
                assertThat(t.electedNanos()).as("trial %d: elected before that write was acknowledged", i)
                        .isLessThanOrEqualTo(t.writeNanos());
                System.out.printf("fail-over %d: killed leader %d (term %d); node %d led term %d and acknowledged a "
                                + "write %.1f ms after the kill%n", i, t.victim(), t.oldTerm(), t.newLeader(),
                        t.newTerm(), t.writeNanos() / 1e6);
            }
            c.awaitStable(WAIT);
        }
    }
}
