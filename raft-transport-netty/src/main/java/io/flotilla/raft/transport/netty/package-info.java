/**
 * The production transport: {@link io.flotilla.raft.transport.netty.NettyTransport}, length-prefixed protobuf
 * frames over TCP with Netty, a handshake per connection, bounded per-peer queues, reconnection with jittered
 * back-off, optional mutual TLS, and counters ({@link io.flotilla.raft.transport.netty.TransportStats}). Configured
 * by {@link io.flotilla.raft.transport.netty.NettyTransportConfig}. No Netty or protobuf type appears in the public
 * API. See docs/transport.md.
 */
package io.flotilla.raft.transport.netty;
