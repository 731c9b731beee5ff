package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.IncomingSnapshot;
import io.flotilla.raft.snapshot.SnapshotStore;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link SnapshotStore} of a {@link NodeProcess} that reports what the node does with received snapshots
 * ({@code recv-start}, {@code recv-complete}, {@code installed} events) and can freeze the node at one point of
 * receiving one, so that a test kills the process exactly there:
 * <ul>
 *   <li>{@code recv:<fraction>}: before writing the chunk that would take the received data past that fraction of
 *       the snapshot (a partial {@code recv-} directory on disk);</li>
 *   <li>{@code complete}: after the whole snapshot was received, checked and made durable, before it is installed
 *       (a sealed {@code recv-} directory);</li>
 *   <li>{@code install}: after the store installed it (a new {@code snap-} directory, durable), before the node
 *       reset its log and restored its state machine from it.</li>
 * </ul>
 * Freezing blocks the caller — the node's event loop — after reporting {@code stalled <point>}; the process halts
 * by itself if it is not killed within a minute.
 */
final class ObservedSnapshotStore implements SnapshotStore {
    private static final long FREEZE_SECONDS = 60;

    private final SnapshotStore store;
    private final Consumer<String> events;
    private final String stallAt;

    /**
     * @param stallAt where to freeze ({@code recv:<fraction>}, {@code complete}, {@code install}), or empty for never
     */
    ObservedSnapshotStore(SnapshotStore store, Consumer<String> events, String stallAt) {
        this.store = store;
        this.events = events;
        this.stallAt = stallAt;
        if (!stallAt.isEmpty() && !stallAt.equals("complete") && !stallAt.equals("install")
                && !stallAt.startsWith("recv:")) {
            throw new IllegalArgumentException("unknown stall point " + stallAt);
        }
    }

    @Override
    public Optional<SnapshotMeta> latest() {
        return store.latest();
    }

    @Override
    public SnapshotMeta save(long index, long term, Membership membership, SnapshotWriter writer)
            throws IOException {
        return store.save(index, term, membership, writer);
    }

    @Override
    public InputStream open(SnapshotMeta meta, long offset) throws IOException {
        return store.open(meta, offset);
    }

    @Override
    public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
        IncomingSnapshot in = store.receive(meta);
        events.accept("recv-start " + meta.index() + " " + meta.sizeBytes());
        long stallBefore = stallAt.startsWith("recv:")
                ? (long) (Double.parseDouble(stallAt.substring("recv:".length())) * meta.sizeBytes()) : -1;
        return new IncomingSnapshot() {
            @Override
            public SnapshotMeta meta() {
                return in.meta();
            }

            @Override
            public long received() {
                return in.received();
            }

            @Override
            public void write(byte[] data) throws IOException {
                if (stallBefore >= 0 && in.received() + data.length > stallBefore) {
                    freeze(stallAt + " " + in.received() + " " + meta.sizeBytes());
                }
                in.write(data);
            }

            @Override
            public void complete() throws IOException {
                in.complete();
                events.accept("recv-complete " + meta.index());
                if (stallAt.equals("complete")) {
                    freeze("complete " + meta.index());
                }
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    @Override
    public void install(SnapshotMeta meta) throws IOException {
        store.install(meta);
        events.accept("installed " + meta.index());
        if (stallAt.equals("install")) {
            freeze("install " + meta.index());
        }
    }

    @Override
    public void discardReceived() {
        store.discardReceived();
    }

    @Override
    public void close() {
        store.close();
    }

    /** Blocks the calling thread until the test kills this process; halts it if that does not come. */
    private void freeze(String point) {
        events.accept("stalled " + point);
        try {
            new CountDownLatch(1).await(FREEZE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(70); // the test should have killed this process by now
    }
}
