package io.flotilla.raft.linearizability;

import io.flotilla.raft.linearizability.KvModel.Append;
import io.flotilla.raft.linearizability.KvModel.Cas;
import io.flotilla.raft.linearizability.KvModel.Counter;
import io.flotilla.raft.linearizability.KvModel.Get;
import io.flotilla.raft.linearizability.KvModel.Incr;
import io.flotilla.raft.linearizability.KvModel.Input;
import io.flotilla.raft.linearizability.KvModel.Ok;
import io.flotilla.raft.linearizability.KvModel.Output;
import io.flotilla.raft.linearizability.KvModel.Put;
import io.flotilla.raft.linearizability.KvModel.Swapped;
import io.flotilla.raft.linearizability.KvModel.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key-value model on hand-written histories: the anomalies a replicated store can show, one per test. */
class KvModelTest {
    private static final KvModel MODEL = new KvModel();

    private static CheckResult check(List<Operation<Input, Output>> history) {
        return Linearizability.check(MODEL, history, Duration.ofSeconds(10));
    }

    private static Operation<Input, Output> op(long client, Input input, Output output, long call, long ret) {
        return Operation.completed(client, input, output, call, ret);
    }

    private static Operation<Input, Output> get(long client, String key, String value, long call, long ret) {
        return op(client, new Get(key), new Value(value), call, ret);
    }

    private static Operation<Input, Output> put(long client, String key, String value, long call, long ret) {
        return op(client, new Put(key, value), new Ok(), call, ret);
    }

    private static Operation<Input, Output> incr(long client, long result, long call, long ret) {
        return op(client, new Incr("n", 1), new Counter(result), call, ret);
    }

    private static Operation<Input, Output> cas(long client, String expected, String update, boolean swapped,
                                                long call, long ret) {
        return op(client, new Cas("a", expected, update), new Swapped(swapped), call, ret);
    }

    @Test
    void lostWriteIsIllegal() {
        var history = List.of(put(1, "a", "1", 0, 10), put(1, "a", "2", 20, 30), get(2, "a", "1", 40, 50));
        assertThat(check(history).outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void writeAppliedTwiceIsIllegal() {
        var append = op(1, new Append("a", "x"), new Ok(), 0, 10);
        assertThat(check(List.of(append, get(2, "a", "x", 20, 30))).outcome()).isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(append, get(2, "a", "xx", 20, 30))).outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void staleReadIsIllegal() {
        var history = List.of(put(1, "a", "1", 0, 10), get(2, "a", null, 20, 30));
        assertThat(check(history).outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void concurrentPutsMayBeReadInEitherOrderButOnlyOne() {
        var puts = List.of(put(1, "a", "1", 0, 10), put(2, "a", "2", 5, 15));
        for (String last : List.of("1", "2")) {
            var history = List.of(puts.get(0), puts.get(1), get(3, "a", last, 20, 30), get(3, "a", last, 40, 50));
            assertThat(check(history).outcome()).as("last %s", last).isEqualTo(CheckResult.Outcome.OK);
        }
        var flipFlop = List.of(puts.get(0), puts.get(1), get(3, "a", "2", 20, 30), get(3, "a", "1", 40, 50));
        assertThat(check(flipFlop).outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void incrementsCountWithoutSkippingOrRepeating() {
        assertThat(check(List.of(incr(1, 1, 0, 10), incr(1, 2, 20, 30), incr(1, 3, 40, 50))).outcome())
                .isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(incr(1, 1, 0, 10), incr(1, 2, 20, 30), incr(1, 4, 40, 50))).outcome())
                .as("skip").isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(check(List.of(incr(1, 1, 0, 10), incr(2, 1, 20, 30))).outcome())
                .as("repeat").isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(check(List.of(incr(1, 1, 0, 10), incr(2, 1, 5, 15))).outcome())
                .as("repeat, concurrent").isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(check(List.of(incr(1, 2, 0, 10), incr(2, 1, 5, 15))).outcome())
                .as("concurrent, the later call first").isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void incrementOfANonNumericValueCannotSucceed() {
        var history = List.of(put(1, "n", "text", 0, 10), incr(1, 1, 20, 30));
        assertThat(check(history).outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void compareAndSetSwapsExactlyWhenTheValueMatches() {
        var a = put(1, "a", "a", 0, 10);
        assertThat(check(List.of(cas(1, null, "a", true, 0, 10), get(1, "a", "a", 20, 30))).outcome())
                .as("null expects absent").isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(a, cas(1, "a", "b", true, 20, 30), get(2, "a", "b", 40, 50))).outcome())
                .as("match swaps").isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(a, cas(1, "z", "b", false, 20, 30), get(2, "a", "a", 40, 50))).outcome())
                .as("mismatch leaves the value").isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(a, cas(1, "z", "b", true, 20, 30))).outcome())
                .as("swapped on a mismatch").isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(check(List.of(a, cas(1, "a", "b", false, 20, 30))).outcome())
                .as("refused on a match").isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(check(List.of(a, cas(1, "a", "b", false, 20, 30), put(2, "a", "c", 15, 25))).outcome())
                .as("refused: a concurrent put got in first").isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void onlyOneOfTwoConcurrentCompareAndSetsCanWin() {
        var a = put(1, "a", "a", 0, 10);
        assertThat(check(List.of(a, cas(1, "a", "b", true, 20, 30), cas(2, "a", "c", false, 20, 30))).outcome())
                .isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(a, cas(1, "a", "b", true, 20, 30), cas(2, "a", "c", true, 20, 30))).outcome())
                .isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void keysAreCheckedIndependentlyAndTheReportNamesTheIllegalKey() {
        var history = List.of(
                put(1, "a", "1", 0, 10), get(2, "a", "1", 20, 30),
                put(1, "b", "1", 0, 10), get(2, "b", null, 20, 30),
                put(1, "c", "1", 0, 10), get(2, "c", "1", 20, 30));
        CheckResult result = check(history);
        assertThat(result.outcome()).isEqualTo(CheckResult.Outcome.ILLEGAL);
        assertThat(result.report())
                .startsWith("partition 2 of 3 (key \"b\")")
                .contains("get(\"b\") -> absent")
                .doesNotContain("\"a\"", "\"c\"");
    }

    @Test
    void partitionsAreInKeyOrderAndKeepTheHistoryOrder() {
        var history = List.of(get(1, "z", null, 0, 1), get(1, "a", null, 2, 3), get(1, "z", null, 4, 5));
        assertThat(MODEL.partition(history)).containsExactly(
                List.of(history.get(1)), List.of(history.get(0), history.get(2)));
    }

    @Test
    void outputOfTheWrongKindIsAMalformedHistory() {
        assertThatThrownBy(() -> check(List.of(op(1, new Get("a"), new Ok(), 0, 10))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is answered with Value");
    }
}
