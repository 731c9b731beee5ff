package io.flotilla.raft.examples.verification;

import io.flotilla.raft.linearizability.CheckResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jepsen-style fault testing of real KV server processes (docs/verification.md): concurrent clients on every node
 * while the {@link Nemesis} kills, pauses and partitions nodes; then every acknowledged write must be present, every
 * node must hold the same values, and the whole history must be linearizable.
 *
 * <p>The default build runs three nodes for {@code flotilla.jepsen.seconds} (60) seconds of faults, about two
 * minutes in all; {@code -Psoak} runs ten minutes and adds five nodes. {@code -Dflotilla.jepsen.seed=N} replays a
 * schedule; the seed is in every report, under {@code target/jepsen/}.
 */
class JepsenTest {
    private static final Duration FAULTS = Duration.ofSeconds(Long.getLong("flotilla.jepsen.seconds", 60));
    private static final long SEED = Long.getLong("flotilla.jepsen.seed", System.currentTimeMillis());

    @Test
    void threeNodesUnderKillsPausesAndPartitionsStayLinearizable() throws Exception {
        check("three-nodes", 3, 6);
    }

    @Test
    @EnabledIfSystemProperty(named = "flotilla.jepsen.five", matches = "true")
    void fiveNodesUnderKillsPausesAndPartitionsStayLinearizable() throws Exception {
        check("five-nodes", 5, 8);
    }

    private static void check(String name, int nodes, int clients) throws Exception {
        try (JepsenRun run = JepsenRun.start(name, SEED, nodes, List.of("--snapshot-every", "1000"))) {
            run.replayWith("mvn -B -o -pl raft-examples -am test -Dtest=JepsenTest -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -Dflotilla.jepsen.seed=" + SEED + " -Dflotilla.jepsen.seconds=" + FAULTS.toSeconds()
                    + (nodes == 5 ? " -Dflotilla.jepsen.five=true" : ""));
            List<String> keys = run.runWorkload(clients, 3, FAULTS, List.of(Nemesis.Fault.values()));
            run.converge(keys);
            CheckResult result = run.verify(Duration.ofSeconds(120));
            System.out.println(run.report());
            assertThat(run.problems()).as(run.report()).isEmpty();
            assertThat(result.outcome()).as(run.report()).isEqualTo(CheckResult.Outcome.OK);
        }
    }
}
