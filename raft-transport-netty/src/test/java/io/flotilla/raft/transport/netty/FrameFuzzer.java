package io.flotilla.raft.transport.netty;

import io.flotilla.raft.codec.CodecException;
import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.ForwardProposal;
import io.flotilla.raft.message.ForwardProposalResponse;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.ReadIndexResponse;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.message.TimeoutNow;
import io.flotilla.raft.message.VoteResponse;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random and mutated frames for one fuzzing connection that claims to be node {@code claimed} and talks to node
 * {@code target}. Every frame is classified here with the same codec the transport uses, so the test knows
 * exactly what the transport must do with it:
 * <ul>
 *   <li>{@link #droppable}: decodes, but names another sender or another receiver: dropped, connection kept;
 *   <li>{@link #fatal}: does not decode (or is too long): the connection is closed;
 *   <li>never produced: a frame that decodes to a message from {@code claimed} to {@code target}. That would be a
 *       Byzantine peer, which Raft does not tolerate and which TLS keeps out; it is not the transport's job.
 * </ul>
 * Deterministic for a given {@link Random}.
 */
final class FrameFuzzer {
    private static final long[] IDS = {1, 2, 3, 4, 99, Long.MAX_VALUE};

    private final Random random;
    private final long claimed;
    private final long target;
    private final int maxFrameBytes;

    FrameFuzzer(Random random, long claimed, long target, int maxFrameBytes) {
        this.random = random;
        this.claimed = claimed;
        this.target = target;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** A frame body that decodes to a message the transport must drop (spoofed sender or wrong receiver). */
    byte[] droppable() {
        if (random.nextInt(3) == 0) {
            for (int attempt = 0; attempt < 20; attempt++) {
                byte[] mutant = mutate(MessageCodec.encode(message()));
                if (isDroppable(mutant)) {
                    return mutant;
                }
            }
        }
        return MessageCodec.encode(message());
    }

    /**
     * A whole frame (length prefix included) that the transport must refuse by closing the connection: random
     * bytes or a mutated message that does not decode, an empty frame, or a length above the limit.
     */
    byte[] fatal() {
        int kind = random.nextInt(20);
        if (kind == 0) {
            int length = maxFrameBytes + 1 + random.nextInt(Integer.MAX_VALUE - maxFrameBytes);
            return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            byte[] body = kind < 8 ? randomBytes(1 + random.nextInt(random.nextBoolean() ? 16 : 512))
                    : mutate(MessageCodec.encode(message()));
            if (isFatal(body)) {
                return RawPeer.frame(body);
            }
        }
        return RawPeer.frame(new byte[0]); // an envelope with no message
    }

    /** A handshake body from {@code claimed}, valid or (sometimes) mutated; see {@link #acceptedAs}. */
    byte[] handshake(String clusterId) {
        byte[] body = RawPeer.handshake(clusterId, claimed, Handshake.VERSION);
        if (random.nextInt(10) == 0) {
            int flips = 1 + random.nextInt(3);
            for (int i = 0; i < flips; i++) {
                body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
            }
        }
        return body;
    }

    /**
     * The node id under which the transport of node {@code target} accepts {@code body} as a handshake, or 0 if it
     * refuses it. Mirrors the transport's check: a mutation may turn node 2 into node 3 or into a node the
     * transport has never heard of, which is just as welcome; only ids that cannot be a peer are refused.
     */
    static long acceptedAs(byte[] body, String clusterId, long target) {
        try {
            Handshake h = Handshake.decode(Unpooled.wrappedBuffer(body));
            boolean ok = h.version() == Handshake.VERSION && h.clusterId().equals(clusterId)
                    && h.nodeId() > 0 && h.nodeId() != target;
            return ok ? h.nodeId() : 0;
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    private boolean isDroppable(byte[] body) {
        try {
            Message m = MessageCodec.decode(body);
            return m.from() != claimed || m.to() != target;
        } catch (CodecException e) {
            return false;
        }
    }

    private static boolean isFatal(byte[] body) {
        try {
            MessageCodec.decode(body);
            return false;
        } catch (CodecException e) {
            return true;
        }
    }

    /** A valid message that is not from {@code claimed} to {@code target}. */
    private Message message() {
        long from = IDS[random.nextInt(IDS.length)];
        long to = IDS[random.nextInt(IDS.length)];
        if (from == claimed && to == target) {
            to = 99;
        }
        long term = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextInt(1000);
        long index = random.nextInt(1000);
        SnapshotMeta meta = new SnapshotMeta(1 + index, Math.max(1, term), membership(),
                random.nextInt(4096), random.nextInt() & 0xFFFF_FFFFL);
        return switch (random.nextInt(12)) {
            case 0 -> new RequestVote(1, from, to, term, index, random.nextInt(100), false, random.nextBoolean());
            case 1 -> new VoteResponse(1, from, to, term, random.nextBoolean());
            case 2 -> {
                List<Entry> entries = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 1; i <= n; i++) {
                    entries.add(random.nextInt(4) == 0 ? Entry.config(index + i, Math.max(1, term), membership())
                            : new Entry(index + i, Math.max(1, term),
                                    random.nextBoolean() ? EntryType.COMMAND : EntryType.NOOP,
                                    Payload.copyOf(randomBytes(random.nextInt(64)))));
                }
                yield new AppendEntries(1, from, to, term, index, random.nextInt(100), entries, index,
                        random.nextInt(1000));
            }
            case 3 -> new AppendResponse(1, from, to, term, random.nextBoolean(), index, index, index, term,
                    random.nextInt(1000));
            case 4 -> new ReadIndexRequest(1, from, to, term, random.nextLong() & Long.MAX_VALUE);
            case 5 -> new ReadIndexResponse(1, from, to, term, random.nextInt(1000), random.nextBoolean(), index,
                    random.nextInt(4));
            case 6 -> new ForwardProposal(1, from, to, term, random.nextInt(1000),
                    List.of(Payload.copyOf(randomBytes(1 + random.nextInt(32)))));
            case 7 -> new ForwardProposalResponse(1, from, to, term, random.nextInt(1000),
                    ForwardProposalResponse.Outcome.NOT_LEADER, 0, 0, 0, random.nextInt(4));
            case 8 -> new InstallSnapshot(1, from, to, term, meta);
            case 9 -> {
                int offset = random.nextInt((int) meta.sizeBytes() + 1);
                byte[] data = randomBytes(random.nextInt(Math.min(64, (int) meta.sizeBytes() - offset) + 1));
                yield new SnapshotChunk(1, from, to, term, meta, offset, Payload.copyOf(data),
                        random.nextInt() & 0xFFFF_FFFFL);
            }
            case 10 -> new SnapshotChunkAck(1, from, to, term, meta.index(), meta.term(), random.nextInt(4096),
                    SnapshotChunkAck.Status.values()[random.nextInt(SnapshotChunkAck.Status.values().length)]);
            default -> new TimeoutNow(1, from, to, term);
        };
    }

    /** Three voters, sometimes with a learner and addresses (which give mutations text to damage). */
    private Membership membership() {
        return random.nextBoolean() ? Membership.ofVoters(List.of(1L, 2L, 3L))
                : new Membership(List.of(1L, 2L, 3L), List.of(4L), Map.of(1L, "10.0.0.1:7001", 4L, "node-4:7004"));
    }

    /** One to three of: flip a bit, overwrite a byte, truncate, insert random bytes, duplicate a slice. */
    private byte[] mutate(byte[] bytes) {
        byte[] b = bytes;
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            if (b.length == 0) {
                return randomBytes(1 + random.nextInt(8));
            }
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] insert = randomBytes(1 + random.nextInt(8));
                    byte[] out = new byte[b.length + insert.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(insert, 0, out, at, insert.length);
                    System.arraycopy(b, at, out, at + insert.length, b.length - at);
                    b = out;
                }
                default -> {
                    int len = Math.min(b.length - at, 1 + random.nextInt(16));
                    byte[] out = Arrays.copyOf(b, b.length + len);
                    System.arraycopy(b, at, out, b.length, len);
                    b = out;
                }
            }
        }
        return b;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
