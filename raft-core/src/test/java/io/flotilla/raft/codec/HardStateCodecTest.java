package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.HardStateRecord;
import io.flotilla.raft.log.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class HardStateCodecTest {
    private static final int CASES = 10_000;

    @Test
    void randomHardStatesRoundTrip() {
        Generators gen = new Generators(new Random(Generators.SEED));
        for (int i = 0; i < CASES; i++) {
            HardState state = gen.hardState();
            assertThat(HardStateCodec.decode(HardStateCodec.encode(state)))
                    .as(Generators.replay("case " + i + ": " + state))
                    .isEqualTo(state);
        }
    }

    /** Pins the disk format: a change here makes existing stores unreadable. Regenerate only on purpose. */
    @Test
    void encodingIsStable() {
        assertThat(HexFormat.of().formatHex(HardStateCodec.encode(new HardState(4, 2, 5)))).isEqualTo("080410021805");
        assertThat(HardStateCodec.encode(HardState.EMPTY)).isEmpty();
        assertThat(HardStateCodec.decode(new byte[0])).isEqualTo(HardState.EMPTY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHardStates")
    void malformedInputIsRejectedWithCodecException(String name, byte[] bytes, String expected) {
        assertThatThrownBy(() -> HardStateCodec.decode(bytes))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining(expected);
    }

    static Stream<Arguments> malformedHardStates() {
        return Stream.of(
                arguments("garbage", new byte[] {(byte) 0xFF, (byte) 0xFF, 0x07}, "malformed HardStateRecord"),
                arguments("truncated varint", new byte[] {0x08, (byte) 0x80}, "malformed HardStateRecord"),
                arguments("term above Long.MAX_VALUE", HardStateRecord.newBuilder().setTerm(-1).build().toByteArray(),
                        "invalid HardState: hard state fields must be >= 0: -1/0/0"),
                arguments("votedFor above Long.MAX_VALUE",
                        HardStateRecord.newBuilder().setTerm(3).setVotedFor(Long.MIN_VALUE).build().toByteArray(),
                        "invalid HardState: hard state fields must be >= 0"),
                arguments("commit above Long.MAX_VALUE",
                        HardStateRecord.newBuilder().setCommit(-2).build().toByteArray(),
                        "invalid HardState: hard state fields must be >= 0"));
    }
}
