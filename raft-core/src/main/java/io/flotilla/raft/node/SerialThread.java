package io.flotilla.raft.node;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * A serial executor on one daemon thread of its own: tasks run one at a time in submission order. Cheaper per task
 * than a single-thread {@code ThreadPoolExecutor}, whose {@code LinkedBlockingQueue} takes a lock and signals a
 * condition on every submission: here a submission is a lock-free enqueue, and it wakes the thread
 * ({@link LockSupport#unpark}) only if the thread is parked. The event loop and the apply thread hand each other
 * work many times per write, so this is on the hot path.
 *
 * <p>No lost wake-up: the thread announces {@code parked} before it checks the queue a last time, and a submitter
 * enqueues before it reads {@code parked} (both volatile), so either the thread sees the task or the submitter sees
 * the thread parked and unparks it (a permit given before {@code park} makes it return at once).
 *
 * <p>{@link #shutdown()} lets the queued tasks run, then the thread ends; later submissions are rejected with
 * {@link RejectedExecutionException}. A task that throws is reported to the thread's uncaught-exception handler and
 * the thread goes on with the next one.
 */
final class SerialThread implements Executor {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean parked;
    private volatile boolean shutdown;

    SerialThread(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException(thread.getName() + " is shut down");
        }
        tasks.add(task);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Runs what is queued, then ends the thread; rejects later submissions. */
    void shutdown() {
        shutdown = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        while (true) {
            Runnable task = tasks.poll();
            if (task == null) {
                if (shutdown && tasks.isEmpty()) {
                    return;
                }
                parked = true;
                if (tasks.isEmpty() && !shutdown) {
                    LockSupport.park(this);
                }
                parked = false;
                continue;
            }
            try {
                task.run();
            } catch (Throwable t) {
                Thread.UncaughtExceptionHandler h = thread.getUncaughtExceptionHandler();
                if (h != null) {
                    h.uncaughtException(thread, t);
                }
            }
        }
    }
}
