package io.flotilla.raft.node;

import io.flotilla.raft.message.Message;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process network for tests and examples: each node gets a {@link Transport} from {@link #transport}, and
 * messages are handed directly to the receiving node (which queues them on its event loop). Nodes can be cut off
 * and reconnected to simulate partitions. Thread-safe.
 */
public final class LocalNetwork {
    private final Map<Long, Consumer<Message>> receivers = new ConcurrentHashMap<>();
    private final Set<Long> isolated = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();

    /** The transport of node {@code nodeId}; a later call for the same id replaces it (a restarted node). */
    public Transport transport(long nodeId) {
        return new Transport() {
            private volatile boolean open = true;

            @Override
            public void start(Consumer<Message> receiver) {
                receivers.put(nodeId, m -> {
                    if (open) {
                        receiver.accept(m);
                    }
                });
            }

            @Override
            public void send(Message m) {
                Consumer<Message> to = receivers.get(m.to());
                if (!open || to == null || isolated.contains(m.from()) || isolated.contains(m.to())) {
                    dropped.incrementAndGet();
                    return;
                }
                to.accept(m);
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    /** Cuts node {@code nodeId} off: its messages in and out are dropped. */
    public void isolate(long nodeId) {
        isolated.add(nodeId);
    }

    /** Reconnects a node cut off by {@link #isolate}. */
    public void reconnect(long nodeId) {
        isolated.remove(nodeId);
    }

    /** How many messages were dropped (to isolated, closed or unknown nodes). */
    public long droppedMessages() {
        return dropped.get();
    }
}
