package io.flotilla.raft.node;

import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.snapshot.IncomingSnapshot;
import io.flotilla.raft.snapshot.SnapshotCorruptException;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The follower's side of snapshot transfers (paper, Figure 13, InstallSnapshot receiver rules 2–5): it writes the
 * chunks of a snapshot in order into the {@link SnapshotStore} ("create new snapshot file if first chunk", "write
 * data into snapshot file at given offset", "reply and wait for more data chunks if done is false", "save snapshot
 * file"), checks each chunk's checksum and the whole snapshot's, and only then hands the core an
 * {@link InstallSnapshot} to install (rules 6–8). Every chunk is answered with the offset the follower needs next, so
 * the leader resumes from there after a lost chunk or a reconnect; a partial snapshot is kept across transfers of the
 * same snapshot (and discarded when another one starts, or at restart).
 *
 * <p>Memory: one chunk at a time; data goes to the store as it arrives. Confined to the node's event loop.
 */
final class SnapshotReceiver {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SnapshotReceiver.class);

    /** What the receiver needs of the node: the core's term and commit index, and a way to step the core. */
    interface Node {
        long term();

        long commitIndex();

        void install(InstallSnapshot request);
    }

    private final long self;
    private final SnapshotStore store;
    private final Consumer<Message> transport;
    private final Node node;
    private IncomingSnapshot incoming;
    private long chunksReceived;
    private long chunksRejected;

    SnapshotReceiver(long self, SnapshotStore store, Consumer<Message> transport, Node node) {
        this.self = self;
        this.store = store;
        this.transport = transport;
        this.node = node;
    }

    void onChunk(SnapshotChunk c) {
        SnapshotMeta meta = c.meta();
        if (c.term() < node.term()) {
            answer(c, 0, SnapshotChunkAck.Status.REJECTED); // Figure 13, rule 1: a stale leader's snapshot
            return;
        }
        if (meta.index() <= node.commitIndex()) {
            discard();
            answer(c, meta.sizeBytes(), SnapshotChunkAck.Status.DONE); // we hold all of it already
            return;
        }
        try {
            if (incoming == null || !incoming.meta().sameDataAs(meta)) {
                discard();
                incoming = store.receive(meta); // rule 2: a new snapshot file
            }
            if (c.offset() != incoming.received()) {
                answer(c, incoming.received(), SnapshotChunkAck.Status.RECEIVING); // out of order or a duplicate
                return;
            }
            byte[] data = c.data().toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(data);
            if (crc.getValue() != c.checksum()) {
                chunksRejected++;
                LOG.warn("snapshot {} from node {}: chunk at {} fails its checksum; asking for it again", meta.index(),
                        c.from(), c.offset());
                answer(c, incoming.received(), SnapshotChunkAck.Status.RECEIVING);
                return;
            }
            incoming.write(data); // rule 3
            chunksReceived++;
            if (incoming.received() < meta.sizeBytes()) {
                answer(c, incoming.received(), SnapshotChunkAck.Status.RECEIVING); // rule 4
                return;
            }
            incoming.complete(); // rule 5: checked against size and checksum, durable
            incoming = null;
            node.install(new InstallSnapshot(c.groupId(), c.from(), self, c.term(), meta));
            answer(c, meta.sizeBytes(), SnapshotChunkAck.Status.DONE);
        } catch (SnapshotCorruptException e) {
            LOG.warn("snapshot {} from node {} is corrupt; refusing it (the leader retries from the start)",
                    meta.index(), c.from(), e);
            incoming = null;
            answer(c, 0, SnapshotChunkAck.Status.REJECTED);
        } catch (IOException | RuntimeException e) {
            LOG.warn("snapshot {} from node {}: cannot store it; refusing it", meta.index(), c.from(), e);
            discard();
            answer(c, 0, SnapshotChunkAck.Status.REJECTED);
        }
    }

    /** Drops the partial snapshot, if any. */
    void discard() {
        if (incoming != null) {
            incoming.close();
            incoming = null;
        }
    }

    long chunksReceived() {
        return chunksReceived;
    }

    long chunksRejected() {
        return chunksRejected;
    }

    private void answer(SnapshotChunk c, long nextOffset, SnapshotChunkAck.Status status) {
        transport.accept(new SnapshotChunkAck(c.groupId(), self, c.from(), Math.max(c.term(), node.term()),
                c.meta().index(), c.meta().term(), nextOffset, status));
    }
}
