package io.flotilla.raft.node;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a gate that makes the threads passing it hang, to inject a stall (a hung disk, a stuck apply).
 * After {@link #stall()}, {@link #pass()} blocks until {@link #release()}, or at most {@link #MAX_STALL} so that a
 * failed test cannot leave a thread hanging.
 */
final class StallGate {
    static final java.time.Duration MAX_STALL = java.time.Duration.ofSeconds(60);

    private volatile CountDownLatch gate;
    private volatile CountDownLatch blocked = new CountDownLatch(1);
    private volatile long blockedAtNanos;

    /** From now on, {@link #pass()} blocks until {@link #release()}. */
    void stall() {
        blocked = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /** Lets blocked and later passes through. */
    void release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until a thread has blocked since the last {@link #stall()}. */
    boolean awaitBlocked(java.time.Duration timeout) throws InterruptedException {
        return blocked.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link System#nanoTime()} when the first thread blocked since the last {@link #stall()}. */
    long blockedAtNanos() {
        return blockedAtNanos;
    }

    /** Passes at once unless stalled; then blocks until released. */
    void pass() {
        CountDownLatch g = gate;
        if (g == null) {
            return;
        }
        if (blocked.getCount() > 0) {
            blockedAtNanos = System.nanoTime();
            blocked.countDown();
        }
        try {
            g.await(MAX_STALL.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
