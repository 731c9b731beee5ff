package io.flotilla.raft.transport.netty.bench;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a {@link Link} from the calling thread: sends as fast as the link takes messages while at most
 * {@code size} are outstanding (sent, neither delivered nor dropped). With the window full the sender parks, in
 * steps of at most {@value #PARK_STEP_NANOS} ns and woken early by {@link Delivered}, until half of it is free: a
 * low-water mark, so that the window refills in a burst rather than one message per wake-up. With {@code size} 1
 * it is a ping-pong: send, wait for the delivery, send again. Every wait has a deadline.
 */
final class Window {
    private static final long PARK_STEP_NANOS = 100_000;

    private final Link link;
    private final int size;
    private long sent;
    /** The link's drop count when last read; drops only grow, so a stale value only makes the window look fuller. */
    private long dropped;

    Window(Link link, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("window must be >= 1, was " + size);
        }
        this.link = link;
        this.size = size;
    }

    /** Sends for {@code duration}, continuing from any earlier run; returns what was delivered meanwhile. */
    Sample run(Duration duration) {
        long delivered0 = link.delivered().get();
        long dropped0 = link.dropped();
        long flushes0 = link.flushes();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            if (sent - link.delivered().get() - dropped < size) {
                link.send();
                sent++;
            } else {
                awaitOutstandingAtMost(size / 2, end);
            }
        }
        long nanos = System.nanoTime() - start;
        return new Sample(link.delivered().get() - delivered0, link.dropped() - dropped0,
                link.flushes() - flushes0, nanos);
    }

    /** Waits until every message sent was delivered or dropped; false if {@code timeout} passes first. */
    boolean drain(Duration timeout) {
        return awaitOutstandingAtMost(0, System.nanoTime() + timeout.toNanos());
    }

    private boolean awaitOutstandingAtMost(long n, long deadline) {
        Delivered delivered = link.delivered();
        delivered.wakeAt(sent - dropped - n);
        try {
            while (sent - delivered.get() - (dropped = link.dropped()) > n) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                LockSupport.parkNanos(PARK_STEP_NANOS);
            }
            return true;
        } finally {
            delivered.clearWake();
        }
    }

    /** What one {@link #run} measured: deliveries, drops and sender flushes during {@code nanos}. */
    record Sample(long delivered, long dropped, long flushes, long nanos) {
        double perSecond() {
            return delivered * 1e9 / nanos;
        }

        double perFlush() {
            return flushes == 0 ? Double.NaN : (double) delivered / flushes;
        }
    }
}
