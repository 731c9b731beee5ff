package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.flotilla.raft.examples.kv.Command.Op.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state machine's commands, decided deterministically and answered as values; snapshots; the encodings. */
class KvStoreTest {
    private final KvStore store = new KvStore();
    private long index;

    private Reply write(Command.Op op, String... args) {
        return Reply.decode(store.apply(++index, Command.ofUtf8(op, args).encode()));
    }

    private Reply read(Command.Op op, String... args) {
        return Reply.decode(store.query(Command.ofUtf8(op, args).encode()));
    }

    private static Reply bulk(String s) {
        return new Reply.Bulk(Payload.ofUtf8(s));
    }

    @Test
    void setNxOnlySetsAnAbsentKeyAndSetXxOnlyAPresentOne() {
        assertThat(write(SET_XX, "k", "a")).isEqualTo(Reply.NIL);
        assertThat(read(GET, "k")).isEqualTo(Reply.NIL);
        assertThat(write(SET_NX, "k", "b")).isEqualTo(Reply.OK);
        assertThat(write(SET_NX, "k", "c")).isEqualTo(Reply.NIL);
        assertThat(read(GET, "k")).isEqualTo(bulk("b"));
        assertThat(write(SET_XX, "k", "d")).isEqualTo(Reply.OK);
        assertThat(write(SET, "k", "e")).isEqualTo(Reply.OK);
        assertThat(read(GET, "k")).isEqualTo(bulk("e"));
    }

    @Test
    void incrByCountsFromZeroAndRefusesNonIntegersAndOverflowAsValuesWithoutChangingTheKey() {
        assertThat(write(INCRBY, "n", "5")).isEqualTo(new Reply.Int(5));
        assertThat(write(INCRBY, "n", "-7")).isEqualTo(new Reply.Int(-2));
        write(SET, "text", "12a");
        assertThat(write(INCRBY, "text", "1")).isEqualTo(Reply.err("value is not an integer or out of range"));
        assertThat(read(GET, "text")).isEqualTo(bulk("12a"));
        write(SET, "max", Long.toString(Long.MAX_VALUE));
        assertThat(write(INCRBY, "max", "1")).isEqualTo(Reply.err("increment or decrement would overflow"));
        assertThat(read(GET, "max")).isEqualTo(bulk(Long.toString(Long.MAX_VALUE)));
    }

    @Test
    void appendDelExistsMsetMget() {
        assertThat(write(APPEND, "s", "ab")).isEqualTo(new Reply.Int(2));
        assertThat(write(APPEND, "s", "cd")).isEqualTo(new Reply.Int(4));
        assertThat(write(MSET, "x", "1", "y", "2")).isEqualTo(Reply.OK);
        assertThat(read(EXISTS, "x", "x", "nope")).isEqualTo(new Reply.Int(2));
        assertThat(read(MGET, "s", "nope", "y")).isEqualTo(new Reply.Multi(Arrays.asList(
                Payload.ofUtf8("abcd"), null, Payload.ofUtf8("2"))));
        assertThat(write(DEL, "x", "nope", "y")).isEqualTo(new Reply.Int(2));
        assertThat(read(EXISTS, "x", "y")).isEqualTo(new Reply.Int(0));
        assertThat(store.keyCount()).isEqualTo(1);
    }

    @Test
    void keysAndValuesAreArbitraryBytes() {
        byte[] key = {0, (byte) 0xFF, '\r', '\n', (byte) 0xC3};
        byte[] value = {(byte) 0x80, 0, 1};
        store.apply(++index, Command.of(SET, List.of(key, value)).encode());
        Reply r = Reply.decode(store.query(Command.of(GET, List.of(key.clone())).encode()));
        assertThat(((Reply.Bulk) r).value().toByteArray()).containsExactly(value);
    }

    @Test
    void aPayloadThatIsNotACommandOrAReadProposedAsAWriteIsAnsweredWithAnErrorNotAnException() {
        Reply garbage = Reply.decode(store.apply(++index, Payload.copyOf(new byte[] {(byte) 200, 1, 2})));
        assertThat(garbage).isInstanceOf(Reply.Error.class);
        assertThat(((Reply.Error) garbage).message()).startsWith("ERR malformed command");
        Reply misplaced = Reply.decode(store.apply(++index, Command.ofUtf8(GET, "k").encode()));
        assertThat(((Reply.Error) misplaced).message()).contains("read was proposed as a write");
        Reply wrongArity = Reply.decode(store.apply(++index, Command.ofUtf8(SET, "k").encode()));
        assertThat(((Reply.Error) wrongArity).message()).contains("wrong number of arguments");
    }

    @Test
    void aSnapshotIsAPointInTimeViewAndRestoresIntoAFreshStore() throws Exception {
        write(SET, "a", "1");
        write(SET, "b", "2");
        var writer = store.snapshot();
        write(SET, "a", "changed after the capture");
        write(DEL, "b");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeTo(out);

        KvStore restored = new KvStore();
        restored.restore(new ByteArrayInputStream(out.toByteArray()));
        assertThat(Reply.decode(restored.query(Command.ofUtf8(MGET, "a", "b").encode())))
                .isEqualTo(new Reply.Multi(List.of(Payload.ofUtf8("1"), Payload.ofUtf8("2"))));
        assertThat(restored.keyCount()).isEqualTo(2);
        assertThatThrownBy(() -> new KvStore().restore(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 0, 0, 0, 0})))
                .hasMessageContaining("not a KV snapshot");
    }

    @Test
    void commandsAndRepliesSurviveTheirEncodings() {
        Command c = Command.of(MSET, List.of(new byte[300], "v".getBytes(StandardCharsets.UTF_8), new byte[0],
                new byte[] {-1}));
        assertThat(Command.decode(c.encode())).isEqualTo(c);
        assertThat(Command.ofUtf8(SET, "abc", "xyz").encode().size()).as("compact").isEqualTo(10);
        for (Reply r : List.of(Reply.OK, Reply.NIL, Reply.err("x"), new Reply.Int(Long.MIN_VALUE),
                new Reply.Int(Long.MAX_VALUE), new Reply.Int(-1), bulk(""), bulk("hello"),
                new Reply.Multi(Arrays.asList(null, Payload.EMPTY, Payload.ofUtf8("z"))))) {
            assertThat(Reply.decode(r.encode())).isEqualTo(r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0a", "0f05", "0f0501", "0f01ffffffffffffffffffff01", "0f0105616263", "0a0000"})
    void malformedCommandEncodingsAreRefused(String hex) {
        byte[] bytes = java.util.HexFormat.of().parseHex(hex);
        assertThatThrownBy(() -> Command.decode(Payload.copyOf(bytes))).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            0, 0
            -1, -1
            9223372036854775807, 9223372036854775807
            -9223372036854775808, -9223372036854775808
            9223372036854775808, null
            007, null
            -0, null
            +1, null
            ' 1', null
            1.5, null
            -, null
            '', null
            """, nullValues = "null")
    void integersParseAsRedisParsesThem(String text, Long expected) {
        assertThat(RedisCommands.parseLong(text.getBytes(StandardCharsets.US_ASCII))).isEqualTo(expected);
    }
}
