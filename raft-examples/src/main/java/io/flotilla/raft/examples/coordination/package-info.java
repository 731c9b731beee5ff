/**
 * Coordination recipes on Flotilla: a replicated hierarchical namespace with client sessions, ephemeral and
 * sequential nodes, compare-and-set, transactions and resumable watch streams ({@link
 * io.flotilla.raft.examples.coordination.CoordinationStateMachine}), a client that retries exactly once under its
 * session ({@link io.flotilla.raft.examples.coordination.CoordinationClient}), and recipes built on it: locks with
 * fencing tokens, leader election, an exactly-once work queue, a service registry and a barrier. See
 * {@code docs/recipes.md}.
 */
package io.flotilla.raft.examples.coordination;
