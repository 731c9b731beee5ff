package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.MemberAddressProto;
import io.flotilla.raft.codec.proto.SnapshotMetaRecord;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SnapshotMetaCodecTest {
    private static final int CASES = 10_000;

    @Test
    void randomSnapshotMetasRoundTrip() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        for (int i = 0; i < CASES; i++) {
            SnapshotMeta meta = random.nextBoolean() ? randomMeta(random) : gen.snapshotMeta(0);
            assertThat(SnapshotMetaCodec.decode(SnapshotMetaCodec.encode(meta)))
                    .as(Generators.replay("case " + i + ": " + meta))
                    .isEqualTo(meta);
        }
    }

    @Test
    void extremeValuesRoundTrip() {
        SnapshotMeta meta = new SnapshotMeta(Long.MAX_VALUE, Long.MAX_VALUE, List.of(1L, Long.MAX_VALUE),
                Long.MAX_VALUE, 0xFFFF_FFFFL);
        assertThat(SnapshotMetaCodec.decode(SnapshotMetaCodec.encode(meta))).isEqualTo(meta);
    }

    /**
     * Pins the disk format: a change here makes existing snapshot stores unreadable. Regenerate only on purpose.
     * A membership of voters only encodes as records did before learners existed, and such records still decode.
     */
    @Test
    void encodingIsStable() {
        SnapshotMeta meta = new SnapshotMeta(7, 2, List.of(1L, 2L, 3L), 300, 0xDEADBEEFL);
        String hex = "080710021a03010203" + "20ac02" + "2defbeadde";
        assertThat(HexFormat.of().formatHex(SnapshotMetaCodec.encode(meta))).isEqualTo(hex);
        assertThat(SnapshotMetaCodec.decode(HexFormat.of().parseHex(hex))).isEqualTo(meta);
        assertThat(SnapshotMetaCodec.decode(HexFormat.of().parseHex(hex)).membership())
                .isEqualTo(Membership.ofVoters(List.of(1L, 2L, 3L)));
    }

    /**
     * Pins learners (field 6: 32 01 04) and addresses (field 7, one entry each: 3a 07 08 01 12 03 "a:1", then node 4)
     * after the fields of a voters-only record, which an older reader skips as unknown.
     */
    @Test
    void encodingWithLearnersAndAddressesIsStable() {
        SnapshotMeta meta = new SnapshotMeta(7, 2,
                new Membership(List.of(1L, 2L, 3L), List.of(4L), Map.of(1L, "a:1", 4L, "d:4")), 300, 0xDEADBEEFL);
        String hex = "080710021a03010203" + "20ac02" + "2defbeadde" + "320104" + "3a07" + "0801" + "1203613a31"
                + "3a07" + "0804" + "1203643a34";
        assertThat(HexFormat.of().formatHex(SnapshotMetaCodec.encode(meta))).isEqualTo(hex);
        assertThat(SnapshotMetaCodec.decode(HexFormat.of().parseHex(hex))).isEqualTo(meta);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedSnapshotMetas")
    void malformedInputIsRejectedWithCodecException(String name, byte[] bytes, String expected) {
        assertThatThrownBy(() -> SnapshotMetaCodec.decode(bytes))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining(expected);
    }

    static Stream<Arguments> malformedSnapshotMetas() {
        return Stream.of(
                arguments("garbage", new byte[] {(byte) 0xFF, (byte) 0xFF, 0x07}, "malformed SnapshotMetaRecord"),
                arguments("truncated varint", new byte[] {0x08, (byte) 0x80}, "malformed SnapshotMetaRecord"),
                // The membership is decoded (and checked) before the other fields.
                arguments("empty", new byte[0], "invalid SnapshotMeta: a membership needs at least one voter"),
                arguments("no voters", record().clearVoters().build().toByteArray(),
                        "invalid SnapshotMeta: a membership needs at least one voter"),
                arguments("learners but no voters", record().clearVoters().addLearners(2).build().toByteArray(),
                        "invalid SnapshotMeta: a membership needs at least one voter"),
                // Non-canonical order is rejected, not sorted: each membership has exactly one encoding.
                arguments("voters not ascending", record().clearVoters().addVoters(3).addVoters(2).build()
                        .toByteArray(), "invalid SnapshotMeta: voters must be strictly ascending, found 2 after 3"),
                arguments("voter twice", record().addVoters(1).build().toByteArray(),
                        "invalid SnapshotMeta: voters lists node 1 twice"),
                arguments("voter above Long.MAX_VALUE", record().addVoters(-1).build().toByteArray(),
                        "voters must be positive node ids, found -1"),
                arguments("learner also a voter", record().addLearners(1).build().toByteArray(),
                        "invalid SnapshotMeta: node 1 cannot be both a voter and a learner"),
                arguments("learners not ascending", record().addLearners(3).addLearners(2).build().toByteArray(),
                        "invalid SnapshotMeta: learners must be strictly ascending, found 2 after 3"),
                arguments("learner twice", record().addLearners(2).addLearners(2).build().toByteArray(),
                        "invalid SnapshotMeta: learners lists node 2 twice"),
                arguments("address of a non-member", record().addAddresses(address(2, "b:2")).build().toByteArray(),
                        "invalid SnapshotMeta: address given for node 2, which is not a member"),
                arguments("empty address", record().addAddresses(address(1, "")).build().toByteArray(),
                        "invalid SnapshotMeta: the address of node 1 is empty"),
                arguments("addresses not ascending", record().addLearners(2).addAddresses(address(2, "b:2"))
                        .addAddresses(address(1, "a:1")).build().toByteArray(),
                        "invalid SnapshotMeta: address ids must be strictly ascending, found 1 after 2"),
                arguments("address twice", record().addAddresses(address(1, "a:1")).addAddresses(address(1, "a:1"))
                        .build().toByteArray(), "invalid SnapshotMeta: address ids lists node 1 twice"),
                arguments("index above Long.MAX_VALUE", record().setIndex(-1).build().toByteArray(),
                        "snapshot index and term must be > 0"),
                arguments("size above Long.MAX_VALUE", record().setSizeBytes(-5).build().toByteArray(),
                        "sizeBytes must be >= 0"));
    }

    private static MemberAddressProto address(long id, String address) {
        return MemberAddressProto.newBuilder().setId(id).setAddress(address).build();
    }

    private static SnapshotMetaRecord.Builder record() {
        return SnapshotMetaRecord.newBuilder().setIndex(5).setTerm(2).addVoters(1).setSizeBytes(10).setChecksum(7);
    }

    private static SnapshotMeta randomMeta(Random random) {
        List<Long> voters = new ArrayList<>();
        long voter = 0;
        for (int n = 1 + random.nextInt(7); n > 0; n--) {
            voter += 1 + (random.nextBoolean() ? random.nextInt(3) : (random.nextLong() >>> 8));
            voters.add(voter);
        }
        return new SnapshotMeta(1 + (random.nextLong() >>> 1) % Long.MAX_VALUE, 1 + random.nextInt(1000), voters,
                random.nextBoolean() ? random.nextInt(100) : random.nextLong() >>> 1,
                Integer.toUnsignedLong(random.nextInt()));
    }
}
