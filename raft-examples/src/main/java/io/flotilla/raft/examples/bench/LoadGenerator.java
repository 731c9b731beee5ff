package io.flotilla.raft.examples.bench;

import io.flotilla.raft.log.Payload;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * Closed-loop clients: each of {@code C} clients has one command outstanding at a time and sends the next as soon as
 * the previous one is acknowledged (commit + apply on the leader). Clients are callbacks, not threads, so 128
 * clients cost no more threads than one. Latency is measured from the call to {@code propose} to the completion of
 * its future, into an HdrHistogram {@link Recorder}; only completions inside the measured window count.
 */
public final class LoadGenerator {
    /**
     * What a run measured, on the node where the clients ran.
     *
     * @param errors           proposals that failed, over the whole run (warm-up included)
     * @param lastAcknowledged per client, the sequence number of its last acknowledged command
     * @param cpuNanos         CPU time of this process during the measured window (all its threads)
     */
    public record Load(int clients, int valueBytes, double seconds, long completed, long errors, Histogram latency,
                       Map<Long, Long> lastAcknowledged, long cpuNanos) {
        /**
         * CPU time this process spent per completed command in the measured window, in microseconds: with the nodes
         * in one JVM, the whole cluster's and the clients' work per write; less sensitive to other load on a shared
         * machine than the wall-clock figures.
         */
        public double cpuMicrosPerWrite() {
            return completed == 0 ? 0 : cpuNanos / 1000.0 / completed;
        }

        /** Completed commands per second in the measured window. */
        public double throughput() {
            return completed / seconds;
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService RETRY =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-retry");
                t.setDaemon(true);
                return t;
            });

    private final Function<Payload, CompletableFuture<Payload>> propose;

    /** @param propose how a client proposes a command (to the leader's {@code RaftNode#propose}) */
    public LoadGenerator(Function<Payload, CompletableFuture<Payload>> propose) {
        this.propose = propose;
    }

    /**
     * Runs {@code clients} clients, numbered from {@code firstClientId}, for {@code warmup} then {@code duration}, stops them and waits for the commands
     * still in flight (up to 30 s).
     *
     * @throws IllegalStateException if commands are still in flight 30 s after the run
     */
    public Load run(long firstClientId, int clients, int valueBytes, Duration warmup, Duration duration)
            throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong errors = new AtomicLong();
        AtomicLongArray acked = new AtomicLongArray(clients);
        for (int i = 0; i < clients; i++) {
            acked.set(i, -1);
        }
        CountDownLatch idle = new CountDownLatch(clients);
        Client[] all = new Client[clients];
        for (int i = 0; i < clients; i++) {
            all[i] = new Client(firstClientId + i, i, valueBytes, recorder, errors, acked, idle);
        }
        for (Client c : all) {
            c.next();
        }
        parkFor(warmup);
        recorder.getIntervalHistogram(); // discards the warm-up
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        parkFor(duration);
        Histogram latency = recorder.getIntervalHistogram();
        long cpu = processCpuNanos() - cpuStart;
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Client c : all) {
            c.stopping = true;
        }
        if (!idle.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(idle.getCount() + " clients still have a command in flight 30 s after the run");
        }
        Map<Long, Long> last = new TreeMap<>();
        for (int i = 0; i < clients; i++) {
            if (acked.get(i) >= 0) {
                last.put(firstClientId + i, acked.get(i));
            }
        }
        return new Load(clients, valueBytes, seconds, latency.getTotalCount(), errors.get(), latency, last, cpu);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void parkFor(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }

    /** One closed-loop client. */
    private final class Client {
        private final long id;
        private final int slot;
        private final int size;
        private final Recorder recorder;
        private final AtomicLong errors;
        private final AtomicLongArray acked;
        private final CountDownLatch idle;
        private long sequence;
        volatile boolean stopping;

        Client(long id, int slot, int size, Recorder recorder, AtomicLong errors, AtomicLongArray acked,
               CountDownLatch idle) {
            this.id = id;
            this.slot = slot;
            this.size = size;
            this.recorder = recorder;
            this.errors = errors;
            this.acked = acked;
            this.idle = idle;
        }

        void next() {
            if (stopping) {
                idle.countDown();
                return;
            }
            long seq = sequence++;
            Payload command = Payload.copyOf(BenchStateMachine.command(id, seq, size, (byte) seq));
            long start = System.nanoTime();
            CompletableFuture<Payload> f;
            try {
                f = propose.apply(command);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((r, e) -> {
                if (e == null) {
                    recorder.recordValue(Math.min(System.nanoTime() - start, TimeUnit.SECONDS.toNanos(60)));
                    acked.set(slot, seq);
                    next();
                } else {
                    errors.incrementAndGet(); // and retry a little later, rather than spin on a failing node
                    RETRY.schedule(this::next, 10, TimeUnit.MILLISECONDS);
                }
            });
        }
    }
}
