package io.flotilla.raft.examples.verification;

import io.flotilla.raft.examples.kv.KvServerConfig;
import io.flotilla.raft.linearizability.CheckResult;
import io.flotilla.raft.linearizability.KvModel;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Evidence that the harness can fail: against servers started with the test-only
 * {@code --unsafe-local-reads} switch (reads from local state, no ReadIndex), a deterministic fault — the leader
 * isolated while a client keeps reading from it and another writes through the new majority — must make the checker
 * report the history NOT linearizable. The same scenario on normal servers must pass: the isolated node refuses the
 * read ({@code TRYAGAIN}) instead of answering stale.
 */
class UnsafeLocalReadsTest {
    private static final int ATTEMPTS = 3;

    @Test
    void theCheckerCatchesStaleReadsFromAnIsolatedOldLeader() throws Exception {
        StringBuilder reports = new StringBuilder();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (JepsenRun run = JepsenRun.start("unsafe-local-reads", attempt, 3,
                    List.of("--unsafe-local-reads=" + KvServerConfig.UNSAFE_LOCAL_READS_CONFIRMATION))) {
                CheckResult result = isolateTheLeaderAndReadFromIt(run);
                if (result.outcome() == CheckResult.Outcome.ILLEGAL) {
                    assertThat(result.report()).contains("not linearizable").contains("key \"r0\"");
                    return;
                }
                reports.append("attempt ").append(attempt).append(": ").append(run.report()).append('\n');
            }
        }
        fail("the checker did not catch the stale reads in " + ATTEMPTS + " attempts:\n" + reports);
    }

    @Test
    void theSameScenarioOnNormalServersIsLinearizable() throws Exception {
        try (JepsenRun run = JepsenRun.start("isolated-leader-control", 1, 3, List.of())) {
            CheckResult result = isolateTheLeaderAndReadFromIt(run);
            assertThat(result.outcome()).as(run.report()).isEqualTo(CheckResult.Outcome.OK);
            assertThat(run.history().failedCount()).as("the isolated node refuses the read").isPositive();
        }
    }

    /**
     * Writes {@code r0} through the leader, cuts the leader off, writes {@code r0} again through the new leader of
     * the majority, then reads {@code r0} from the old leader; returns the checker's verdict on that history.
     */
    private static CheckResult isolateTheLeaderAndReadFromIt(JepsenRun run) throws Exception {
        History history = run.history();
        int old = run.cluster().awaitLeader(Duration.ofSeconds(60));
        int other = old == 1 ? 2 : 1;
        int timeout = (int) Workload.CLIENT_TIMEOUT.toMillis();
        try (Jedis toOld = new Jedis("127.0.0.1", run.cluster().clientPort(old), timeout);
             Jedis toOther = new Jedis("127.0.0.1", run.cluster().clientPort(other), timeout)) {
            assertThat(Workload.perform(history, 1, toOld, new KvModel.Put("r0", "before")))
                    .isEqualTo(Workload.Outcome.OK);
            assertThat(Workload.perform(history, 1, toOld, new KvModel.Get("r0"))).isEqualTo(Workload.Outcome.OK);
            run.network().isolate(old, 3, false);
            history.event("isolated the leader, node " + old);
            long[] client = {2};
            await("a write through the majority is acknowledged").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        Workload.Outcome o = Workload.perform(history, client[0],
                                toOther, new KvModel.Put("r0", "after-" + client[0]));
                        client[0]++;
                        return o == Workload.Outcome.OK;
                    });
            Workload.perform(history, 1000, toOld, new KvModel.Get("r0"));
        }
        run.network().heal();
        history.event("healed");
        return run.verify(Duration.ofSeconds(30));
    }
}
