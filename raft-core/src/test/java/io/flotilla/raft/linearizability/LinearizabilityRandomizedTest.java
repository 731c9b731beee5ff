package io.flotilla.raft.linearizability;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker on long seeded histories recorded from real (sequential, in-memory) objects: they must be
 * linearizable, and changing one read to a value the object never held must make them illegal. Seeds
 * start from {@code -Dflotilla.lin.seed} (fixed by default); every assertion names its seed, and
 * {@code -Dflotilla.lin.seed=<seed>} replays that seed as the first case.
 */
class LinearizabilityRandomizedTest {
    private static final long BASE_SEED = Long.getLong("flotilla.lin.seed", 0x11AEA4L);
    private static final int SEEDS = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static String replay(long seed) {
        return "seed " + seed + " (replay with -Dtest=LinearizabilityRandomizedTest -Dflotilla.lin.seed=" + seed + ")";
    }

    @Test
    void registerHistoriesFromARealRegisterAreLinearizableAndOneImpossibleReadMakesThemIllegal() {
        RegisterModel model = new RegisterModel();
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS; seed++) {
            var history = RandomHistories.generate(seed, 1000, 4, 0.003, new RandomHistories.Register());
            assertThat(Linearizability.check(model, history, TIMEOUT).outcome()).as(replay(seed))
                    .isEqualTo(CheckResult.Outcome.OK);

            int read = randomCompletedOp(history, seed, op -> op.input() instanceof RegisterModel.Read);
            var mutated = RandomHistories.withOutput(history, read, new RegisterModel.Value(-1));
            CheckResult result = Linearizability.check(model, mutated, TIMEOUT);
            assertThat(result.outcome()).as(replay(seed) + ", op " + read + " reads -1")
                    .isEqualTo(CheckResult.Outcome.ILLEGAL);
            assertThat(result.report()).as(replay(seed)).contains("not linearizable");
        }
    }

    @Test
    void keyValueHistoriesFromARealMapAreLinearizableAndOneImpossibleGetMakesThemIllegal() {
        KvModel model = new KvModel();
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS; seed++) {
            var history = RandomHistories.generate(seed, 2000, 5, 0.005, new RandomHistories.Kv(10));
            CheckResult ok = Linearizability.check(model, history, TIMEOUT);
            assertThat(ok.outcome()).as(replay(seed) + ": " + ok).isEqualTo(CheckResult.Outcome.OK);

            int get = randomCompletedOp(history, seed, op -> op.input() instanceof KvModel.Get);
            var mutated = RandomHistories.withOutput(history, get, new KvModel.Value("never-written"));
            CheckResult result = Linearizability.check(model, mutated, TIMEOUT);
            String key = history.get(get).input().key();
            assertThat(result.outcome()).as(replay(seed) + ", op " + get).isEqualTo(CheckResult.Outcome.ILLEGAL);
            assertThat(result.report()).as(replay(seed)).contains("(key \"" + key + "\")");
        }
    }

    /** 5,000 operations over 10 keys from 5 clients, the size of a long simulator run. No timing assertion. */
    @Test
    void fiveThousandOperationHistoryIsLinearizable() {
        KvModel model = new KvModel();
        var history = RandomHistories.generate(BASE_SEED, 5000, 5, 0.002, new RandomHistories.Kv(10));
        long start = System.nanoTime();
        CheckResult cold = Linearizability.check(model, history, TIMEOUT);
        long coldMicros = (System.nanoTime() - start) / 1000;
        start = System.nanoTime();
        CheckResult result = Linearizability.check(model, history, TIMEOUT);  // with a warm JIT
        long warmMicros = (System.nanoTime() - start) / 1000;
        System.out.printf("LinearizabilityRandomizedTest: %d operations over 10 keys checked in %.1f ms "
                + "(%.1f ms cold)%n", history.size(), warmMicros / 1000.0, coldMicros / 1000.0);
        assertThat(cold.outcome()).as(replay(BASE_SEED) + ": " + cold).isEqualTo(CheckResult.Outcome.OK);
        assertThat(result.outcome()).as(replay(BASE_SEED) + ": " + result).isEqualTo(CheckResult.Outcome.OK);
    }

    private static <I, O> int randomCompletedOp(List<Operation<I, O>> history, long seed,
                                                java.util.function.Predicate<Operation<I, O>> kind) {
        int[] candidates = IntStream.range(0, history.size())
                .filter(i -> !history.get(i).isPending() && kind.test(history.get(i))).toArray();
        return candidates[new SplittableRandom(seed).nextInt(candidates.length)];
    }
}
