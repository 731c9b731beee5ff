package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.core.Role;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.RaftNode;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Puts the leader's clock into the log: while its node leads, proposes a {@link Command.Tick} with the node's term
 * and its monotonic clock every {@code interval}. Run one on every member; only the leader's ticks are proposed.
 * Session expiry is decided from these entries only (see {@link CoordinationStateMachine}), so its resolution is
 * {@code interval}: a session expires between its TTL and its TTL plus one interval after its last keep-alive was
 * applied, while a leader is in office.
 *
 * <p>Threading: one daemon thread of its own; at most one tick in flight. {@link #close()} stops it.
 */
public final class TimeKeeper implements AutoCloseable {
    private final RaftNode node;
    private final LongSupplier clockMillis;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean inFlight = new AtomicBoolean();

    private TimeKeeper(RaftNode node, Duration interval, LongSupplier clockMillis) {
        this.node = node;
        this.clockMillis = clockMillis;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flotilla-timekeeper-" + node.id());
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Starts ticking for {@code node} every {@code interval} (at least 1 ms) from {@link System#nanoTime()}. */
    public static TimeKeeper start(RaftNode node, Duration interval) {
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be >= 1 ms, was " + interval);
        }
        return new TimeKeeper(node, interval, () -> System.nanoTime() / 1_000_000);
    }

    private void tick() {
        NodeStatus status = node.status();
        if (status.role() != Role.LEADER || !status.healthy() || !inFlight.compareAndSet(false, true)) {
            return;
        }
        node.propose(Wire.encode(new Command.Tick(status.term(), clockMillis.getAsLong())))
                .whenComplete((r, e) -> inFlight.set(false));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
