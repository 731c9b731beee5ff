package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import io.flotilla.raft.codec.proto.EntryRecord;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.codec.proto.MemberAddressProto;
import io.flotilla.raft.codec.proto.MembershipProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EntryCodecTest {
    private static final int CASES = 10_000;

    @Test
    void randomEntriesRoundTrip() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        for (int i = 0; i < CASES; i++) {
            Entry entry = gen.entry();
            byte[] bytes = EntryCodec.encode(entry);
            String context = Generators.replay("case " + i + ": " + entry);
            assertThat(EntryCodec.decode(bytes)).as(context).isEqualTo(entry);

            byte[] padded = new byte[bytes.length + 3];
            System.arraycopy(bytes, 0, padded, 1, bytes.length);
            assertThat(EntryCodec.decode(padded, 1, bytes.length)).as(context).isEqualTo(entry);
        }
    }

    /** Pins the disk format: a change here makes existing logs unreadable. Regenerate only on purpose. */
    @Test
    void encodingIsStable() {
        Entry entry = Entry.command(7, 4, Payload.ofUtf8("x"));
        String hex = "0807" + "1004" + "1802" + "220178";
        assertThat(HexFormat.of().formatHex(EntryCodec.encode(entry))).isEqualTo(hex);
        assertThat(EntryCodec.decode(HexFormat.of().parseHex(hex))).isEqualTo(entry);
    }

    /**
     * Pins the disk format of a CONFIG entry: type 3 (18 03), no data, the membership as field 5 (2a 11): voters
     * (0a 03 01 02 03), learners (12 01 04), the address of node 4 (1a 07 08 04 12 03 "d:4").
     */
    @Test
    void configEncodingIsStable() {
        Entry entry = Entry.config(6, 4, new Membership(List.of(1L, 2L, 3L), List.of(4L), Map.of(4L, "d:4")));
        String hex = "0806" + "1004" + "1803" + "2a11" + "0a03010203" + "120104" + "1a07" + "0804" + "1203643a34";
        assertThat(HexFormat.of().formatHex(EntryCodec.encode(entry))).isEqualTo(hex);
        assertThat(EntryCodec.decode(HexFormat.of().parseHex(hex))).isEqualTo(entry);
    }

    @Test
    void randomEntriesIncludeEveryType() {
        Generators gen = new Generators(new Random(Generators.SEED));
        java.util.Set<EntryType> seen = java.util.EnumSet.noneOf(EntryType.class);
        for (int i = 0; i < 100; i++) {
            seen.add(gen.entry().type());
        }
        assertThat(seen).as(Generators.replay("entry types drawn")).containsExactlyInAnyOrder(EntryType.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedEntries")
    void malformedInputIsRejectedWithCodecException(String name, byte[] bytes, String expected) {
        assertThatThrownBy(() -> EntryCodec.decode(bytes))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining(expected);
    }

    static Stream<Arguments> malformedEntries() {
        byte[] valid = record().build().toByteArray();
        return Stream.of(
                arguments("empty input", new byte[0], "invalid Entry: entry type is missing"),
                arguments("garbage", new byte[] {(byte) 0xFF, (byte) 0xFF, 0x01}, "malformed EntryRecord"),
                arguments("truncated", Arrays.copyOf(valid, valid.length - 1), "malformed EntryRecord"),
                arguments("index above Long.MAX_VALUE", record().setIndex(-1).build().toByteArray(),
                        "invalid Entry: entry index must be >= 1, was -1"),
                arguments("term 0", record().setTerm(0).build().toByteArray(),
                        "invalid Entry: entry term must be >= 1, was 0"),
                arguments("type missing", record().clearType().build().toByteArray(),
                        "invalid Entry: entry type is missing"),
                arguments("type unknown", record().setTypeValue(9).build().toByteArray(),
                        "invalid Entry: unknown entry type 9"),
                arguments("CONFIG without membership", record().setType(EntryTypeProto.ENTRY_TYPE_CONFIG).clearData()
                        .build().toByteArray(), "invalid Entry: a CONFIG entry carries no membership"),
                arguments("COMMAND with a membership", record().setMembership(membership()).build().toByteArray(),
                        "invalid Entry: a COMMAND entry carries a membership; only CONFIG entries do"),
                arguments("CONFIG with an empty membership", config(MembershipProto.newBuilder()),
                        "invalid Entry: membership: a membership needs at least one voter"),
                arguments("CONFIG with a learner that is a voter", config(MembershipProto.newBuilder().addVoters(1).addVoters(2)
                        .addLearners(2)),
                        "invalid Entry: membership: node 2 cannot be both a voter and a learner"),
                arguments("CONFIG with voters out of order", config(MembershipProto.newBuilder().addVoters(3)
                        .addVoters(1)), "invalid Entry: membership: voters must be strictly ascending, found 1 after 3"),
                arguments("CONFIG with a voter twice", config(membership().addVoters(3)),
                        "invalid Entry: membership: voters lists node 3 twice"),
                arguments("CONFIG with a voter above Long.MAX_VALUE", config(membership().addVoters(-1)),
                        "invalid Entry: membership: voters must be positive node ids, found -1"),
                arguments("CONFIG with an address of a non-member", config(membership().addAddresses(
                        MemberAddressProto.newBuilder().setId(5).setAddress("e:5"))),
                        "invalid Entry: membership: address given for node 5, which is not a member"),
                arguments("CONFIG with a blank address", config(membership().addAddresses(
                        MemberAddressProto.newBuilder().setId(4).setAddress("\t"))),
                        "invalid Entry: membership: the address of node 4 is empty"));
    }

    /** Voters 1, 2, 3, learner 4, the address of node 1. */
    private static MembershipProto.Builder membership() {
        return MembershipProto.newBuilder().addVoters(1).addVoters(2).addVoters(3).addLearners(4)
                .addAddresses(MemberAddressProto.newBuilder().setId(1).setAddress("a:1"));
    }

    private static byte[] config(MembershipProto.Builder membership) {
        return record().setType(EntryTypeProto.ENTRY_TYPE_CONFIG).clearData().setMembership(membership).build()
                .toByteArray();
    }

    private static EntryRecord.Builder record() {
        return EntryRecord.newBuilder().setIndex(7).setTerm(4).setType(EntryTypeProto.ENTRY_TYPE_COMMAND)
                .setData(ByteString.copyFromUtf8("command"));
    }
}
