package io.flotilla.raft.transport.netty;

/**
 * A snapshot of a {@link NettyTransport}'s counters, all monotonic since the transport was built. Taken by
 * {@link NettyTransport#stats()} from any thread; the fields are read one by one, so a snapshot taken while traffic
 * flows is not an atomic cut across them.
 *
 * @param messagesSent              messages written to a peer's connection
 * @param flushes                   socket flushes; {@code messagesSent / flushes} is the average write batch
 * @param messagesReceived          messages decoded, checked and handed to the node
 * @param droppedQueueFull          messages dropped because the peer's outbound queue was full (peer slow or down)
 * @param droppedUnknownDestination messages dropped because their {@code to} is not a peer (not configured, not a
 *                                  member, or removed while the message was on its way)
 * @param droppedTooLarge           messages dropped because their encoding exceeds {@code maxFrameBytes}
 * @param connectionsOpened         outbound connections that became ready (TCP, then TLS if on, then our handshake)
 * @param connectFailures           outbound connection attempts that failed before becoming ready
 * @param connectionsAccepted       inbound TCP connections accepted
 * @param handshakesRefused         inbound connections refused for a bad handshake: wrong magic, protocol version or
 *                                  cluster id, malformed, or none within the handshake timeout
 * @param unknownNodes              inbound connections refused because the handshake named a node id that cannot be
 *                                  a peer: this node's own, or one {@code <= 0}. (Any other id is accepted, configured
 *                                  or not, so that members added at run time can connect.)
 * @param spoofedMessages           messages dropped because their {@code from} is not the node id of the handshake
 * @param misaddressedMessages      messages dropped because their {@code to} is not this node
 * @param malformedFrames           connections closed for a frame that is not a valid message
 * @param oversizedFrames           connections closed for a frame longer than {@code maxFrameBytes}
 * @param tlsHandshakeFailures      connections, in or out, closed because the TLS handshake failed (untrusted or
 *                                  missing certificate, plaintext on a TLS port, timeout)
 */
public record TransportStats(long messagesSent, long flushes, long messagesReceived, long droppedQueueFull,
                             long droppedUnknownDestination, long droppedTooLarge, long connectionsOpened,
                             long connectFailures, long connectionsAccepted, long handshakesRefused, long unknownNodes,
                             long spoofedMessages, long misaddressedMessages, long malformedFrames,
                             long oversizedFrames, long tlsHandshakeFailures) {
}
