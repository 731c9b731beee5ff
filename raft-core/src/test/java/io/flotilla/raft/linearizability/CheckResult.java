package io.flotilla.raft.linearizability;

import java.util.Objects;

/**
 * The verdict of {@link Linearizability#check}.
 *
 * @param outcome whether the history is linearizable, is not, or the search ran out of time
 * @param report  empty when {@link Outcome#OK}; for {@link Outcome#ILLEGAL}, a human-readable account of
 *                the first partition that cannot be linearized; for {@link Outcome#UNKNOWN}, where the
 *                search stopped
 */
public record CheckResult(Outcome outcome, String report) {
    /** The three verdicts. */
    public enum Outcome {
        /** Some order of the operations, consistent with real time, satisfies the model. */
        OK,
        /** No such order exists: the system under test is not linearizable. */
        ILLEGAL,
        /** The search hit its deadline before deciding; not a verdict either way. */
        UNKNOWN
    }

    /** Validates that both fields are present. */
    public CheckResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(report, "report");
    }

    static CheckResult ok() {
        return new CheckResult(Outcome.OK, "");
    }

    /** Whether the history was found linearizable. */
    public boolean isOk() {
        return outcome == Outcome.OK;
    }

    @Override
    public String toString() {
        return report.isEmpty() ? outcome.toString() : outcome + ":\n" + report;
    }
}
