package io.flotilla.raft.examples.coordination;

/** A read-only question to the coordination state machine, answered by a linearizable read (encoded by {@link Wire}). */
public sealed interface Query permits Query.Get, Query.Children, Query.Events {
    /** A node's data and {@link Stat}. */
    record Get(String path) implements Query {
    }

    /** A node's children's names, in order. */
    record Children(String path) implements Query {
    }

    /**
     * Up to {@code max} watch events with a revision above {@code afterRevision}, on {@code path} or below it. If
     * events after {@code afterRevision} were compacted away the answer says so.
     */
    record Events(long afterRevision, String path, int max) implements Query {
    }
}
