/**
 * The production transport: length-prefixed protobuf frames over TCP with Netty (work in progress: see the
 * project's issue on the Netty transport). The framing it will use is verified by its tests.
 */
package io.flotilla.raft.transport.netty;
