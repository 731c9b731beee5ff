package io.flotilla.raft.linearizability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.flotilla.raft.linearizability.RegisterModel.pendingWrite;
import static io.flotilla.raft.linearizability.RegisterModel.read;
import static io.flotilla.raft.linearizability.RegisterModel.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The checker itself: its report, its timeout, its input validation, and its verdicts against a naive
 * oracle (every real-time-respecting order tried) on thousands of small seeded histories.
 */
class LinearizabilityTest {
    private static final RegisterModel REGISTER = new RegisterModel();
    private static final long SEED = Long.getLong("flotilla.lin.seed", 0x11AEA2L);

    @Test
    void emptyHistoryIsLinearizable() {
        assertThat(Linearizability.check(REGISTER, List.of(), Duration.ZERO).outcome())
                .isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void reportShowsTheOperationsTheLongestPrefixAndWhatCannotBePlaced() {
        var history = List.of(write(1, 1, 0, 10), read(2, 1, 20, 30), write(1, 2, 40, 50), read(2, 1, 60, 70),
                pendingWrite(3, 9, 65));
        CheckResult result = Linearizability.check(REGISTER, history, Duration.ofSeconds(10));
        assertThat(result.outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(result.report()).isEqualTo("""
                partition 1 of 1, 5 operations: not linearizable
                operations by call time (#n: position in the longest linearizable prefix; X: cannot be placed after it; -: not placed):
                      #1  client 1   [0, 10]                write(1) -> ok
                      #2  client 2   [20, 30]               read() -> 1
                      #3  client 1   [40, 50]               write(2) -> ok
                       X  client 2   [60, 70]               read() -> 1
                       -  client 3   [65, pending]          write(9) -> ?
                longest linearizable prefix: 3 of 5 operations:
                      #1  client 1   [0, 10]                write(1) -> ok
                      #2  client 2   [20, 30]               read() -> 1
                      #3  client 1   [40, 50]               write(2) -> ok
                state after it: 2
                none of these can be linearized next:
                          client 2   [60, 70]               read() -> 1
                """);
    }

    /** A read of a value nobody wrote, concurrent with 40 writes: refuting it means trying every subset of them. */
    @Test
    @Timeout(10)
    void searchThatCannotFinishInTimeIsUnknownNotAVerdict() {
        List<Operation<RegisterModel.Input, RegisterModel.Output>> history = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            history.add(write(i, i, 0, 100));
        }
        history.add(read(41, 1000, 0, 100));

        CheckResult result = Linearizability.check(REGISTER, history, Duration.ofMillis(50));

        assertThat(result.outcome()).isEqualTo(CheckResult.Outcome.UNKNOWN);
        assertThat(result.report()).startsWith("timed out after").contains("partition 1 of 1, 41 operations");
        assertThat(Linearizability.check(REGISTER, history.subList(38, 41), Duration.ofMillis(50)).outcome())
                .as("the same shape with two writes is decided").isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void malformedOperationsAreRejected() {
        assertThatThrownBy(() -> write(1, 1, 10, 9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("returnTime must be >= callTime");
        assertThatThrownBy(() -> new Operation<>(1, new RegisterModel.Read(), null, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pending");
        assertThatThrownBy(() -> Linearizability.check(REGISTER, List.of(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    @Test
    void agreesWithTheNaiveOracleOnSmallRegisterHistories() {
        SplittableRandom random = new SplittableRandom(SEED);
        int[] verdicts = new int[2];
        for (int n = 0; n < 5000; n++) {
            List<Operation<RegisterModel.Input, RegisterModel.Output>> history = new ArrayList<>();
            int size = 1 + random.nextInt(7);
            for (int i = 0; i < size; i++) {
                long call = random.nextLong(12);
                long ret = call + random.nextLong(6);
                if (random.nextInt(8) == 0) {
                    history.add(pendingWrite(i, 1 + random.nextInt(2), call));
                } else if (random.nextBoolean()) {
                    history.add(write(i, 1 + random.nextInt(2), call, ret));
                } else {
                    history.add(read(i, random.nextInt(3), call, ret));
                }
            }
            boolean expected = NaiveOracle.linearizable(REGISTER, history);
            CheckResult result = Linearizability.check(REGISTER, history, Duration.ofSeconds(10));
            assertThat(result.outcome()).as("case %d of seed %d (replay with -Dflotilla.lin.seed=%d): %s",
                            n, SEED, SEED, history)
                    .isEqualTo(expected ? CheckResult.Outcome.OK : CheckResult.Outcome.ILLEGAL);
            verdicts[expected ? 1 : 0]++;
        }
        assertThat(verdicts[0]).as("illegal histories").isGreaterThan(1000);
        assertThat(verdicts[1]).as("linearizable histories").isGreaterThan(1000);
    }

    @Test
    void agreesWithTheNaiveOracleOnSmallKeyValueHistories() {
        KvModel kv = new KvModel();
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> values = java.util.Arrays.asList(null, "1", "2", "12", "3");
        int[] verdicts = new int[2];
        for (int n = 0; n < 5000; n++) {
            List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
            int size = 1 + random.nextInt(6);
            for (int i = 0; i < size; i++) {
                long call = random.nextLong(12);
                long ret = call + random.nextLong(6);
                String v = values.get(random.nextInt(values.size()));
                KvModel.Input input;
                KvModel.Output output;
                switch (random.nextInt(5)) {
                    case 0 -> {
                        input = new KvModel.Get("k");
                        output = new KvModel.Value(v);
                    }
                    case 1 -> {
                        input = new KvModel.Put("k", v == null ? "1" : v);
                        output = new KvModel.Ok();
                    }
                    case 2 -> {
                        input = new KvModel.Append("k", "2");
                        output = new KvModel.Ok();
                    }
                    case 3 -> {
                        input = new KvModel.Incr("k", 1);
                        output = new KvModel.Counter(1 + random.nextInt(3));
                    }
                    default -> {
                        input = new KvModel.Cas("k", v, "3");
                        output = new KvModel.Swapped(random.nextBoolean());
                    }
                }
                history.add(random.nextInt(8) == 0 ? Operation.pending(i, input, call)
                        : Operation.completed(i, input, output, call, ret));
            }
            boolean expected = NaiveOracle.linearizable(kv, history);
            assertThat(Linearizability.check(kv, history, Duration.ofSeconds(10)).outcome())
                    .as("case %d of seed %d (replay with -Dflotilla.lin.seed=%d): %s", n, SEED, SEED, history)
                    .isEqualTo(expected ? CheckResult.Outcome.OK : CheckResult.Outcome.ILLEGAL);
            verdicts[expected ? 1 : 0]++;
        }
        assertThat(verdicts[0]).as("illegal histories").isGreaterThan(500);
        assertThat(verdicts[1]).as("linearizable histories").isGreaterThan(500);
    }

    /** The definition, executed: try every order that respects real time; pending operations may be left out. */
    private static final class NaiveOracle {
        static <S, I, O> boolean linearizable(Model<S, I, O> model, List<Operation<I, O>> ops) {
            return search(model, ops, new boolean[ops.size()], model.init());
        }

        private static <S, I, O> boolean search(Model<S, I, O> model, List<Operation<I, O>> ops, boolean[] placed,
                                                S state) {
            boolean done = true;
            for (int i = 0; i < ops.size(); i++) {
                done &= placed[i] || ops.get(i).isPending();
            }
            if (done) {
                return true;
            }
            for (int x = 0; x < ops.size(); x++) {
                if (placed[x] || !canGoNext(ops, placed, x)) {
                    continue;
                }
                var next = model.step(state, ops.get(x).input(), ops.get(x).output());
                if (next.isPresent()) {
                    placed[x] = true;
                    boolean found = search(model, ops, placed, next.get());
                    placed[x] = false;
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** {@code x} may take effect next unless another unplaced operation returned before {@code x} was called. */
        private static boolean canGoNext(List<? extends Operation<?, ?>> ops, boolean[] placed, int x) {
            for (int y = 0; y < ops.size(); y++) {
                if (!placed[y] && ops.get(y).returnTime() < ops.get(x).callTime()) {
                    return false;
                }
            }
            return true;
        }
    }
}
