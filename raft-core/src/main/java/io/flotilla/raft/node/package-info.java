/**
 * The node runtime and host API: {@link io.flotilla.raft.node.RaftNode} drives the pure core on an event loop,
 * persists through a {@link io.flotilla.raft.log.LogStore}, talks through a {@link io.flotilla.raft.node.Transport}
 * and applies committed commands to the host's {@link io.flotilla.raft.node.StateMachine}.
 */
package io.flotilla.raft.node;
