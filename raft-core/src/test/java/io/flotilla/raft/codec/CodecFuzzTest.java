package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import io.flotilla.raft.codec.proto.EntryRecord;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.codec.proto.Envelope;
import io.flotilla.raft.codec.proto.InstallSnapshotProto;
import io.flotilla.raft.codec.proto.MemberAddressProto;
import io.flotilla.raft.codec.proto.MembershipProto;
import io.flotilla.raft.codec.proto.SnapshotChunkAckProto;
import io.flotilla.raft.codec.proto.SnapshotChunkProto;
import io.flotilla.raft.codec.proto.SnapshotMetaProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.SnapshotChunk;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded fuzzing of the decoders: random bytes and mutations of valid encodings (bit flips,
 * truncations, insertions, deletions, splices) must decode to a valid value or throw
 * {@link CodecException}, nothing else. Every run is bounded by a count and a wall-clock budget; the
 * inputs are a deterministic function of the seed, so a failure replays from the seed it prints.
 */
class CodecFuzzTest {
    private static final int CORPUS = 256;

    @Test
    void messageDecodingReturnsAValidMessageOrThrowsCodecException() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        ByteBuffer direct = ByteBuffer.allocateDirect(1 << 21);  // reused: allocating direct memory is slow
        Function<byte[], Object> decode = bytes -> switch (random.nextInt(3)) {
            case 0 -> MessageCodec.decode(bytes);
            case 1 -> MessageCodec.decode(bytes.length <= direct.capacity()
                    ? direct.clear().put(bytes).flip() : ByteBuffer.wrap(bytes));
            default -> {
                byte[] padded = new byte[bytes.length + 2];
                System.arraycopy(bytes, 0, padded, 1, bytes.length);
                yield MessageCodec.decode(padded, 1, bytes.length);
            }
        };
        fuzz(random, corpus(gen::message, MessageCodec::encode), decode,
                m -> MessageCodec.decode(MessageCodec.encode((Message) m)), 200_000, Duration.ofSeconds(3));
    }

    @Test
    void snapshotMessageDecodingReturnsAValidMessageOrThrowsCodecException() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        List<Supplier<Message>> kinds = List.of(gen::installSnapshot, gen::snapshotChunk, gen::snapshotChunkAck);
        fuzz(random, corpus(() -> kinds.get(random.nextInt(kinds.size())).get(), MessageCodec::encode),
                MessageCodec::decode, m -> MessageCodec.decode(MessageCodec.encode((Message) m)), 100_000,
                Duration.ofSeconds(2));
    }

    /**
     * Snapshot messages with every field drawn from the edges of its range (0, 2^32-1, 2^32, 2^63-1, 2^63, 2^64-1,
     * a chunk ending one byte before, at or after the snapshot's end, the status unset or unknown, the meta
     * missing): each decodes exactly when a naive oracle, computing in unsigned {@link BigInteger}s, says every
     * field is in range, and then re-encodes to the very same bytes.
     */
    @Test
    void snapshotFieldsAreAcceptedExactlyWhenInRange() {
        Random random = new Random(Generators.SEED);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 30_000; i++) {
            Envelope.Builder envelope = Envelope.newBuilder();
            boolean valid;
            int kind = random.nextInt(3);
            if (kind == 0) {
                InstallSnapshotProto.Builder b = InstallSnapshotProto.newBuilder()
                        .setGroupId(u64(random, 0)).setFrom(u64(random, 1)).setTo(u64(random, 1)).setTerm(u64(random, 0));
                valid = header(b.getGroupId(), b.getFrom(), b.getTo(), b.getTerm());
                if (random.nextInt(8) != 0) {
                    SnapshotMetaProto meta = meta(random, 0);
                    b.setMeta(meta);
                    valid &= valid(meta);
                } else {
                    valid = false;
                }
                envelope.setInstallSnapshot(b);
            } else if (kind == 1) {
                byte[] data = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(16)];
                random.nextBytes(data);
                SnapshotChunkProto.Builder b = SnapshotChunkProto.newBuilder()
                        .setGroupId(u64(random, 0)).setFrom(u64(random, 1)).setTo(u64(random, 1)).setTerm(u64(random, 0))
                        .setData(ByteString.copyFrom(data)).setChecksum(u64(random, 7));
                valid = header(b.getGroupId(), b.getFrom(), b.getTo(), b.getTerm()) && checksum(b.getChecksum());
                SnapshotMetaProto meta = meta(random, data.length);
                long size = meta.getSizeBytes();
                b.setOffset(switch (random.nextInt(5)) {
                    case 0 -> size - data.length;          // the last chunk
                    case 1 -> size - data.length + 1;      // one byte past the end
                    case 2 -> size - data.length - 1;      // one byte short of the end
                    default -> u64(random, 0);
                });
                if (random.nextInt(8) != 0) {
                    b.setMeta(meta);
                    valid &= valid(meta) && unsigned(b.getOffset()).add(BigInteger.valueOf(data.length))
                            .compareTo(unsigned(size)) <= 0;
                } else {
                    valid = false;
                }
                envelope.setSnapshotChunk(b);
            } else {
                SnapshotChunkAckProto.Builder b = SnapshotChunkAckProto.newBuilder()
                        .setGroupId(u64(random, 0)).setFrom(u64(random, 1)).setTo(u64(random, 1)).setTerm(u64(random, 0))
                        .setSnapshotIndex(u64(random, 5)).setSnapshotTerm(u64(random, 3)).setNextOffset(u64(random, 8))
                        .setStatusValue(random.nextInt(6) - 1);
                valid = header(b.getGroupId(), b.getFrom(), b.getTo(), b.getTerm()) && below63(b.getSnapshotIndex())
                        && below63(b.getSnapshotTerm()) && below63(b.getNextOffset()) && b.getStatusValue() >= 1
                        && b.getStatusValue() <= 3;
                envelope.setSnapshotChunkAck(b);
            }
            byte[] bytes = envelope.build().toByteArray();
            String context = Generators.replay("case " + i + ": " + envelope.build() + " " + hex(bytes));
            Message decoded;
            try {
                decoded = MessageCodec.decode(bytes);
            } catch (CodecException e) {
                assertThat(valid).as(context + " was rejected: " + e.getMessage()).isFalse();
                rejected++;
                continue;
            }
            assertThat(valid).as(context + " decoded to " + decoded).isTrue();
            assertThat(MessageCodec.encode(decoded)).as(context).isEqualTo(bytes);
            if (decoded instanceof SnapshotChunk c) {
                assertThat(c.offset() + c.data().size() <= c.meta().sizeBytes()).as(context).isTrue();
            }
            accepted++;
        }
        assertThat(accepted).as(Generators.replay("accepted")).isGreaterThan(1_000);
        assertThat(rejected).as(Generators.replay("rejected")).isGreaterThan(1_000);
    }

    /** A uint64 on the wire, as its Java long bits: mostly {@code typical}, else an edge of some range. */
    private static long u64(Random random, long typical) {
        return switch (random.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 0xFFFF_FFFFL;                 // 2^32-1: the largest checksum
            case 3 -> 1L << 32;
            case 4 -> Long.MAX_VALUE;               // 2^63-1: the largest index, term or offset
            case 5 -> Long.MIN_VALUE;               // 2^63: reads as negative
            case 6 -> -1;                           // 2^64-1
            case 7 -> random.nextLong();
            default -> typical;
        };
    }

    /** A meta, usually valid and at least {@code minSizeBytes} long, with edge values now and then. */
    private static SnapshotMetaProto meta(Random random, int minSizeBytes) {
        MembershipProto m = membership(random);
        SnapshotMetaProto.Builder b = SnapshotMetaProto.newBuilder()
                .setIndex(u64(random, 5)).setTerm(u64(random, 3)).setChecksum(u64(random, 7))
                .addAllVoters(m.getVotersList()).addAllLearners(m.getLearnersList())
                .addAllAddresses(m.getAddressesList());
        return b.setSizeBytes(random.nextBoolean() ? minSizeBytes + random.nextInt(3) : u64(random, 64)).build();
    }

    private static boolean valid(SnapshotMetaProto m) {
        return valid(MembershipProto.newBuilder().addAllVoters(m.getVotersList()).addAllLearners(m.getLearnersList())
                .addAllAddresses(m.getAddressesList()).build())
                && m.getIndex() != 0 && below63(m.getIndex()) && m.getTerm() != 0 && below63(m.getTerm())
                && below63(m.getSizeBytes()) && checksum(m.getChecksum());
    }

    /**
     * Membership fields, usually valid, now and then broken: an id at an edge of its range, out of order or twice,
     * a learner that is a voter, an address for a non-member or blank, no voters at all.
     */
    private static MembershipProto membership(Random random) {
        MembershipProto.Builder b = MembershipProto.newBuilder();
        long next = 1;
        for (int n = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3), i = 0; i < n; i++) {
            b.addVoters(random.nextInt(5) == 0 ? u64(random, next) : next);
            next = 1 + (random.nextInt(12) == 0 ? next - 1 : next);          // sometimes the same id again
        }
        for (int n = random.nextInt(3), i = 0; i < n; i++) {
            b.addLearners(random.nextInt(5) == 0 ? u64(random, next) : random.nextInt(12) == 0 ? 1 : next);
            next++;
        }
        if (random.nextInt(12) == 0 && b.getVotersCount() > 1) {                 // out of order
            long first = b.getVoters(0);
            b.setVoters(0, b.getVoters(1)).setVoters(1, first);
        }
        // Ids below next are usually members; next never is.
        for (long id = 1; id <= next; id++) {
            if (id < next ? random.nextInt(3) == 0 : random.nextInt(10) == 0) {
                String address = switch (random.nextInt(10)) {
                    case 0 -> "";
                    case 1 -> " \t";
                    case 2 -> "nœud-" + id + ":7000";
                    default -> "n" + id + ":7000";
                };
                b.addAddresses(MemberAddressProto.newBuilder()
                        .setId(random.nextInt(16) == 0 ? u64(random, id) : id).setAddress(address));
            }
        }
        if (random.nextInt(16) == 0 && b.getAddressesCount() > 1) {              // out of order
            MemberAddressProto first = b.getAddresses(0);
            b.setAddresses(0, b.getAddresses(1)).setAddresses(1, first);
        }
        return b.build();
    }

    /** The naive oracle for {@link #membership}: every rule of Membership plus canonical (ascending) order. */
    private static boolean valid(MembershipProto m) {
        Set<BigInteger> voters = new HashSet<>();
        Set<BigInteger> members = new HashSet<>();
        boolean valid = m.getVotersCount() > 0
                && ascendingIds(m.getVotersList()) && ascendingIds(m.getLearnersList());
        for (long v : m.getVotersList()) {
            voters.add(unsigned(v));
            members.add(unsigned(v));
        }
        for (long l : m.getLearnersList()) {
            valid &= !voters.contains(unsigned(l));
            members.add(unsigned(l));
        }
        List<Long> addressed = new ArrayList<>();
        for (MemberAddressProto a : m.getAddressesList()) {
            addressed.add(a.getId());
            valid &= members.contains(unsigned(a.getId())) && !a.getAddress().isBlank();
        }
        BigInteger previous = BigInteger.valueOf(-1);
        for (long id : addressed) {
            valid &= unsigned(id).compareTo(previous) > 0;
            previous = unsigned(id);
        }
        return valid;
    }

    /** Positive, at most 2^63-1, and strictly ascending. */
    private static boolean ascendingIds(List<Long> ids) {
        boolean valid = true;
        for (int i = 0; i < ids.size(); i++) {
            valid &= unsigned(ids.get(i)).signum() > 0 && below63(ids.get(i))
                    && (i == 0 || unsigned(ids.get(i)).compareTo(unsigned(ids.get(i - 1))) > 0);
        }
        return valid;
    }

    /**
     * Log entries with the type, the presence of a membership and every membership field drawn from its edges: each
     * decodes exactly when the naive oracle says so (a membership present exactly on a CONFIG entry, and valid), and
     * then re-encodes to the very same bytes.
     */
    @Test
    void configEntriesAreAcceptedExactlyWhenTheirMembershipIsValid() {
        Random random = new Random(Generators.SEED);
        int accepted = 0;
        int rejected = 0;
        int acceptedConfig = 0;
        for (int i = 0; i < 30_000; i++) {
            int type = random.nextInt(8) == 0 ? random.nextInt(5) : EntryTypeProto.ENTRY_TYPE_CONFIG_VALUE;
            EntryRecord.Builder b = EntryRecord.newBuilder().setIndex(1 + random.nextInt(9)).setTerm(1)
                    .setTypeValue(type);
            boolean hasMembership = random.nextInt(10) != 0;
            boolean valid = type >= 1 && type <= 3 && (type == EntryTypeProto.ENTRY_TYPE_CONFIG_VALUE) == hasMembership;
            if (hasMembership) {
                MembershipProto m = membership(random);
                b.setMembership(m);
                valid &= valid(m);
            }
            byte[] bytes = b.build().toByteArray();
            String context = Generators.replay("case " + i + ": " + b.build() + " " + hex(bytes));
            Entry decoded;
            try {
                decoded = EntryCodec.decode(bytes);
            } catch (CodecException e) {
                assertThat(valid).as(context + " was rejected: " + e.getMessage()).isFalse();
                rejected++;
                continue;
            }
            assertThat(valid).as(context + " decoded to " + decoded).isTrue();
            assertThat(EntryCodec.encode(decoded)).as(context).isEqualTo(bytes);
            accepted++;
            acceptedConfig += decoded.membership() != null ? 1 : 0;
        }
        assertThat(acceptedConfig).as(Generators.replay("accepted CONFIG entries")).isGreaterThan(5_000);
        assertThat(accepted).as(Generators.replay("accepted")).isGreaterThan(5_000);
        assertThat(rejected).as(Generators.replay("rejected")).isGreaterThan(5_000);
    }

    private static boolean header(long groupId, long from, long to, long term) {
        return below63(groupId) && from != 0 && below63(from) && to != 0 && below63(to) && below63(term);
    }

    private static boolean checksum(long value) {
        return unsigned(value).compareTo(BigInteger.valueOf(0xFFFF_FFFFL)) <= 0;
    }

    /** Whether a uint64 fits a Java long (is at most 2^63-1). */
    private static boolean below63(long value) {
        return unsigned(value).bitLength() <= 63;
    }

    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    @Test
    void entryDecodingReturnsAValidEntryOrThrowsCodecException() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        fuzz(random, corpus(gen::entry, EntryCodec::encode), EntryCodec::decode,
                e -> EntryCodec.decode(EntryCodec.encode((Entry) e)), 50_000, Duration.ofSeconds(1));
    }

    @Test
    void hardStateDecodingReturnsAValidHardStateOrThrowsCodecException() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        fuzz(random, corpus(gen::hardState, HardStateCodec::encode), HardStateCodec::decode,
                s -> HardStateCodec.decode(HardStateCodec.encode((HardState) s)), 50_000, Duration.ofSeconds(1));
    }

    private static <T> List<byte[]> corpus(Supplier<T> values, Function<T, byte[]> encode) {
        return Stream.generate(values).limit(CORPUS).map(encode).toList();
    }

    /**
     * Decodes mutated inputs until {@code iterations} or {@code budget} runs out. A value that decodes
     * must also survive a re-encode round trip (so it is a value the codec fully understands).
     */
    private static void fuzz(Random random, List<byte[]> corpus, Function<byte[], Object> decode,
                             Function<Object, Object> roundTrip, int iterations, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < iterations && System.nanoTime() < deadline; i++) {
            byte[] input = mutate(random, corpus);
            try {
                Object value = decode.apply(input);
                Object again = roundTrip.apply(value);  // plain checks: AssertJ per iteration halves the rate
                if (!value.equals(again)) {
                    throw new AssertionError("decoded " + value + " but its round trip gave " + again);
                }
                decoded++;
            } catch (CodecException expected) {
                rejected++;
            } catch (RuntimeException | AssertionError e) {  // NullPointerException, IllegalArgumentException, ...
                throw new AssertionError(Generators.replay("iteration " + i + ": input " + hex(input) + " gave " + e), e);
            }
        }
        // Non-vacuous: the mutations reached both outcomes.
        assertThat(decoded).as(Generators.replay("inputs that decoded")).isPositive();
        assertThat(rejected).as(Generators.replay("inputs that were rejected")).isPositive();
    }

    private static String hex(byte[] input) {
        int shown = Math.min(input.length, 256);
        return input.length + " bytes " + HexFormat.of().formatHex(input, 0, shown) + (shown < input.length ? ".." : "");
    }

    private static byte[] mutate(Random random, List<byte[]> corpus) {
        byte[] b = corpus.get(random.nextInt(corpus.size())).clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            b = mutateOnce(random, b, corpus);
        }
        return b;
    }

    private static byte[] mutateOnce(Random random, byte[] b, List<byte[]> corpus) {
        int kind = random.nextInt(8);
        if (kind == 0 || b.length == 0) {            // random bytes
            byte[] r = new byte[random.nextInt(64)];
            random.nextBytes(r);
            return r;
        }
        int at = random.nextInt(b.length);
        switch (kind) {
            case 1 -> b[at] ^= (byte) (1 << random.nextInt(8));                     // flip a bit
            case 2 -> b = Arrays.copyOf(b, at);                                       // truncate
            case 3 -> b[at] = (byte) random.nextInt(256);                             // overwrite a byte
            case 4 -> b[at] = (byte) (random.nextBoolean() ? 0xFF : 0x80);            // stretch a varint
            case 5 -> {                                                               // insert a byte
                byte[] r = new byte[b.length + 1];
                System.arraycopy(b, 0, r, 0, at);
                r[at] = (byte) random.nextInt(256);
                System.arraycopy(b, at, r, at + 1, b.length - at);
                b = r;
            }
            case 6 -> {                                                               // delete a range
                int len = 1 + random.nextInt(Math.min(8, b.length - at));
                byte[] r = new byte[b.length - len];
                System.arraycopy(b, 0, r, 0, at);
                System.arraycopy(b, at + len, r, at, b.length - at - len);
                b = r;
            }
            default -> {                                                              // splice two inputs
                byte[] other = corpus.get(random.nextInt(corpus.size()));
                int from = random.nextInt(other.length + 1);
                byte[] r = Arrays.copyOf(b, at + other.length - from);
                System.arraycopy(other, from, r, at, other.length - from);
                b = r;
            }
        }
        return b;
    }
}
