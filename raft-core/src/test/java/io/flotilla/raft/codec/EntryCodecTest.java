package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import io.flotilla.raft.codec.proto.EntryRecord;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.HexFormat;
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
                arguments("type unknown", record().setTypeValue(3).build().toByteArray(),
                        "invalid Entry: unknown entry type 3"));
    }

    private static EntryRecord.Builder record() {
        return EntryRecord.newBuilder().setIndex(7).setTerm(4).setType(EntryTypeProto.ENTRY_TYPE_COMMAND)
                .setData(ByteString.copyFromUtf8("command"));
    }
}
