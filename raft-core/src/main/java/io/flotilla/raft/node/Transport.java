package io.flotilla.raft.node;

import io.flotilla.raft.message.Message;

import java.util.function.Consumer;

/**
 * Moves {@link Message}s between the members of a Raft group. A transport sends messages; it is not an RPC per
 * message kind. Raft tolerates loss, duplication and reordering, so a transport may drop a message it cannot
 * deliver (full queue, peer down) rather than block or retry forever.
 *
 * <p>Threading: {@link #send} is called from the node's event loop and must never block it. The receiver given
 * to {@link #start} may be called from any thread (the node hands messages to its event loop itself).
 */
public interface Transport extends AutoCloseable {
    /** Starts delivering messages addressed to this node to {@code receiver}. Called once, by the node. */
    void start(Consumer<Message> receiver);

    /** Sends a message to {@code message.to()}, or drops it. Never blocks. */
    void send(Message message);

    /**
     * The group's membership changed (thesis chapter 4): {@code addresses} maps every member in effect now, voters
     * and learners, this node included, to the address the membership records for it, or to the empty string if it
     * records none (the voters a group was started with are known by id; a transport reaches them at the addresses
     * it was configured with). A transport that resolves peers from addresses should reach new members there and
     * stop sending to nodes no longer listed.
     *
     * <p>Called from the node's event loop, once before {@link #start} with the membership the node starts with, then
     * whenever the membership in effect changes (an entry appended, truncated or installed with a snapshot); must
     * not block, and must not throw for an address it cannot use. The default does nothing (for transports that
     * route by node id alone).
     */
    default void updatePeers(java.util.Map<Long, String> addresses) {
    }

    /** Stops sending and delivering. Called by the node when it closes. */
    @Override
    void close();
}
