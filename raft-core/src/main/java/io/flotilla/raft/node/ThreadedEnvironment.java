package io.flotilla.raft.node;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/** The production {@link NodeEnvironment}: one daemon thread per serial executor, one for timers. */
final class ThreadedEnvironment implements NodeEnvironment {
    private final List<ExecutorService> executors = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flotilla-timer"));

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public Executor newSerialExecutor(String name) {
        ExecutorService e = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        executors.add(e);
        return e;
    }

    @Override
    public AutoCloseable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = timers.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public AutoCloseable scheduleAtFixedRate(Duration period, Runnable task) {
        ScheduledFuture<?> f = timers.scheduleAtFixedRate(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public RandomGenerator random() {
        return new SplittableRandom();
    }

    @Override
    public void close() {
        timers.shutdownNow();
        executors.forEach(ExecutorService::shutdown);
    }
}
