/**
 * A replicated key-value server speaking the Redis protocol (RESP2): {@link io.flotilla.raft.examples.kv.KvServer}
 * runs one node, {@link io.flotilla.raft.examples.kv.KvDemo} a three-process cluster on one machine. The replicated
 * state is {@link io.flotilla.raft.examples.kv.KvStore}; commands travel as {@link io.flotilla.raft.examples.kv.Command}s
 * and answers as {@link io.flotilla.raft.examples.kv.Reply}s. See docs/kv-server.md.
 */
package io.flotilla.raft.examples.kv;
