package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Which client commands become writes, reads or local answers, and the syntax errors caught before the log. */
class RedisCommandsTest {
    private static RedisCommands.Request parse(String... words) {
        return RedisCommands.parse(Arrays.stream(words).map(w -> w.getBytes(StandardCharsets.UTF_8)).toList());
    }

    private static String error(String... words) {
        RedisCommands.Request r = parse(words);
        assertThat(r).isInstanceOf(RedisCommands.Local.class);
        return ((Reply.Error) ((RedisCommands.Local) r).reply()).message();
    }

    @Test
    void writesAndReadsMapToTheirOps() {
        assertThat(((RedisCommands.Write) parse("set", "k", "v", "nx")).command())
                .isEqualTo(Command.ofUtf8(Command.Op.SET_NX, "k", "v"));
        assertThat(((RedisCommands.Write) parse("SET", "k", "v", "XX")).command())
                .isEqualTo(Command.ofUtf8(Command.Op.SET_XX, "k", "v"));
        assertThat(((RedisCommands.Write) parse("decr", "n")).command())
                .isEqualTo(Command.ofUtf8(Command.Op.INCRBY, "n", "-1"));
        assertThat(((RedisCommands.Write) parse("decrby", "n", "-5")).command())
                .isEqualTo(Command.ofUtf8(Command.Op.INCRBY, "n", "5"));
        assertThat(((RedisCommands.Read) parse("MGET", "a", "b")).command())
                .isEqualTo(Command.ofUtf8(Command.Op.MGET, "a", "b"));
        assertThat(parse("info")).isInstanceOf(RedisCommands.Info.class);
        assertThat(((RedisCommands.Local) parse("ping")).reply()).isEqualTo(new Reply.Simple("PONG"));
        assertThat(parse("client", "setinfo", "lib-name", "jedis")).isInstanceOf(RedisCommands.Local.class);
    }

    @Test
    void syntaxErrorsAreAnsweredWithoutTouchingTheCluster() {
        assertThat(error("get")).isEqualTo("ERR wrong number of arguments for 'get' command");
        assertThat(error("mset", "a", "1", "b")).isEqualTo("ERR wrong number of arguments for 'mset' command");
        assertThat(error("set", "k", "v", "nx", "xx")).isEqualTo("ERR syntax error");
        assertThat(error("set", "k", "v", "bogus")).isEqualTo("ERR syntax error");
        assertThat(error("set", "k", "v", "ex", "10")).contains("EX is not supported");
        assertThat(error("incrby", "k", "ten")).isEqualTo("ERR value is not an integer or out of range");
        assertThat(error("decrby", "k", "-9223372036854775808")).isEqualTo("ERR decrement would overflow");
        assertThat(error("flushall", "now")).startsWith("ERR unknown command 'flushall', with args beginning with: 'now'");
        assertThat(error("select", "1")).contains("out of range");
        assertThat(error("bad\r\nname")).doesNotContain("\r").doesNotContain("\n");
    }
}
