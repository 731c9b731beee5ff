package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Turns a client's command (its arguments as sent, name first) into what the server does with it: a write to
 * propose, a read to serve through ReadIndex, an answer given on this node alone, or an error. Only syntax and
 * argument checks happen here; anything that depends on the data is decided by {@link KvStore}. Stateless; any
 * thread.
 */
public final class RedisCommands {
    private RedisCommands() {
    }

    /** What to do with one client command. */
    public sealed interface Request permits Write, Read, Local, Info, Quit {
        /** The command's name in lower case, for metrics ({@code unknown} for names the server does not know). */
        String name();
    }

    /** Propose {@code command} through the Raft log. */
    public record Write(String name, Command command) implements Request {
    }

    /** Serve {@code command} through a linearizable read (ReadIndex). */
    public record Read(String name, Command command) implements Request {
    }

    /** Answer {@code reply} at once, without the cluster: PING, CLIENT, SELECT 0, and every error of syntax. */
    public record Local(String name, Reply reply) implements Request {
    }

    /** Answer with this node's role, term, leader and log progress. */
    public record Info(String name) implements Request {
    }

    /** Answer OK and close the connection. */
    public record Quit(String name) implements Request {
    }

    /** The commands this server knows, in lower case (the values of the {@code command} metric label). */
    public static final List<String> NAMES = List.of("get", "set", "del", "exists", "append", "incr", "incrby",
            "decr", "decrby", "mget", "mset", "ping", "echo", "info", "client", "select", "quit");

    /** Parses one command; {@code args} is non-empty, the command name first. */
    public static Request parse(List<byte[]> args) {
        String name = new String(args.get(0), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        int n = args.size() - 1; // arguments after the name
        List<byte[]> rest = args.subList(1, args.size());
        switch (name) {
            case "get":
                return n == 1 ? read(name, Command.Op.GET, rest) : arity(name);
            case "mget":
                return n >= 1 ? read(name, Command.Op.MGET, rest) : arity(name);
            case "exists":
                return n >= 1 ? read(name, Command.Op.EXISTS, rest) : arity(name);
            case "set":
                return set(rest);
            case "del":
                return n >= 1 ? write(name, Command.Op.DEL, rest) : arity(name);
            case "append":
                return n == 2 ? write(name, Command.Op.APPEND, rest) : arity(name);
            case "mset":
                return n >= 2 && n % 2 == 0 ? write(name, Command.Op.MSET, rest) : arity(name);
            case "incr":
                return n == 1 ? incrBy(name, rest.get(0), 1) : arity(name);
            case "decr":
                return n == 1 ? incrBy(name, rest.get(0), -1) : arity(name);
            case "incrby":
            case "decrby":
                return n == 2 ? incrBy(name, rest.get(0), rest.get(1)) : arity(name);
            case "ping":
                return n == 0 ? new Local(name, new Reply.Simple("PONG"))
                        : n == 1 ? new Local(name, new Reply.Bulk(Payload.copyOf(rest.get(0)))) : arity(name);
            case "echo":
                return n == 1 ? new Local(name, new Reply.Bulk(Payload.copyOf(rest.get(0)))) : arity(name);
            case "info":
                return n <= 1 ? new Info(name) : arity(name);
            case "quit":
                return new Quit(name);
            case "select":
                if (n != 1) {
                    return arity(name);
                }
                return new Local(name, "0".equals(utf8(rest.get(0))) ? Reply.OK
                        : Reply.err("DB index is out of range (this server has database 0 only)"));
            case "client":
                return client(rest);
            default:
                return unknown(args);
        }
    }

    private static Request set(List<byte[]> rest) {
        if (rest.size() < 2) {
            return arity("set");
        }
        Command.Op op = Command.Op.SET;
        for (byte[] option : rest.subList(2, rest.size())) {
            String o = utf8(option).toUpperCase(Locale.ROOT);
            switch (o) {
                case "NX", "XX" -> {
                    if (op != Command.Op.SET) {
                        return new Local("set", Reply.err("syntax error"));
                    }
                    op = o.equals("NX") ? Command.Op.SET_NX : Command.Op.SET_XX;
                }
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET" -> {
                    return new Local("set", Reply.err("SET option " + o
                            + " is not supported by this server (only NX and XX)"));
                }
                default -> {
                    return new Local("set", Reply.err("syntax error"));
                }
            }
        }
        return write("set", op, rest.subList(0, 2));
    }

    private static Request incrBy(String name, byte[] key, byte[] delta) {
        Long d = parseLong(delta);
        if (d == null) {
            return new Local(name, Reply.err("value is not an integer or out of range"));
        }
        if (name.equals("decrby")) {
            if (d == Long.MIN_VALUE) {
                return new Local(name, Reply.err("decrement would overflow"));
            }
            d = -d;
        }
        return incrBy(name, key, d);
    }

    private static Request incrBy(String name, byte[] key, long delta) {
        return new Write(name, Command.of(Command.Op.INCRBY,
                List.of(key, Long.toString(delta).getBytes(StandardCharsets.US_ASCII))));
    }

    private static Request client(List<byte[]> rest) {
        if (rest.isEmpty()) {
            return arity("client");
        }
        String sub = utf8(rest.get(0)).toUpperCase(Locale.ROOT);
        return switch (sub) {
            // Client libraries name themselves on connect (Jedis: CLIENT SETINFO); accepted and ignored.
            case "SETNAME", "SETINFO" -> new Local("client", Reply.OK);
            case "GETNAME" -> new Local("client", Reply.NIL);
            default -> new Local("client", Reply.err("unknown subcommand '" + printable(rest.get(0))
                    + "'. This server supports CLIENT SETNAME, SETINFO and GETNAME."));
        };
    }

    private static Request read(String name, Command.Op op, List<byte[]> args) {
        return new Read(name, Command.of(op, args));
    }

    private static Request write(String name, Command.Op op, List<byte[]> args) {
        return new Write(name, Command.of(op, args));
    }

    private static Request arity(String name) {
        return new Local(name, Reply.err("wrong number of arguments for '" + name + "' command"));
    }

    private static Request unknown(List<byte[]> args) {
        StringBuilder sb = new StringBuilder("unknown command '").append(printable(args.get(0)))
                .append("', with args beginning with: ");
        for (byte[] a : args.subList(1, Math.min(args.size(), 4))) {
            sb.append('\'').append(printable(a)).append("' ");
        }
        return new Local("unknown", Reply.err(sb.toString()));
    }

    /** At most 64 characters of {@code bytes}, for an error message: control characters become '?'. */
    static String printable(byte[] bytes) {
        String s = utf8(bytes);
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return s.codePointCount(0, s.length()) > 64 ? sb + "..." : sb.toString();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Parses a signed 64-bit decimal integer the way Redis does: an optional minus sign, digits, no leading zeros
     * (except "0" itself), no spaces or plus sign. Returns null if {@code bytes} is not such a number or is out of
     * range.
     */
    static Long parseLong(byte[] bytes) {
        int n = bytes.length;
        if (n == 0 || n > 20) {
            return null;
        }
        int start = bytes[0] == '-' ? 1 : 0;
        if (start == n || bytes[start] == '0' && (n - start > 1 || start == 1)) {
            return null; // "-", leading zeros, "-0"
        }
        for (int i = start; i < n; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                return null;
            }
        }
        try {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return null; // out of range
        }
    }
}
