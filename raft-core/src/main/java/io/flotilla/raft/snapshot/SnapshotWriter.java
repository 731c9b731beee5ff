package io.flotilla.raft.snapshot;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A point-in-time view of a state machine, captured on the apply thread, that writes itself out later on another
 * thread while applies go on. See {@link io.flotilla.raft.node.StateMachine#snapshot()}.
 */
@FunctionalInterface
public interface SnapshotWriter {
    /** Writes the captured state to {@code out} (do not close it). Called once, off the apply thread. */
    void writeTo(OutputStream out) throws IOException;

    /** Releases what the view holds (called once, after {@link #writeTo} or instead of it). */
    default void release() {
    }
}
