package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show (issue 9): a queue whose items are each acknowledged exactly once across 10 workers while 2 of them are
 * killed mid-run, each holding a claimed, unacknowledged item that must be redelivered.
 */
class WorkQueueTest {
    private static final int ITEMS = 120;
    private static final int WORKERS = 10;
    private static final Duration TTL = Duration.ofMillis(800);

    @AutoClose
    private final LocalCoordinationCluster cluster =
            new LocalCoordinationCluster(3, TestCluster.ELECTION, TestCluster.TICK);

    @Test
    void everyItemIsAcknowledgedExactlyOnceWhileTwoOfTenWorkersAreKilled() throws Exception {
        CoordinationClient producer = CoordinationClient.connect(cluster.members(), CoordinationClient.Options.withTtl(TTL));
        WorkQueue queue = new WorkQueue(producer, "/jobs");
        List<Op> puts = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            puts.add(new Op.Create("/jobs/items/item-", Payload.ofUtf8("job " + i), false, true));
        }
        assertThat(producer.submit(puts).ok()).as("all items in one transaction").isTrue();
        List<String> items = queue.pending();
        assertThat(items).hasSize(ITEMS);

        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        Map<Integer, String> abandoned = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<Integer>> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < WORKERS; w++) {
            int id = w;
            workers.add(pool.submit(() -> {
                CoordinationClient client = CoordinationClient.connect(cluster.members(),
                        CoordinationClient.Options.withTtl(TTL));
                WorkQueue q = new WorkQueue(client, "/jobs");
                int mine = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (System.nanoTime() - end < 0) {
                    Optional<WorkQueue.Claim> claim = q.claim(Duration.ofMillis(300));
                    if (claim.isEmpty()) {
                        if (q.pending().isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    processed.computeIfAbsent(claim.get().item(), k -> new AtomicInteger()).incrementAndGet();
                    if (id < 2 && mine == 3) {
                        abandoned.put(id, claim.get().item());      // killed after the work, before the ack
                        client.crash();
                        return mine;
                    }
                    if (q.ack(claim.get(), Payload.ofUtf8("worker-" + id))) {
                        acked.add(claim.get().item());
                        mine++;
                    }
                }
                client.close();
                return mine;
            }));
        }
        int total = 0;
        List<Integer> perWorker = new ArrayList<>();
        for (Future<Integer> f : workers) {
            int n = f.get(60, TimeUnit.SECONDS);
            perWorker.add(n);
            total += n;
        }
        pool.shutdown();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        List<String> done = queue.done();
        System.out.printf("WorkQueueTest: %d items, acks per worker %s, abandoned %s, %d ms%n",
                ITEMS, perWorker, abandoned, tookMs);
        assertThat(abandoned).as("both killed workers died holding a claim").hasSize(2);
        assertThat(total).as("successful acks").isEqualTo(ITEMS);
        assertThat(new ArrayList<>(acked)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(items);
        assertThat(done).as("the acknowledgement record in the state machine").containsExactlyElementsOf(items);
        assertThat(queue.pending()).isEmpty();
        assertThat(producer.children("/jobs/claims")).isEmpty();
        for (String item : abandoned.values()) {
            assertThat(processed.get(item).get()).as("%s was redelivered after its worker died", item).isEqualTo(2);
            assertThat(acked).contains(item);
        }
        abandoned.forEach((worker, item) -> assertThat(producer.get("/jobs/done/" + item).data().toStringUtf8())
                .as("acknowledged by another worker").isNotEqualTo("worker-" + worker).startsWith("worker-"));
        producer.close();
    }
}
