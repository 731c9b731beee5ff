/**
 * The replicated log: entries, payloads, the hard state, and the {@link io.flotilla.raft.log.LogStore}
 * interface through which a node persists them, with an in-memory implementation.
 */
package io.flotilla.raft.log;
