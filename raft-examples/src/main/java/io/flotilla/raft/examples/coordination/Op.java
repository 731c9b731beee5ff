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
     */
    record Create(String path, Payload data, boolean ephemeral, boolean sequential) implements Op {
        /** Validates. */
        public Create {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
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
