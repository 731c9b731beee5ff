package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.LocalNetwork;
import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A watch resumed from a revision whose events were compacted away is told so explicitly ({@code onCompacted}),
 * then receives the events that followed, in order; a single-member cluster keeping only 4 events.
 */
class WatchCompactionTest {
    private final RaftNode node = RaftNode.start(RaftConfig.of(1, 1, Map.of(1L, "node-1"))
                    .withTiming(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(20)),
            new InMemoryLogStore(), new LocalNetwork().transport(1), new CoordinationStateMachine(4));
    private final TimeKeeper time = TimeKeeper.start(node, Duration.ofMillis(50));

    @AfterEach
    void close() {
        time.close();
        node.close();
    }

    @Test
    void aResumedWatchReportsCompactionExplicitlyThenDeliversInOrder() throws Exception {
        CoordinationClient client = CoordinationClient.connect(List.of(node),
                CoordinationClient.Options.withTtl(Duration.ofSeconds(5)));
        client.ensurePath("/w");
        long start = client.revision();
        for (int i = 0; i < 10; i++) {
            client.submit(new Op.SetData("/w", Payload.ofUtf8("" + i), Op.ANY_VERSION));
        }
        List<Long> compacted = new CopyOnWriteArrayList<>();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (AutoCloseable watch = client.watch("/w", start, new WatchListener() {
            @Override
            public void onEvent(WatchEvent event) {
                events.add(event);
            }

            @Override
            public void onCompacted(long revision) {
                compacted.add(revision);
            }
        })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !compacted.isEmpty());
            assertThat(events).as("nothing delivered from the compacted range").isEmpty();
            long last = client.submit(new Op.SetData("/w", Payload.ofUtf8("after"), Op.ANY_VERSION)).revision();
            await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
            assertThat(compacted).hasSize(1);
            assertThat(compacted.get(0)).isLessThan(last);
            assertThat(events).containsExactly(new WatchEvent(last, WatchEvent.Type.CHANGED, "/w"));
        }
        client.close();
    }
}
