package io.flotilla.raft.sim;

import io.flotilla.raft.core.BrokenRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Evidence that the simulator's checks can fail: with one safety rule switched off in every core
 * ({@link BrokenRule}), some schedule must break an invariant, report a seed, and fail again the same way
 * when that seed is replayed.
 */
class BrokenRuleDetectionTest {
    private static final int MAX_SCHEDULES = 20_000;

    @ParameterizedTest
    @EnumSource(value = BrokenRule.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void theSimulatorCatchesABrokenRuleWithAReplayableSeed(BrokenRule rule) {
        SplittableRandom seeds = new SplittableRandom(rule.ordinal() * 7919L + 1);
        for (int i = 0; i < MAX_SCHEDULES; i++) {
            long seed = seeds.nextLong();
            SimConfig cfg = SimConfig.fromSeed(seed, i % 2 == 0 ? 3 : 5, rule);
            try {
                Simulation.run(seed, cfg);
            } catch (SimulationFailure first) {
                System.out.printf("%s caught after %d schedules: %s%n", rule, i + 1, first.getMessage());
                assertThat(first.seed()).isEqualTo(seed);
                assertThat(first.getMessage()).contains("seed=" + seed).contains(SimulationFailure.replayCommand(seed, cfg));
                assertThat(first.rule()).isNotEqualTo("Liveness");
                assertThatThrownBy(() -> Simulation.run(seed, cfg))
                        .as("replaying seed %d must fail the same way", seed)
                        .isInstanceOf(SimulationFailure.class)
                        .hasMessage(first.getMessage());
                return;
            }
        }
        fail("no schedule out of " + MAX_SCHEDULES + " caught " + rule);
    }
}
