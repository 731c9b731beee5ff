package io.flotilla.raft.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ThreadedEnvironmentTest {
    /**
     * Every request schedules a timeout and cancels it when it completes; a cancelled timeout must not stay queued
     * (holding its request's future) until its delay elapses, or heap use grows with request rate x timeout.
     */
    @Test
    void aCancelledTimerLeavesTheQueueAtOnce() throws Exception {
        ThreadedEnvironment env = new ThreadedEnvironment();
        try {
            List<AutoCloseable> timeouts = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                timeouts.add(env.schedule(Duration.ofHours(1), () -> { }));
            }
            assertThat(env.pendingTimers()).isEqualTo(10_000);
            for (AutoCloseable t : timeouts) {
                t.close();
            }
            assertThat(env.pendingTimers()).isZero();
        } finally {
            env.close();
        }
    }
}
