package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.SnapshotMetaRecord;
import io.flotilla.raft.log.SnapshotMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
        for (int i = 0; i < CASES; i++) {
            SnapshotMeta meta = randomMeta(random);
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

    /** Pins the disk format: a change here makes existing snapshot stores unreadable. Regenerate only on purpose. */
    @Test
    void encodingIsStable() {
        SnapshotMeta meta = new SnapshotMeta(7, 2, List.of(1L, 2L, 3L), 300, 0xDEADBEEFL);
        assertThat(HexFormat.of().formatHex(SnapshotMetaCodec.encode(meta)))
                .isEqualTo("080710021a03010203" + "20ac02" + "2defbeadde");
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
                arguments("empty", new byte[0], "invalid SnapshotMeta: snapshot index and term must be > 0"),
                arguments("no voters", record().clearVoters().build().toByteArray(),
                        "invalid SnapshotMeta: a snapshot names at least one voter"),
                arguments("voters not ascending", record().clearVoters().addVoters(3).addVoters(2).build()
                        .toByteArray(), "voters must be positive and strictly ascending"),
                arguments("voter above Long.MAX_VALUE", record().addVoters(-1).build().toByteArray(),
                        "voters must be positive"),
                arguments("index above Long.MAX_VALUE", record().setIndex(-1).build().toByteArray(),
                        "snapshot index and term must be > 0"),
                arguments("size above Long.MAX_VALUE", record().setSizeBytes(-5).build().toByteArray(),
                        "sizeBytes must be >= 0"));
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
