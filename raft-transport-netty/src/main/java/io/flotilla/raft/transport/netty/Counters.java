package io.flotilla.raft.transport.netty;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link TransportStats}; incremented from the event loops and the node's thread. */
final class Counters {
    final LongAdder messagesSent = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder droppedQueueFull = new LongAdder();
    final LongAdder droppedUnknownDestination = new LongAdder();
    final LongAdder droppedTooLarge = new LongAdder();
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder handshakesRefused = new LongAdder();
    final LongAdder unknownNodes = new LongAdder();
    final LongAdder spoofedMessages = new LongAdder();
    final LongAdder misaddressedMessages = new LongAdder();
    final LongAdder malformedFrames = new LongAdder();
    final LongAdder oversizedFrames = new LongAdder();
    final LongAdder tlsHandshakeFailures = new LongAdder();

    TransportStats snapshot() {
        return new TransportStats(messagesSent.sum(), flushes.sum(), messagesReceived.sum(), droppedQueueFull.sum(),
                droppedUnknownDestination.sum(), droppedTooLarge.sum(), connectionsOpened.sum(),
                connectFailures.sum(), connectionsAccepted.sum(), handshakesRefused.sum(), unknownNodes.sum(),
                spoofedMessages.sum(), misaddressedMessages.sum(), malformedFrames.sum(), oversizedFrames.sum(),
                tlsHandshakeFailures.sum());
    }
}
