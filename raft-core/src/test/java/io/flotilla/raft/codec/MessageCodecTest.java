package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import io.flotilla.raft.codec.proto.AppendEntriesProto;
import io.flotilla.raft.codec.proto.AppendResponseProto;
import io.flotilla.raft.codec.proto.EntryProto;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.codec.proto.Envelope;
import io.flotilla.raft.codec.proto.InstallSnapshotProto;
import io.flotilla.raft.codec.proto.MemberAddressProto;
import io.flotilla.raft.codec.proto.MembershipProto;
import io.flotilla.raft.codec.proto.RequestVoteProto;
import io.flotilla.raft.codec.proto.SnapshotChunkAckProto;
import io.flotilla.raft.codec.proto.SnapshotChunkProto;
import io.flotilla.raft.codec.proto.SnapshotChunkStatusProto;
import io.flotilla.raft.codec.proto.SnapshotMetaProto;
import io.flotilla.raft.codec.proto.TimeoutNowProto;
import io.flotilla.raft.codec.proto.VoteResponseProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.message.TimeoutNow;
import io.flotilla.raft.message.VoteResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class MessageCodecTest {
    private static final int CASES = 10_000;

    @Test
    void everyMessageKindHasAWireEncoding() {
        assertThat(List.<Class<?>>copyOf(new Generators(new Random(Generators.SEED)).messageKinds.keySet()))
                .as("Message's permitted kinds; add the new kind to raft.proto, MessageCodec and Generators")
                .containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
    }

    @Test
    void randomMessagesRoundTripThroughEveryDecodeEntryPoint() {
        Random random = new Random(Generators.SEED);
        Generators gen = new Generators(random);
        for (int i = 0; i < CASES; i++) {
            Message message = gen.message();
            byte[] bytes = MessageCodec.encode(message);
            String context = Generators.replay("case " + i + ": " + message);

            assertThat(MessageCodec.decode(bytes)).as(context).isEqualTo(message);

            int offset = random.nextInt(8);
            byte[] padded = new byte[offset + bytes.length + random.nextInt(8)];
            random.nextBytes(padded);
            System.arraycopy(bytes, 0, padded, offset, bytes.length);
            assertThat(MessageCodec.decode(padded, offset, bytes.length)).as(context).isEqualTo(message);

            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 1).put(bytes).flip();
            assertThat(MessageCodec.decode(direct)).as(context).isEqualTo(message);
            assertThat(direct.position()).as(context).isZero();
            ByteBuffer readOnly = ByteBuffer.wrap(padded, offset, bytes.length).asReadOnlyBuffer();
            assertThat(MessageCodec.decode(readOnly)).as(context).isEqualTo(message);
        }
    }

    /**
     * Pins the wire format: a change here breaks mixed-version clusters. Regenerate only on purpose.
     * Reading the first: {@code 0a 0c} is field 1 (request_vote), 12 bytes long, then each
     * {@code 08 01 10 02 ...} pair is a field tag and a one-byte varint (group_id=1, from=2, ...).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenMessages")
    void encodingIsStable(Message message, String hex) {
        assertThat(HexFormat.of().formatHex(MessageCodec.encode(message))).isEqualTo(hex);
        assertThat(MessageCodec.decode(HexFormat.of().parseHex(hex))).isEqualTo(message);
    }

    static Stream<Arguments> goldenMessages() {
        // Meta: index=5, term=3, voters packed (1a 03 01 02 03), size_bytes=10, checksum=0xABCD (varint cd d7 02).
        SnapshotMeta meta = new SnapshotMeta(5, 3, List.of(1L, 2L, 3L), 10, 0xABCDL);
        String metaHex = "080510031a03010203200a28cdd702";
        return Stream.of(
                arguments(new RequestVote(1, 2, 3, 4, 5, 6), "0a0c080110021803200428053006"),
                arguments(new VoteResponse(1, 3, 2, 4, true), "120a08011003180220042801"),
                arguments(new AppendEntries(1, 2, 3, 4, 5, 3,
                        List.of(Entry.noop(6, 4), Entry.command(7, 4, Payload.ofUtf8("x"))), 5),
                        "1a21" + "080110021803200428053003" + "3a06080610041801" + "3a09080710041802220178"
                                + "4005"),
                arguments(AppendResponse.reject(1, 3, 2, 4, 5, 3, 2), "220e0801100318022004380540034802"),
                arguments(new InstallSnapshot(1, 2, 3, 4, meta), "4a19" + "0801100218032004" + "2a0f" + metaHex),
                arguments(new SnapshotChunk(1, 2, 3, 4, meta, 8, Payload.ofUtf8("xy"), 0xFFFF_FFFFL),
                        "5225" + "0801100218032004" + "2a0f" + metaHex + "3008" + "3a027879" + "40ffffffff0f"),
                arguments(new SnapshotChunkAck(1, 3, 2, 4, 5, 3, 8, SnapshotChunkAck.Status.DONE),
                        "5a10" + "0801100318022004" + "280530033808" + "4002"));
    }

    /**
     * Pins the encodings added with membership changes (issue 7). The messages above, which carry no learners,
     * addresses, CONFIG entries or transfer flag, keep their bytes: a node from before membership changes reads
     * them as before.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenMembershipMessages")
    void membershipEncodingIsStable(Message message, String hex) {
        encodingIsStable(message, hex);
    }

    static Stream<Arguments> goldenMembershipMessages() {
        // Membership: voters packed (0a 03 01 02 03), learners packed (12 01 04), one address entry
        // (1a 07: id=4 (08 04), address="d:4" (12 03 64 3a 34)); 17 bytes.
        Membership members = new Membership(List.of(1L, 2L, 3L), List.of(4L), Map.of(4L, "d:4"));
        String membershipHex = "0a03010203" + "120104" + "1a07" + "0804" + "1203643a34";
        // The meta of goldenMessages plus learners (field 6: 32 01 04) and addresses (field 7: 3a 07 ...).
        SnapshotMeta meta = new SnapshotMeta(5, 3, members, 10, 0xABCDL);
        String metaHex = "080510031a03010203200a28cdd702" + "320104" + "3a07" + "0804" + "1203643a34";
        return Stream.of(
                // transfer is field 8 (40 01), after the fields of goldenMessages' RequestVote.
                arguments(new RequestVote(1, 2, 3, 4, 5, 6, false, true), "0a0e" + "080110021803200428053006" + "4001"),
                // Envelope field 12 (62), 8 bytes of header.
                arguments(new TimeoutNow(1, 2, 3, 4), "6208" + "0801100218032004"),
                // A CONFIG entry (type 18 03) with no data and its membership as field 5 (2a 11).
                arguments(new AppendEntries(1, 2, 3, 4, 5, 3, List.of(Entry.config(6, 4, members)), 5),
                        "1a29" + "080110021803200428053003" + "3a19" + "080610041803" + "2a11" + membershipHex
                                + "4005"),
                arguments(new InstallSnapshot(1, 2, 3, 4, meta), "4a25" + "0801100218032004" + "2a1b" + metaHex));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedMessages")
    void malformedInputIsRejectedWithCodecException(String name, byte[] bytes, String expected) {
        assertThatThrownBy(() -> MessageCodec.decode(bytes))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining(expected);
        assertThatThrownBy(() -> MessageCodec.decode(ByteBuffer.wrap(bytes)))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining(expected);
    }

    static Stream<Arguments> malformedMessages() {
        byte[] append = envelope(appendEntries().addEntries(entry(6).setData(ByteString.copyFromUtf8("payload"))))
                .toByteArray();
        byte[] deepGroups = new byte[2 * 120];
        for (int i = 0; i < 120; i++) {
            deepGroups[i] = 0x7B;                  // start group, field 15
            deepGroups[deepGroups.length - 1 - i] = 0x7C; // end group, field 15
        }
        return Stream.of(
                malformed("empty input", new byte[0], "envelope holds no message"),
                malformed("garbage", bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF),
                        "malformed Envelope"),
                malformed("truncated AppendEntries", Arrays.copyOf(append, append.length - 3), "malformed Envelope"),
                malformed("length prefix past the end", bytes(0x1A, 0x7F, 0x08), "malformed Envelope"),
                malformed("invalid wire type", bytes(0x0F), "malformed Envelope"),
                malformed("field number zero", bytes(0x00), "malformed Envelope"),
                malformed("unknown groups nested too deep", deepGroups, "malformed Envelope"),
                malformed("unknown message kind", bytes(0x7A, 0x00),
                        "no message kind this version knows (field numbers [15])"),
                malformed("known field with the wrong wire type", bytes(0x08, 0x01),
                        "no message kind this version knows (field numbers [1])"),
                malformed("RequestVote from node 0", envelope(requestVote().setFrom(0)).toByteArray(),
                        "invalid RequestVote: from and to must be positive node ids, were 0 and 3"),
                malformed("RequestVote to above Long.MAX_VALUE", envelope(requestVote().setTo(-1)).toByteArray(),
                        "invalid RequestVote: from and to must be positive node ids, were 2 and -1"),
                malformed("RequestVote lastLogTerm above Long.MAX_VALUE",
                        envelope(requestVote().setLastLogTerm(Long.MIN_VALUE)).toByteArray(),
                        "invalid RequestVote: lastLogIndex/lastLogTerm must be >= 0"),
                malformed("VoteResponse term above Long.MAX_VALUE",
                        envelope(voteResponse().setTerm(-7)).toByteArray(), "invalid VoteResponse: term must be >= 0"),
                malformed("VoteResponse groupId above Long.MAX_VALUE",
                        envelope(voteResponse().setGroupId(-1)).toByteArray(),
                        "invalid VoteResponse: groupId must be >= 0"),
                malformed("AppendEntries without header",
                        envelope(AppendEntriesProto.newBuilder()).toByteArray(),
                        "invalid AppendEntries: from and to must be positive node ids"),
                malformed("AppendEntries with a gap",
                        envelope(appendEntries().addEntries(entry(6)).addEntries(entry(8))).toByteArray(),
                        "invalid AppendEntries: entries must be contiguous from prevLogIndex+1=6, found index 8"),
                malformed("AppendEntries not starting after prevLogIndex",
                        envelope(appendEntries().addEntries(entry(5))).toByteArray(),
                        "entries must be contiguous from prevLogIndex+1=6, found index 5"),
                malformed("AppendEntries entry index 0",
                        envelope(appendEntries().setPrevLogIndex(0).addEntries(entry(0))).toByteArray(),
                        "invalid AppendEntries: entries[0]: entry index must be >= 1, was 0"),
                malformed("AppendEntries entry term 0",
                        envelope(appendEntries().addEntries(entry(6)).addEntries(entry(7).setTerm(0))).toByteArray(),
                        "invalid AppendEntries: entries[1]: entry term must be >= 1, was 0"),
                malformed("AppendEntries entry type missing",
                        envelope(appendEntries().addEntries(entry(6).clearType())).toByteArray(),
                        "invalid AppendEntries: entries[0]: entry type is missing"),
                malformed("AppendEntries entry type unknown",
                        envelope(appendEntries().addEntries(entry(6).setTypeValue(9))).toByteArray(),
                        "invalid AppendEntries: entries[0]: unknown entry type 9"),
                malformed("AppendEntries CONFIG entry without membership",
                        envelope(appendEntries().addEntries(entry(6).setType(EntryTypeProto.ENTRY_TYPE_CONFIG)))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: a CONFIG entry carries no membership"),
                malformed("AppendEntries COMMAND entry with a membership",
                        envelope(appendEntries().addEntries(entry(6).setMembership(membership()))).toByteArray(),
                        "invalid AppendEntries: entries[0]: a COMMAND entry carries a membership; only CONFIG"),
                malformed("AppendEntries NOOP entry with a membership",
                        envelope(appendEntries().addEntries(entry(6).setType(EntryTypeProto.ENTRY_TYPE_NOOP)
                                .clearData().setMembership(membership()))).toByteArray(),
                        "invalid AppendEntries: entries[0]: a NOOP entry carries a membership; only CONFIG"),
                malformed("AppendEntries CONFIG entry with an empty membership",
                        envelope(appendEntries().addEntries(config(6, MembershipProto.newBuilder())))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: a membership needs at least one voter"),
                malformed("AppendEntries CONFIG entry with a learner that is a voter",
                        envelope(appendEntries().addEntries(config(6, MembershipProto.newBuilder().addVoters(1)
                                .addVoters(2).addLearners(1)))).toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: node 1 cannot be both a voter and a learner"),
                malformed("AppendEntries CONFIG entry with a voter twice",
                        envelope(appendEntries().addEntries(config(6, membership().addVoters(3)))).toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: voters lists node 3 twice"),
                malformed("AppendEntries CONFIG entry with a learner twice",
                        envelope(appendEntries().addEntries(config(6, membership().addLearners(7).addLearners(7))))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: learners lists node 7 twice"),
                malformed("AppendEntries CONFIG entry with voters out of order",
                        envelope(appendEntries().addEntries(config(6, MembershipProto.newBuilder().addVoters(2)
                                .addVoters(1)))).toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: voters must be strictly ascending, found 1"),
                malformed("AppendEntries CONFIG entry with an address of a non-member",
                        envelope(appendEntries().addEntries(config(6, membership().addAddresses(address(8, "h:8")))))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: address given for node 8, which is not"),
                malformed("AppendEntries CONFIG entry with an empty address",
                        envelope(appendEntries().addEntries(config(6, MembershipProto.newBuilder().addVoters(1)
                                .addAddresses(address(1, "")))))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: membership: the address of node 1 is empty"),
                malformed("AppendEntries CONFIG entry with an address that is not UTF-8",
                        replace(envelope(appendEntries().addEntries(config(6, membership().addAddresses(
                                address(3, "é"))))).toByteArray(), bytes(0xC3, 0xA9), bytes(0xC3, 0x28)),
                        "malformed Envelope"),
                malformed("RequestVote both PreVote and transfer",
                        envelope(requestVote().setPreVote(true).setTransfer(true)).toByteArray(),
                        "invalid RequestVote: a leadership transfer skips PreVote"),
                malformed("TimeoutNow from node 0", envelope(TimeoutNowProto.newBuilder().setGroupId(1).setTo(3)
                                .setTerm(4)).toByteArray(),
                        "invalid TimeoutNow: from and to must be positive node ids, were 0 and 3"),
                malformed("TimeoutNow term above Long.MAX_VALUE", envelope(TimeoutNowProto.newBuilder().setGroupId(1)
                                .setFrom(2).setTo(3).setTerm(-1)).toByteArray(),
                        "invalid TimeoutNow: term must be >= 0"),
                malformed("AppendEntries entries past Long.MAX_VALUE",
                        envelope(appendEntries().setPrevLogIndex(Long.MAX_VALUE).addEntries(entry(Long.MIN_VALUE)))
                                .toByteArray(),
                        "invalid AppendEntries: entries[0]: entry index must be >= 1"),
                malformed("AppendEntries leaderCommit above Long.MAX_VALUE",
                        envelope(appendEntries().setLeaderCommit(-1)).toByteArray(),
                        "invalid AppendEntries: prevLogIndex/prevLogTerm/leaderCommit/seq must be >= 0"),
                malformed("AppendResponse hintTerm above Long.MAX_VALUE",
                        envelope(AppendResponseProto.newBuilder().setGroupId(1).setFrom(3).setTo(2).setTerm(4)
                                .setHintTerm(-1)).toByteArray(),
                        "invalid AppendResponse: indexes and terms must be >= 0"),
                malformed("InstallSnapshot without meta",
                        envelope(installSnapshot().clearMeta()).toByteArray(),
                        "invalid InstallSnapshot: meta is missing"),
                malformed("InstallSnapshot with an empty meta",
                        envelope(installSnapshot().setMeta(SnapshotMetaProto.getDefaultInstance())).toByteArray(),
                        "invalid InstallSnapshot: meta: a membership needs at least one voter"),
                malformed("InstallSnapshot meta index above Long.MAX_VALUE",
                        envelope(installSnapshot().setMeta(meta().setIndex(-1))).toByteArray(),
                        "invalid InstallSnapshot: meta: snapshot index and term must be > 0, were -1 and 3"),
                malformed("InstallSnapshot meta without voters",
                        envelope(installSnapshot().setMeta(meta().clearVoters())).toByteArray(),
                        "invalid InstallSnapshot: meta: a membership needs at least one voter"),
                // Non-canonical order is rejected, not sorted: each membership has exactly one encoding.
                malformed("InstallSnapshot meta voters not ascending",
                        envelope(installSnapshot().setMeta(meta().addVoters(2))).toByteArray(),
                        "invalid InstallSnapshot: meta: voters must be strictly ascending, found 2 after 3"),
                malformed("InstallSnapshot meta voter twice",
                        envelope(installSnapshot().setMeta(meta().addVoters(3))).toByteArray(),
                        "invalid InstallSnapshot: meta: voters lists node 3 twice"),
                malformed("InstallSnapshot meta voter 0",
                        envelope(installSnapshot().setMeta(meta().clearVoters().addVoters(0))).toByteArray(),
                        "invalid InstallSnapshot: meta: voters must be positive node ids, found 0"),
                malformed("InstallSnapshot meta voter above Long.MAX_VALUE",
                        envelope(installSnapshot().setMeta(meta().addVoters(-1))).toByteArray(),
                        "invalid InstallSnapshot: meta: voters must be positive node ids, found -1"),
                malformed("InstallSnapshot meta learner also a voter",
                        envelope(installSnapshot().setMeta(meta().addLearners(2))).toByteArray(),
                        "invalid InstallSnapshot: meta: node 2 cannot be both a voter and a learner"),
                malformed("InstallSnapshot meta learners not ascending",
                        envelope(installSnapshot().setMeta(meta().addLearners(5).addLearners(4))).toByteArray(),
                        "invalid InstallSnapshot: meta: learners must be strictly ascending, found 4 after 5"),
                malformed("InstallSnapshot meta learner 0",
                        envelope(installSnapshot().setMeta(meta().addLearners(0))).toByteArray(),
                        "invalid InstallSnapshot: meta: learners must be positive node ids, found 0"),
                malformed("InstallSnapshot meta address of a non-member",
                        envelope(installSnapshot().setMeta(meta().addAddresses(address(9, "i:9")))).toByteArray(),
                        "invalid InstallSnapshot: meta: address given for node 9, which is not a member"),
                malformed("InstallSnapshot meta address without an id",
                        envelope(installSnapshot().setMeta(meta().addAddresses(MemberAddressProto.newBuilder()
                                .setAddress("x:1")))).toByteArray(),
                        "invalid InstallSnapshot: meta: address given for node 0, which is not a member"),
                malformed("InstallSnapshot meta blank address",
                        envelope(installSnapshot().setMeta(meta().addAddresses(address(2, " ")))).toByteArray(),
                        "invalid InstallSnapshot: meta: the address of node 2 is empty"),
                malformed("InstallSnapshot meta addresses not ascending",
                        envelope(installSnapshot().setMeta(meta().addAddresses(address(2, "b:2"))
                                .addAddresses(address(1, "a:1")))).toByteArray(),
                        "invalid InstallSnapshot: meta: address ids must be strictly ascending, found 1 after 2"),
                malformed("InstallSnapshot meta address given twice",
                        envelope(installSnapshot().setMeta(meta().addAddresses(address(2, "b:2"))
                                .addAddresses(address(2, "c:2")))).toByteArray(),
                        "invalid InstallSnapshot: meta: address ids lists node 2 twice"),
                malformed("InstallSnapshot meta sizeBytes above Long.MAX_VALUE",
                        envelope(installSnapshot().setMeta(meta().setSizeBytes(-1))).toByteArray(),
                        "invalid InstallSnapshot: meta: sizeBytes must be >= 0, was -1"),
                malformed("InstallSnapshot meta checksum above 2^32-1",
                        envelope(installSnapshot().setMeta(meta().setChecksum(1L << 32))).toByteArray(),
                        "invalid InstallSnapshot: meta: checksum must be an unsigned 32-bit value, was 4294967296"),
                malformed("InstallSnapshot from node 0",
                        envelope(installSnapshot().setFrom(0)).toByteArray(),
                        "invalid InstallSnapshot: from and to must be positive node ids, were 0 and 3"),
                malformed("SnapshotChunk without meta",
                        envelope(snapshotChunk().clearMeta()).toByteArray(),
                        "invalid SnapshotChunk: meta is missing"),
                malformed("SnapshotChunk meta checksum above 2^32-1",
                        envelope(snapshotChunk().setMeta(meta().setChecksum(-1))).toByteArray(),
                        "invalid SnapshotChunk: meta: checksum must be an unsigned 32-bit value, was -1"),
                malformed("SnapshotChunk data past sizeBytes",
                        envelope(snapshotChunk().setOffset(9)).toByteArray(),
                        "invalid SnapshotChunk: chunk of 2 bytes at offset 9 is outside the snapshot's 10 bytes"),
                malformed("SnapshotChunk offset past sizeBytes",
                        envelope(snapshotChunk().setOffset(11).clearData()).toByteArray(),
                        "invalid SnapshotChunk: chunk of 0 bytes at offset 11 is outside the snapshot's 10 bytes"),
                malformed("SnapshotChunk larger than the snapshot",
                        envelope(snapshotChunk().setOffset(0).setData(ByteString.copyFrom(new byte[11]))).toByteArray(),
                        "invalid SnapshotChunk: chunk of 11 bytes at offset 0 is outside the snapshot's 10 bytes"),
                malformed("SnapshotChunk offset + data past Long.MAX_VALUE",
                        envelope(snapshotChunk().setOffset(Long.MAX_VALUE)).toByteArray(),
                        "invalid SnapshotChunk: chunk of 2 bytes at offset 9223372036854775807 is outside"),
                malformed("SnapshotChunk offset above Long.MAX_VALUE",
                        envelope(snapshotChunk().setOffset(Long.MIN_VALUE)).toByteArray(),
                        "invalid SnapshotChunk: chunk of 2 bytes at offset -9223372036854775808 is outside"),
                malformed("SnapshotChunk checksum above 2^32-1",
                        envelope(snapshotChunk().setChecksum(1L << 32)).toByteArray(),
                        "invalid SnapshotChunk: checksum must be an unsigned 32-bit value, was 4294967296"),
                malformed("SnapshotChunk checksum above Long.MAX_VALUE",
                        envelope(snapshotChunk().setChecksum(-1)).toByteArray(),
                        "invalid SnapshotChunk: checksum must be an unsigned 32-bit value, was -1"),
                malformed("SnapshotChunk to node 0",
                        envelope(snapshotChunk().setTo(0)).toByteArray(),
                        "invalid SnapshotChunk: from and to must be positive node ids, were 2 and 0"),
                malformed("SnapshotChunkAck status missing",
                        envelope(snapshotChunkAck().clearStatus()).toByteArray(),
                        "invalid SnapshotChunkAck: snapshot chunk status is missing"),
                malformed("SnapshotChunkAck status unknown",
                        envelope(snapshotChunkAck().setStatusValue(9)).toByteArray(),
                        "invalid SnapshotChunkAck: unknown snapshot chunk status 9"),
                malformed("SnapshotChunkAck nextOffset above Long.MAX_VALUE",
                        envelope(snapshotChunkAck().setNextOffset(-1)).toByteArray(),
                        "invalid SnapshotChunkAck: snapshot index, term and offset must be >= 0"),
                malformed("SnapshotChunkAck snapshotTerm above Long.MAX_VALUE",
                        envelope(snapshotChunkAck().setSnapshotTerm(Long.MIN_VALUE)).toByteArray(),
                        "invalid SnapshotChunkAck: snapshot index, term and offset must be >= 0"));
    }

    @Test
    void theLastChunkIsTheOneEndingAtTheSnapshotsSize() {
        SnapshotMeta meta = new SnapshotMeta(5, 3, List.of(1L), 10, 0);
        SnapshotChunk last = new SnapshotChunk(1, 2, 3, 4, meta, 8, Payload.ofUtf8("xy"), 0);
        SnapshotChunk first = new SnapshotChunk(1, 2, 3, 4, meta, 0, Payload.ofUtf8("xy"), 0);
        assertThat(((SnapshotChunk) MessageCodec.decode(MessageCodec.encode(last))).done()).isTrue();
        assertThat(((SnapshotChunk) MessageCodec.decode(MessageCodec.encode(first))).done()).isFalse();
    }

    @Test
    void aChunkOfOneMebibyteRoundTripsWithLittleOverhead() {
        byte[] data = new byte[1 << 20];
        new Random(Generators.SEED).nextBytes(data);
        SnapshotMeta meta = new SnapshotMeta(Long.MAX_VALUE, Long.MAX_VALUE, List.of(1L, 2L, Long.MAX_VALUE),
                Long.MAX_VALUE, 0xFFFF_FFFFL);
        SnapshotChunk chunk = new SnapshotChunk(Long.MAX_VALUE, Long.MAX_VALUE, 1, Long.MAX_VALUE, meta,
                Long.MAX_VALUE - data.length, Payload.copyOf(data), 0xFFFF_FFFFL);
        byte[] bytes = MessageCodec.encode(chunk);
        assertThat(MessageCodec.decode(bytes)).isEqualTo(chunk);
        // Header and meta with every field at its widest: what a transport's frame limit must leave room for.
        assertThat(bytes.length - data.length).isLessThan(200);
    }

    @Test
    void aRangeOutsideTheArrayIsACallerError() {
        byte[] bytes = MessageCodec.encode(new VoteResponse(1, 3, 2, 4, true));
        assertThatThrownBy(() -> MessageCodec.decode(bytes, 2, bytes.length))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static Arguments malformed(String name, byte[] bytes, String expectedMessage) {
        return arguments(name, bytes, expectedMessage);
    }

    /** {@code bytes} with the one occurrence of {@code from} replaced by {@code to}, of the same length. */
    private static byte[] replace(byte[] bytes, byte[] from, byte[] to) {
        String hex = HexFormat.of().formatHex(bytes);
        String fromHex = HexFormat.of().formatHex(from);
        assertThat(hex.indexOf(fromHex)).isEqualTo(hex.lastIndexOf(fromHex)).isNotNegative();
        return HexFormat.of().parseHex(hex.replace(fromHex, HexFormat.of().formatHex(to)));
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    private static RequestVoteProto.Builder requestVote() {
        return RequestVoteProto.newBuilder().setGroupId(1).setFrom(2).setTo(3).setTerm(4)
                .setLastLogIndex(5).setLastLogTerm(6);
    }

    private static VoteResponseProto.Builder voteResponse() {
        return VoteResponseProto.newBuilder().setGroupId(1).setFrom(3).setTo(2).setTerm(4).setGranted(true);
    }

    private static AppendEntriesProto.Builder appendEntries() {
        return AppendEntriesProto.newBuilder().setGroupId(1).setFrom(2).setTo(3).setTerm(4)
                .setPrevLogIndex(5).setPrevLogTerm(3).setLeaderCommit(5);
    }

    private static EntryProto.Builder entry(long index) {
        return EntryProto.newBuilder().setIndex(index).setTerm(4).setType(EntryTypeProto.ENTRY_TYPE_COMMAND);
    }

    /** Voters 1, 2, 3 and learner 4, addresses for 1 and 4. */
    private static MembershipProto.Builder membership() {
        return MembershipProto.newBuilder().addVoters(1).addVoters(2).addVoters(3).addLearners(4)
                .addAddresses(address(1, "a:1")).addAddresses(address(4, "d:4"));
    }

    private static MemberAddressProto.Builder address(long id, String address) {
        return MemberAddressProto.newBuilder().setId(id).setAddress(address);
    }

    private static EntryProto.Builder config(long index, MembershipProto.Builder membership) {
        return entry(index).setType(EntryTypeProto.ENTRY_TYPE_CONFIG).setMembership(membership);
    }

    private static SnapshotMetaProto.Builder meta() {
        return SnapshotMetaProto.newBuilder().setIndex(5).setTerm(3).addVoters(1).addVoters(2).addVoters(3)
                .setSizeBytes(10).setChecksum(7);
    }

    private static InstallSnapshotProto.Builder installSnapshot() {
        return InstallSnapshotProto.newBuilder().setGroupId(1).setFrom(2).setTo(3).setTerm(4).setMeta(meta());
    }

    private static SnapshotChunkProto.Builder snapshotChunk() {
        return SnapshotChunkProto.newBuilder().setGroupId(1).setFrom(2).setTo(3).setTerm(4).setMeta(meta())
                .setOffset(8).setData(ByteString.copyFromUtf8("xy")).setChecksum(9);
    }

    private static SnapshotChunkAckProto.Builder snapshotChunkAck() {
        return SnapshotChunkAckProto.newBuilder().setGroupId(1).setFrom(3).setTo(2).setTerm(4).setSnapshotIndex(5)
                .setSnapshotTerm(3).setNextOffset(8).setStatus(SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_RECEIVING);
    }

    private static Envelope envelope(InstallSnapshotProto.Builder body) {
        return Envelope.newBuilder().setInstallSnapshot(body).build();
    }

    private static Envelope envelope(SnapshotChunkProto.Builder body) {
        return Envelope.newBuilder().setSnapshotChunk(body).build();
    }

    private static Envelope envelope(SnapshotChunkAckProto.Builder body) {
        return Envelope.newBuilder().setSnapshotChunkAck(body).build();
    }

    private static Envelope envelope(RequestVoteProto.Builder body) {
        return Envelope.newBuilder().setRequestVote(body).build();
    }

    private static Envelope envelope(VoteResponseProto.Builder body) {
        return Envelope.newBuilder().setVoteResponse(body).build();
    }

    private static Envelope envelope(AppendEntriesProto.Builder body) {
        return Envelope.newBuilder().setAppendEntries(body).build();
    }

    private static Envelope envelope(TimeoutNowProto.Builder body) {
        return Envelope.newBuilder().setTimeoutNow(body).build();
    }

    private static Envelope envelope(AppendResponseProto.Builder body) {
        return Envelope.newBuilder().setAppendResponse(body).build();
    }
}
