package io.flotilla.raft.transport.netty.bench;

/**
 * One way of carrying a fixed message from the benchmark's sender thread to a receiver, as {@link Window} drives it:
 * {@link NettyTransportLink} (the transport under test) or {@link RawNettyLink} (the baseline).
 */
interface Link extends AutoCloseable {
    /** Sends one message. Called only by the sender thread; must not block. */
    void send();

    /** What arrived: messages at the receiver (one way), or replies back at the sender (round trip). */
    Delivered delivered();

    /** Messages the link dropped and counted so far; they will never be delivered. Any thread. */
    long dropped();

    /** Flushes of the sender's socket so far; {@code messages / flushes} is the average write batch. */
    long flushes();

    @Override
    void close();
}
