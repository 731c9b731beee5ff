package io.flotilla.raft.linearizability;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.flotilla.raft.linearizability.RegisterModel.pendingWrite;
import static io.flotilla.raft.linearizability.RegisterModel.read;
import static io.flotilla.raft.linearizability.RegisterModel.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The checker on hand-written single-register histories: the classic cases, one per rule. */
class RegisterModelTest {
    private static final RegisterModel MODEL = new RegisterModel();

    private static CheckResult.Outcome check(List<Operation<RegisterModel.Input, RegisterModel.Output>> history) {
        return Linearizability.check(MODEL, history, Duration.ofSeconds(10)).outcome();
    }

    @Test
    void sequentialHistoryIsLinearizable() {
        assertThat(check(List.of(
                read(1, 0, 0, 10),
                write(1, 1, 20, 30),
                read(2, 1, 40, 50),
                write(2, 2, 60, 70),
                read(1, 2, 80, 90)))).isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void concurrentWriteAndReadMayBeOrderedEitherWay() {
        // The read overlaps the write, so it may see the value before or after it.
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 0, 5, 15)))).isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 1, 5, 15)))).isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void readsOfConcurrentWritesMayDisagreeOnlyConsistently() {
        // Two overlapping writes: readers may see them in either order, but all must agree on the last one.
        var w1 = write(1, 1, 0, 10);
        var w2 = write(2, 2, 0, 10);
        assertThat(check(List.of(w1, w2, read(3, 1, 20, 30), read(3, 1, 40, 50)))).isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(w1, w2, read(3, 2, 20, 30), read(3, 2, 40, 50)))).isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(w1, w2, read(3, 2, 20, 30), read(3, 1, 40, 50))))
                .isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void staleReadAfterACompletedWriteIsIllegal() {
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 0, 20, 30)))).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void readOfAValueNeverWrittenIsIllegal() {
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 7, 5, 30)))).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void operationsThatTouchAtOneInstantAreConcurrent() {
        // Intervals are closed: a read called exactly when the write returns may still precede it.
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 0, 10, 20)))).isEqualTo(CheckResult.Outcome.OK);
        assertThat(check(List.of(write(1, 1, 0, 10), read(2, 0, 11, 20)))).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void pendingWriteWhoseEffectIsObservedIsLinearizable() {
        assertThat(check(List.of(pendingWrite(1, 1, 0), read(2, 1, 20, 30)))).isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void pendingWriteWhoseEffectIsNeverObservedIsLinearizable() {
        assertThat(check(List.of(pendingWrite(1, 1, 0), read(2, 0, 20, 30), read(2, 0, 1000, 1010))))
                .isEqualTo(CheckResult.Outcome.OK);
    }

    @Test
    void pendingWriteCannotTakeEffectBeforeItsCall() {
        assertThat(check(List.of(read(2, 1, 0, 10), pendingWrite(1, 1, 20)))).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void pendingWriteTakesEffectAtMostOnce() {
        // Once a read saw the pending write's value and a later write replaced it, it cannot reappear.
        assertThat(check(List.of(
                pendingWrite(1, 1, 0),
                read(2, 1, 10, 20),
                write(2, 2, 30, 40),
                read(2, 1, 50, 60)))).isEqualTo(CheckResult.Outcome.ILLEGAL);
    }

    @Test
    void outputOfTheWrongKindIsAMalformedHistory() {
        var history = List.of(Operation.<RegisterModel.Input, RegisterModel.Output>completed(
                1, new RegisterModel.Read(), new RegisterModel.Ok(), 0, 10));
        assertThatThrownBy(() -> check(history))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a read is answered with Value");
    }
}
