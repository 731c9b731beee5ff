package io.flotilla.raft.transport.netty.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts deliveries (incremented on Netty event loops) and unparks the sender thread once the count reaches the
 * mark it waits for, so that a full window reopens without waiting out a whole park step.
 *
 * <p>No wake-up is lost: the sender publishes its mark before it re-checks the count and parks, and an increment
 * that reaches the mark after that check unparks it (the permit makes the next park return at once).
 */
final class Delivered {
    private final AtomicLong count = new AtomicLong();
    private volatile long wakeAt = Long.MAX_VALUE;
    private volatile Thread waiter;

    void increment() {
        if (count.incrementAndGet() >= wakeAt) {
            Thread t = waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    long get() {
        return count.get();
    }

    /** The calling thread asks to be unparked when the count reaches {@code mark}; until {@link #clearWake}. */
    void wakeAt(long mark) {
        waiter = Thread.currentThread();
        wakeAt = mark;
    }

    void clearWake() {
        wakeAt = Long.MAX_VALUE;
    }
}
