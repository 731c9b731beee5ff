/**
 * Where a node keeps its snapshots (Raft paper §7): {@link io.flotilla.raft.snapshot.SnapshotStore}, with a
 * directory-backed implementation for production and an in-memory one for tests. Runtime code: it does I/O and
 * is called from the node's threads, never from the pure core.
 */
package io.flotilla.raft.snapshot;
