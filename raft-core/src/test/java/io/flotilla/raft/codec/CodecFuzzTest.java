package io.flotilla.raft.codec;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.message.Message;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
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
