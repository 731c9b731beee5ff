package io.flotilla.raft.codec;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.HardState;
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

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Random valid values for the codec tests, drawn from one seeded {@link Random} so a failing case
 * replays from its seed. Numbers favour the edges (0, 1, {@code Long.MAX_VALUE}) over the middle.
 */
final class Generators {
    /** The seed every codec test starts from; override with {@code -Dflotilla.codec.seed=N} to replay. */
    static final long SEED = Long.getLong("flotilla.codec.seed", 0x5EED_C0DECL);

    private final Random random;
    /** One generator per message kind, in a fixed order. */
    final Map<Class<? extends Message>, Supplier<Message>> messageKinds = new LinkedHashMap<>();

    Generators(Random random) {
        this.random = random;
        messageKinds.put(RequestVote.class, this::requestVote);
        messageKinds.put(VoteResponse.class, this::voteResponse);
        messageKinds.put(AppendEntries.class, this::appendEntries);
        messageKinds.put(AppendResponse.class, this::appendResponse);
        messageKinds.put(ReadIndexRequest.class, this::readIndexRequest);
        messageKinds.put(ReadIndexResponse.class, this::readIndexResponse);
        messageKinds.put(ForwardProposal.class, this::forwardProposal);
        messageKinds.put(ForwardProposalResponse.class, this::forwardProposalResponse);
        messageKinds.put(InstallSnapshot.class, this::installSnapshot);
        messageKinds.put(SnapshotChunk.class, this::snapshotChunk);
        messageKinds.put(SnapshotChunkAck.class, this::snapshotChunkAck);
        messageKinds.put(TimeoutNow.class, this::timeoutNow);
    }

    /** A description of the seed for assertion messages, with the command that replays it. */
    static String replay(String what) {
        return what + " (seed " + SEED + "; replay with -Dflotilla.codec.seed=" + SEED + ")";
    }

    long nonNegative() {
        return switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Long.MAX_VALUE;
            case 3, 4 -> random.nextInt(1000);
            default -> random.nextLong() & Long.MAX_VALUE;
        };
    }

    long positive() {
        return Math.max(1, nonNegative());
    }

    Payload payload() {
        int size = switch (random.nextInt(8)) {
            case 0, 1 -> 0;
            case 2 -> random.nextInt(4096);
            default -> 1 + random.nextInt(64);
        };
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return Payload.copyOf(bytes);
    }

    Entry entry(long index) {
        return switch (random.nextInt(5)) {
            case 0 -> Entry.noop(index, positive());
            case 1 -> Entry.config(index, positive(), membership());
            default -> new Entry(index, positive(), random.nextBoolean() ? EntryType.COMMAND : EntryType.NOOP,
                    payload());
        };
    }

    /**
     * A membership of one to five voters and up to three learners, ids small or at {@code Long.MAX_VALUE}, each
     * member with or without an address (ASCII, IPv6, non-ASCII, or long).
     */
    Membership membership() {
        List<Long> ids = new ArrayList<>();
        long id = 0;
        for (int n = 1 + random.nextInt(5) + random.nextInt(4); n > 0 && id < Long.MAX_VALUE; n--) {
            id = random.nextInt(12) == 0 ? Long.MAX_VALUE : id + 1 + random.nextInt(3);
            ids.add(id);
        }
        Collections.shuffle(ids, random);
        int voters = 1 + random.nextInt(Math.min(5, ids.size()));
        Map<Long, String> addresses = new TreeMap<>();
        for (long member : ids) {
            if (random.nextBoolean()) {
                addresses.put(member, address(member));
            }
        }
        return new Membership(ids.subList(0, voters), ids.subList(voters, ids.size()), addresses);
    }

    private String address(long id) {
        return switch (random.nextInt(5)) {
            case 0 -> "10.0.0." + (id % 256) + ":7000";
            case 1 -> "[2001:db8::" + Long.toHexString(id & 0xFFFF) + "]:7000";
            case 2 -> "nœud-" + id + ".grappe.example:7000";
            case 3 -> "n".repeat(1 + random.nextInt(300));
            default -> "node-" + id + ":" + random.nextInt(65536);
        };
    }

    Entry entry() {
        return entry(positive());
    }

    HardState hardState() {
        return new HardState(nonNegative(), nonNegative(), nonNegative());
    }

    Message message() {
        List<Supplier<Message>> kinds = new ArrayList<>(messageKinds.values());
        return kinds.get(random.nextInt(kinds.size())).get();
    }

    /** A vote request: plain, PreVote or for a leadership transfer (never both). */
    RequestVote requestVote() {
        int kind = random.nextInt(3);
        return new RequestVote(nonNegative(), positive(), positive(), nonNegative(), nonNegative(), nonNegative(),
                kind == 1, kind == 2);
    }

    TimeoutNow timeoutNow() {
        return new TimeoutNow(nonNegative(), positive(), positive(), nonNegative());
    }

    VoteResponse voteResponse() {
        return new VoteResponse(nonNegative(), positive(), positive(), nonNegative(), random.nextBoolean(),
                random.nextBoolean());
    }

    AppendEntries appendEntries() {
        int count = random.nextInt(10) == 0 ? random.nextInt(64) : random.nextInt(4);
        long prevLogIndex = Math.min(nonNegative(), Long.MAX_VALUE - count);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            entries.add(entry(prevLogIndex + i));
        }
        return new AppendEntries(nonNegative(), positive(), positive(), nonNegative(), prevLogIndex, nonNegative(),
                entries, nonNegative(), nonNegative());
    }

    AppendResponse appendResponse() {
        return random.nextBoolean()
                ? AppendResponse.accept(nonNegative(), positive(), positive(), nonNegative(), nonNegative())
                : new AppendResponse(nonNegative(), positive(), positive(), nonNegative(), random.nextBoolean(),
                        nonNegative(), nonNegative(), nonNegative(), nonNegative(), nonNegative());
    }

    ReadIndexRequest readIndexRequest() {
        return new ReadIndexRequest(nonNegative(), positive(), positive(), nonNegative(), nonNegative());
    }

    ReadIndexResponse readIndexResponse() {
        return new ReadIndexResponse(nonNegative(), positive(), positive(), nonNegative(), nonNegative(),
                random.nextBoolean(), nonNegative(), nonNegative());
    }

    ForwardProposal forwardProposal() {
        List<Payload> commands = new ArrayList<>();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            commands.add(payload());
        }
        return new ForwardProposal(nonNegative(), positive(), positive(), nonNegative(), nonNegative(), commands);
    }

    ForwardProposalResponse forwardProposalResponse() {
        if (random.nextBoolean()) {
            long first = positive();
            long last = first + Math.min(random.nextInt(4), Long.MAX_VALUE - first);
            return new ForwardProposalResponse(nonNegative(), positive(), positive(), nonNegative(), nonNegative(),
                    ForwardProposalResponse.Outcome.APPENDED, first, last, positive(), 0);
        }
        return new ForwardProposalResponse(nonNegative(), positive(), positive(), nonNegative(), nonNegative(),
                random.nextBoolean() ? ForwardProposalResponse.Outcome.NOT_LEADER
                        : ForwardProposalResponse.Outcome.OVERLOADED, 0, 0, 0, nonNegative());
    }

    /** An unsigned 32-bit checksum, often at its edges. */
    long checksum() {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 0xFFFF_FFFFL;
            default -> random.nextInt() & 0xFFFF_FFFFL;
        };
    }

    /** A snapshot of at least {@code minSizeBytes} bytes. */
    SnapshotMeta snapshotMeta(long minSizeBytes) {
        return new SnapshotMeta(positive(), positive(), membership(), Math.max(minSizeBytes, nonNegative()),
                checksum());
    }

    InstallSnapshot installSnapshot() {
        return new InstallSnapshot(nonNegative(), positive(), positive(), nonNegative(), snapshotMeta(0));
    }

    /** A chunk at the start, at the end (done), or anywhere in between of a snapshot large enough to hold it. */
    SnapshotChunk snapshotChunk() {
        Payload data = payload();
        SnapshotMeta meta = snapshotMeta(data.size());
        long last = meta.sizeBytes() - data.size();
        long offset = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> last;
            default -> last == Long.MAX_VALUE ? random.nextLong() & Long.MAX_VALUE
                    : (random.nextLong() & Long.MAX_VALUE) % (last + 1);
        };
        return new SnapshotChunk(nonNegative(), positive(), positive(), nonNegative(), meta, offset, data, checksum());
    }

    SnapshotChunkAck snapshotChunkAck() {
        SnapshotChunkAck.Status[] statuses = SnapshotChunkAck.Status.values();
        return new SnapshotChunkAck(nonNegative(), positive(), positive(), nonNegative(), nonNegative(), nonNegative(),
                nonNegative(), statuses[random.nextInt(statuses.length)]);
    }
}
