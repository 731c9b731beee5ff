package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The leader's side of snapshot transfers (paper §7, Figure 13's chunked InstallSnapshot): for each follower the core
 * decided needs a snapshot, it streams the data in {@link SnapshotChunk}s read from the {@link SnapshotStore}, and
 * reports to the core how the transfer ended.
 *
 * <ul>
 *   <li>Flow control: at most {@code maxInflightChunks} unacknowledged chunks per transfer; the first chunk goes out
 *       alone, so a follower that already holds part of the snapshot can say where to resume before a window of
 *       chunks it does not need is sent. Memory: one chunk is read at a time; the window bounds what waits in the
 *       transport.</li>
 *   <li>Resumption: every {@link SnapshotChunkAck} names the offset the follower needs next; the sender goes on from
 *       there (forward after a reconnect, back after a lost chunk or after the follower lost its partial snapshot by
 *       restarting).</li>
 *   <li>Timeouts on lack of progress, not on a deadline: if no ack advances the follower's offset for half the
 *       transfer timeout, the window is resent from the acknowledged offset; after the whole timeout the transfer is
 *       abandoned and reported failed, and the core retries it at a later heartbeat (resuming at the follower's
 *       offset).</li>
 * </ul>
 * Confined to the node's event loop.
 */
final class SnapshotSender {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SnapshotSender.class);

    /** Reports the end of a transfer to the core: (follower, delivered). */
    interface Reporter {
        void report(long peer, boolean delivered);
    }

    private final SnapshotStore store;
    private final Consumer<Message> transport;
    private final Reporter reporter;
    private final int chunkBytes;
    private final int maxInflightChunks;
    private final int timeoutTicks;
    private final Map<Long, Transfer> transfers = new HashMap<>();
    private long chunksSent;
    private long bytesSent;

    SnapshotSender(SnapshotStore store, Consumer<Message> transport, Reporter reporter, SnapshotPolicy policy,
                   int timeoutTicks) {
        this.store = store;
        this.transport = transport;
        this.reporter = reporter;
        this.chunkBytes = policy.chunkBytes();
        this.maxInflightChunks = policy.maxInflightChunks();
        this.timeoutTicks = timeoutTicks;
    }

    /** One outbound transfer. */
    private final class Transfer implements AutoCloseable {
        final InstallSnapshot request;
        final SnapshotMeta meta;
        /** The offset the follower has acknowledged needing next: everything before it arrived. */
        long acked;
        /** The offset of the next chunk to send. */
        long next;
        /** Whether the follower has answered at all (until then only the first chunk is out). */
        boolean answered;
        int ticksWithoutProgress;
        /** The acknowledged offset the window was last resent from on a duplicate ack (resend once per offset). */
        long resentFrom = -1;
        /** Positioned at {@code next}, or null (reopened when needed). */
        InputStream in;

        Transfer(InstallSnapshot request) {
            this.request = request;
            this.meta = request.meta();
        }

        /** Sends chunks up to the window's end (just the first one until the follower answers). */
        void fill() throws IOException {
            long window = answered ? (long) maxInflightChunks * chunkBytes : 1;
            boolean first = next == 0 && acked == 0;
            while ((first || next < meta.sizeBytes()) && next - acked < window) {
                first = false;
                if (in == null) {
                    in = store.open(meta, next);
                }
                int n = (int) Math.min(chunkBytes, meta.sizeBytes() - next);
                byte[] data = in.readNBytes(n);
                if (data.length != n) {
                    throw new IOException("snapshot " + meta.index() + " ended at " + (next + data.length)
                            + " of " + meta.sizeBytes() + " bytes");
                }
                CRC32C crc = new CRC32C();
                crc.update(data);
                transport.accept(new SnapshotChunk(request.groupId(), request.from(), request.to(), request.term(),
                        meta, next, Payload.copyOf(data), crc.getValue()));
                chunksSent++;
                bytesSent += n;
                next += n;
                if (!answered) {
                    break;
                }
            }
        }

        /** Goes on from {@code offset} (the follower's next needed byte). */
        void seek(long offset) {
            if (offset != next) {
                closeStream();
                next = offset;
            }
        }

        void closeStream() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    LOG.debug("closing snapshot stream", e);
                }
                in = null;
            }
        }

        @Override
        public void close() {
            closeStream();
        }
    }

    /** The core decided {@code request.to()} needs the snapshot: start (or restart) its transfer. */
    void start(InstallSnapshot request) {
        Transfer old = transfers.remove(request.to());
        if (old != null) {
            old.close(); // superseded: the core only asks again after the previous one ended
        }
        Transfer t = new Transfer(request);
        transfers.put(request.to(), t);
        LOG.info("sending snapshot {} (term {}, {} bytes) to node {}", request.meta().index(), request.meta().term(),
                request.meta().sizeBytes(), request.to());
        pump(t);
    }

    /** A follower's answer. */
    void onAck(SnapshotChunkAck ack) {
        Transfer t = transfers.get(ack.from());
        if (t == null || ack.snapshotIndex() != t.meta.index() || ack.snapshotTerm() != t.meta.term()) {
            return; // answers a transfer that ended or was superseded
        }
        switch (ack.status()) {
            case DONE -> finish(t, true);
            case REJECTED -> finish(t, false);
            case RECEIVING -> {
                long offset = Math.min(ack.nextOffset(), t.meta.sizeBytes());
                t.answered = true;
                if (offset > t.acked) {
                    t.acked = offset;
                    t.ticksWithoutProgress = 0;
                    if (t.next < offset) {
                        t.seek(offset); // the follower already holds more than we sent: resume after it
                    }
                } else if (offset < t.acked) {
                    // The follower holds less than it acknowledged: it lost its partial snapshot (it restarted) and
                    // started over. Go back to where it is now rather than wait for the transfer to time out.
                    t.acked = offset;
                    t.seek(offset);
                } else if (offset == t.acked && t.next > offset && offset < t.meta.sizeBytes()
                        && t.next - offset >= (long) maxInflightChunks * chunkBytes && t.resentFrom != offset) {
                    // A full window out and the follower still needs this offset: it was lost. Resend once; the
                    // other duplicate answers to that window say the same thing, and the tick resends if needed.
                    t.resentFrom = offset;
                    t.seek(offset);
                }
                pump(t);
            }
        }
    }

    /** One tick of the node's clock: resend stalled windows, abandon transfers that make no progress. */
    void tick() {
        for (Transfer t : transfers.values().toArray(new Transfer[0])) {
            t.ticksWithoutProgress++;
            if (t.ticksWithoutProgress >= timeoutTicks) {
                LOG.warn("snapshot {} to node {}: no progress for {} ticks at offset {} of {}; abandoning it",
                        t.meta.index(), t.request.to(), timeoutTicks, t.acked, t.meta.sizeBytes());
                finish(t, false);
            } else if (t.ticksWithoutProgress % Math.max(1, timeoutTicks / 2) == 0) {
                t.seek(t.acked); // resend the window: chunks or their acks were lost
                pump(t);
            }
        }
    }

    /** This node is no longer leader: drop every transfer (the new leader starts its own). */
    void abortAll() {
        transfers.values().forEach(Transfer::close);
        transfers.clear();
    }

    /** The number of transfers in progress. */
    int active() {
        return transfers.size();
    }

    long chunksSent() {
        return chunksSent;
    }

    long bytesSent() {
        return bytesSent;
    }

    private void pump(Transfer t) {
        try {
            t.fill();
        } catch (IOException | RuntimeException e) {
            LOG.warn("snapshot {} to node {}: cannot read the snapshot; abandoning the transfer", t.meta.index(),
                    t.request.to(), e);
            finish(t, false);
        }
    }

    private void finish(Transfer t, boolean delivered) {
        transfers.remove(t.request.to(), t);
        t.close();
        LOG.info("snapshot {} to node {}: {}", t.meta.index(), t.request.to(), delivered ? "delivered" : "failed");
        reporter.report(t.request.to(), delivered);
    }
}
