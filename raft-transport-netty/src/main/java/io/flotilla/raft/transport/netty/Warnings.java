package io.flotilla.raft.transport.netty;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A warning log that a misbehaving or hostile peer cannot flood: at most one WARN line per interval, the rest at
 * DEBUG and counted in the next WARN line. Thread-safe. (Every event is counted in {@link TransportStats} anyway.)
 */
final class Warnings {
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Logger log;
    private final AtomicLong nextWarnAt = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    Warnings(Logger log) {
        this.log = log;
    }

    void warn(String format, Object... args) {
        long now = System.nanoTime();
        long next = nextWarnAt.get();
        if (now - next >= 0 && nextWarnAt.compareAndSet(next, now + INTERVAL_NANOS)) {
            log.warn(format, args);
            long n = suppressed.getAndSet(0);
            if (n > 0) {
                log.warn("{} similar warnings were logged at DEBUG only in the last second or more", n);
            }
        } else {
            suppressed.incrementAndGet();
            log.debug(format, args);
        }
    }
}
