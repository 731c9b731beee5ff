package io.flotilla.raft.core;

/**
 * A test-only switch that disables one safety rule of the core, so that tests can prove the
 * simulator's checks catch the violation. Never set outside tests: every value except
 * {@link #NONE} makes the core unsafe on purpose.
 */
public enum BrokenRule {
    /** All rules enforced (the default and the only production value). */
    NONE,
    /**
     * Skip §5.4.2: commit entries from earlier terms by counting replicas (the Figure 8 bug). New leaders also
     * skip their no-op entry, as in the paper's Figure 8, since the no-op usually hides the bug: a follower's
     * acknowledgement tends to cover the old entries and the new term's no-op at once.
     */
    COMMIT_PREVIOUS_TERM_BY_COUNTING,
    /** Skip §5.4.1: grant votes to candidates whose log is less up to date than the voter's. */
    VOTE_WITHOUT_UP_TO_DATE_CHECK,
    /** Skip §5.2 "at most one candidate per term": grant a vote even after voting for another. */
    VOTE_TWICE_IN_A_TERM,
    /** Skip thesis §6.4 step 3: report a read index without confirming leadership with a majority. */
    READ_WITHOUT_LEADERSHIP_CONFIRMATION,
    /**
     * Skip Figure 13 rule 6's term check: a follower whose log reaches the snapshot's last index keeps its log and
     * commits through that index even when its entry there has another term.
     */
    INSTALL_SNAPSHOT_WITHOUT_LOG_CHECK
}
