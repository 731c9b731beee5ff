package io.flotilla.raft.log;

/** What a log entry carries. */
public enum EntryType {
    /** The empty entry a new leader appends at the start of its term (Raft thesis §6.4; paper §8). */
    NOOP,
    /** A command for the host's replicated state machine. */
    COMMAND,
    /**
     * A new membership (thesis §4.1), carried in {@link Entry#membership()}. It takes effect on each server as soon as
     * the server appends it, committed or not.
     */
    CONFIG
}
