package io.flotilla.raft.node;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * Where a {@link RaftNode} gets its threads, timers and randomness. Production uses {@link #threaded()}; the
 * simulator supplies virtual executors and a virtual clock, so whole nodes run deterministically from one seed
 * (FoundationDB's interface swapping).
 */
public interface NodeEnvironment extends AutoCloseable {
    /** An executor that runs its tasks one at a time, in submission order ("a thread"). */
    Executor newSerialExecutor(String name);

    /** Runs {@code task} once after {@code delay}; the returned handle cancels it. */
    AutoCloseable schedule(Duration delay, Runnable task);

    /** Runs {@code task} every {@code period}; the returned handle cancels it. */
    AutoCloseable scheduleAtFixedRate(Duration period, Runnable task);

    /** The environment's monotonic clock in nanoseconds, as {@link System#nanoTime()}; used to detect stalls. */
    default long nanoTime() {
        return System.nanoTime();
    }

    /** A source of randomness for the core's election timeouts. */
    RandomGenerator random();

    /**
     * The core configuration the node runs with, given the one derived from its {@link RaftConfig}. The default
     * returns it unchanged; the simulator's self-tests use this to break a rule on purpose
     * ({@link io.flotilla.raft.core.BrokenRule}) and show that their checks catch it.
     */
    default io.flotilla.raft.core.CoreConfig coreConfig(io.flotilla.raft.core.CoreConfig derived) {
        return derived;
    }

    /** Releases the environment's threads. */
    @Override
    void close();

    /** Real threads and the system clock. */
    static NodeEnvironment threaded() {
        return new ThreadedEnvironment();
    }
}
