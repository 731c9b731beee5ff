package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.util.Objects;

/**
 * One operation on the namespace. A request carries one or more of them as a transaction: all apply, in order,
 * or none does. Paths are absolute, {@code /}-separated, without a trailing slash ({@code /} is the root).
 */
public sealed interface Op permits Op.Create, Op.SetData, Op.Delete, Op.Check {
    /** The path the operation names. */
    String path();

    /** Expected version meaning "any version". */
    long ANY_VERSION = -1;

    /**
     * Creates a node. An ephemeral node belongs to the calling session and is deleted when the session ends; a
     * sequential node gets a ten-digit suffix from its parent's counter, which only grows.
     *
     * <p>{@code lockDelayMillis} (ephemeral nodes only; 0 = none) makes the node a lock contender with a lock
     * delay: if its session <em>expires</em> while it is its parent's first child (the lock holder), the parent is
     * marked {@link Stat#lockDelayed()} for that many milliseconds of log time, and {@link DistributedLock} lets
     * nobody take the lock until the mark is gone. A normal release (delete, close) sets no delay.
     */
    record Create(String path, Payload data, boolean ephemeral, boolean sequential, long lockDelayMillis)
            implements Op {
        /** Validates. */
        public Create {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
            if (lockDelayMillis < 0) {
                throw new IllegalArgumentException("lockDelayMillis must be >= 0, was " + lockDelayMillis);
            }
            if (lockDelayMillis > 0 && !ephemeral) {
                throw new IllegalArgumentException("a lock delay needs an ephemeral node: " + path);
            }
        }

        /** A node without a lock delay. */
        public Create(String path, Payload data, boolean ephemeral, boolean sequential) {
            this(path, data, ephemeral, sequential, 0);
        }
    }

    /** Replaces a node's data if its version is {@code expectedVersion} (or {@link #ANY_VERSION}). */
    record SetData(String path, Payload data, long expectedVersion) implements Op {
        /** Validates. */
        public SetData {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * Deletes a childless node if its version is {@code expectedVersion} (or {@link #ANY_VERSION}); with {@code
     * mustOwn}, only if it is an ephemeral node of the calling session.
     */
    record Delete(String path, long expectedVersion, boolean mustOwn) implements Op {
        /** Validates. */
        public Delete {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Changes nothing; fails the transaction unless the node exists with {@code expectedVersion} (or any version)
     * and, with {@code mustOwn}, is an ephemeral node of the calling session.
     */
    record Check(String path, long expectedVersion, boolean mustOwn) implements Op {
        /** Validates. */
        public Check {
            Objects.requireNonNull(path, "path");
        }
    }
}
