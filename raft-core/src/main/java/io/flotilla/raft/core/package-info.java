/**
 * The pure Raft core: {@link io.flotilla.raft.core.RaftCore} takes ticks, messages and proposals and returns
 * {@link io.flotilla.raft.core.Ready} batches of effects. No threads, clocks, I/O or unseeded randomness live
 * in this package (an architecture test keeps it that way).
 */
package io.flotilla.raft.core;
