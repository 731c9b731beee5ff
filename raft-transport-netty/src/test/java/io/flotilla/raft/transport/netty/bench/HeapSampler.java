package io.flotilla.raft.transport.netty.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.JMException;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the JVM's heap in use ({@link MemoryMXBean#getHeapMemoryUsage()}) at a fixed rate on a thread of its own,
 * into arrays of a fixed capacity (sampling stops when they are full), so that a benchmark can report the peak over
 * any stretch of time it marked with {@link System#nanoTime()}. "In use" counts garbage not yet collected, so a peak
 * is an upper bound of what was live. It also records the heap in use right after each collection (from the JVM's GC
 * notifications), which is closer to what was live then, though it still counts old-generation garbage that a young
 * collection does not reclaim; {@link #usedAfterGc()} gives the live heap at quiet moments.
 */
final class HeapSampler implements AutoCloseable {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());

    private final long[] at;
    private final long[] used;
    private volatile int count;
    private final long[] gcAt;
    private final long[] afterGc;
    private int gcCount; // guarded by this: notifications arrive on a JMX thread
    private final NotificationListener onGc = this::onGc;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "heap-sampler");
        t.setDaemon(true);
        return t;
    });

    /** Starts sampling every {@code period}, keeping at most {@code capacity} samples. */
    HeapSampler(Duration period, int capacity) {
        this.at = new long[capacity];
        this.used = new long[capacity];
        this.gcAt = new long[capacity];
        this.afterGc = new long[capacity];
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(onGc, null, null);
        }
        timer.scheduleAtFixedRate(this::sample, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void sample() {
        int n = count;
        if (n < at.length) {
            at[n] = System.nanoTime();
            used[n] = MEMORY.getHeapMemoryUsage().getUsed();
            count = n + 1; // volatile write publishes the sample
        }
    }

    private synchronized void onGc(Notification n, Object handback) {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)
                || gcCount == gcAt.length) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long after = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                .filter(e -> HEAP_POOLS.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
        gcAt[gcCount] = System.nanoTime(); // when the notification arrived, shortly after the collection ended
        afterGc[gcCount] = after;
        gcCount++;
    }

    /**
     * The highest heap in use right after a collection that ended in [{@code fromNanos}, {@code toNanos}], or -1 if
     * none did.
     */
    synchronized long peakAfterGc(long fromNanos, long toNanos) {
        long peak = -1;
        for (int i = 0; i < gcCount; i++) {
            if (gcAt[i] - fromNanos >= 0 && toNanos - gcAt[i] >= 0) {
                peak = Math.max(peak, afterGc[i]);
            }
        }
        return peak;
    }

    /** The number of collections that ended in [{@code fromNanos}, {@code toNanos}]. */
    synchronized int collections(long fromNanos, long toNanos) {
        int c = 0;
        for (int i = 0; i < gcCount; i++) {
            if (gcAt[i] - fromNanos >= 0 && toNanos - gcAt[i] >= 0) {
                c++;
            }
        }
        return c;
    }

    /** The highest heap in use sampled in [{@code fromNanos}, {@code toNanos}], or -1 if no sample fell there. */
    long peak(long fromNanos, long toNanos) {
        long peak = -1;
        for (int i = 0, n = count; i < n; i++) {
            if (at[i] - fromNanos >= 0 && toNanos - at[i] >= 0) {
                peak = Math.max(peak, used[i]);
            }
        }
        return peak;
    }

    /** The number of samples taken in [{@code fromNanos}, {@code toNanos}]. */
    int samples(long fromNanos, long toNanos) {
        int s = 0;
        for (int i = 0, n = count; i < n; i++) {
            if (at[i] - fromNanos >= 0 && toNanos - at[i] >= 0) {
                s++;
            }
        }
        return s;
    }

    /** Whether sampling stopped because the arrays filled up. */
    boolean full() {
        return count == at.length;
    }

    /**
     * Heap in use after a full collection: {@link System#gc()} twice (the second collects what the first made
     * unreachable, such as finalizable objects), then one reading. A best effort: the JVM may ignore the request
     * ({@code -XX:+DisableExplicitGC}).
     */
    static long usedAfterGc() {
        System.gc();
        System.gc();
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    /** The first {@code lines} lines of the JVM's class histogram of live objects (it runs a full GC). */
    static String classHistogram(int lines) throws JMException {
        String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[]{null}, new String[]{String[].class.getName()});
        return h.lines().limit(lines).collect(Collectors.joining(System.lineSeparator()));
    }

    /** The heap's maximum size ({@code -Xmx}). */
    static long maxHeap() {
        return MEMORY.getHeapMemoryUsage().getMax();
    }

    /** Collections so far, over every collector. */
    static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    @Override
    public void close() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(onGc);
            } catch (ListenerNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the heap sampler did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the heap sampler", e);
        }
    }
}
