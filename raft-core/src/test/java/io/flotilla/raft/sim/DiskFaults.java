package io.flotilla.raft.sim;

import java.util.random.RandomGenerator;

/**
 * The disk faults a {@link SimLogStore} injects, each a probability per operation. Drawn from a schedule's seed
 * ({@link #draw}), so a seed replays its faults exactly.
 *
 * <ul>
 *   <li>{@code failedSync}: an fsync fails with EIO. As on Linux (PostgreSQL's "fsyncgate"), the kernel may have
 *       dropped the dirty pages it could not write: part of what was written since the last sync is gone from the
 *       disk although the process still sees it, and a later fsync reports success. Not retryable: the node must
 *       stop.</li>
 *   <li>{@code ioError}: a write fails with EIO; part of it may have reached the disk (a torn, unsynced record).</li>
 *   <li>{@code diskFull}: a write fails with ENOSPC, and every write after it too until space is freed.</li>
 *   <li>{@code tornWrite}: at a crash, the first unsynced record lost is left half written (its checksum does not
 *       match), and later unsynced records may have reached the disk after it. The store must find it on restart
 *       and drop it and everything after it.</li>
 *   <li>{@code lyingSync}: an fsync reports success without making anything durable (a disk cache that ignores
 *       flushes). This breaks the model every Raft rests on — a voter may forget an acknowledged entry or vote — so
 *       it is off unless a test asks for it ({@link #withLyingSync}).</li>
 * </ul>
 *
 * <p>Immutable; the simulator's thread only.
 */
public record DiskFaults(double failedSync, double ioError, double diskFull, double tornWrite, double lyingSync) {
    /** No faults: the store keeps exactly what {@link io.flotilla.raft.log.LogStore} promises. */
    public static final DiskFaults NONE = new DiskFaults(0, 0, 0, 0, 0);

    public DiskFaults {
        for (double p : new double[] {failedSync, ioError, diskFull, tornWrite, lyingSync}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("a fault probability must be in [0, 1], not " + p);
            }
        }
    }

    /**
     * The faults of one schedule: in half the schedules none; in the others rare failed syncs, I/O errors and full
     * disks (so that a node fails a few times per schedule, not on every write) and frequent torn tails. Never a
     * lying sync.
     *
     * @param rnd the schedule's generator; this draws from it exactly six times
     */
    public static DiskFaults draw(RandomGenerator rnd) {
        boolean on = rnd.nextBoolean();
        double failedSync = rnd.nextDouble() * 0.004;
        double ioError = rnd.nextDouble() * 0.002;
        double diskFull = rnd.nextDouble() * 0.001;
        double tornWrite = rnd.nextDouble() * 0.8;
        rnd.nextDouble(); // reserved, so that adding a fault kind does not shift the draws after it
        return on ? new DiskFaults(failedSync, ioError, diskFull, tornWrite, 0) : NONE;
    }

    /** A copy whose fsyncs lie with probability {@code p} (test-only: breaks Raft's durability assumption). */
    public DiskFaults withLyingSync(double p) {
        return new DiskFaults(failedSync, ioError, diskFull, tornWrite, p);
    }

    /** Whether any fault may fire. */
    public boolean any() {
        return failedSync > 0 || ioError > 0 || diskFull > 0 || tornWrite > 0 || lyingSync > 0;
    }
}
