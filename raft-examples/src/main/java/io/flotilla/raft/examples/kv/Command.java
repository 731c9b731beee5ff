package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One key-value operation as it is stored in the Raft log (writes, through {@code propose}) or handed to
 * {@code StateMachine.query} (reads, through ReadIndex): an {@link Op} and its arguments. Immutable; compares by
 * content.
 *
 * <p>Encoding, version 1 (docs/kv-server.md): one byte, the op's {@link Op#code()}; an unsigned LEB128 varint, the
 * number of arguments; then each argument as a varint length and its bytes. {@code SET k v} with a 3-byte key and a
 * 3-byte value takes 10 bytes. The codes are part of the disk format: never renumber one.
 */
public final class Command {
    /**
     * The operations of the state machine. Redis commands map onto them in {@link RedisCommands}: {@code INCR},
     * {@code DECR}, {@code INCRBY} and {@code DECRBY} all become {@link #INCRBY}.
     */
    public enum Op {
        /** Read: {@code key} → the value or nil. */
        GET(1, true),
        /** Read: {@code key...} → the values, nil for missing keys. */
        MGET(2, true),
        /** Read: {@code key...} → how many of the keys exist (a key named twice counts twice). */
        EXISTS(3, true),
        /** {@code key value} → OK. */
        SET(10, false),
        /** {@code key value} → OK if the key was absent and is now set, nil otherwise. */
        SET_NX(11, false),
        /** {@code key value} → OK if the key existed and is now set, nil otherwise. */
        SET_XX(12, false),
        /** {@code key...} → how many keys were removed. */
        DEL(13, false),
        /** {@code key value} → the length of the value after appending. */
        APPEND(14, false),
        /** {@code key delta} (delta in decimal) → the new value; errors for a non-integer value or an overflow. */
        INCRBY(15, false),
        /** {@code key value [key value...]} → OK. */
        MSET(16, false);

        private final int code;
        private final boolean read;

        Op(int code, boolean read) {
            this.code = code;
            this.read = read;
        }

        /** The byte that stands for this op in the encoding. */
        public int code() {
            return code;
        }

        /** Whether this op only reads (served by {@code read}, never logged). */
        public boolean isRead() {
            return read;
        }

        static Op of(int code) {
            for (Op op : values()) {
                if (op.code == code) {
                    return op;
                }
            }
            throw new IllegalArgumentException("unknown op code " + code);
        }
    }

    private final Op op;
    private final List<byte[]> args;

    private Command(Op op, List<byte[]> args) {
        this.op = op;
        this.args = args;
    }

    /** A command with copies of {@code args}. */
    public static Command of(Op op, List<byte[]> args) {
        List<byte[]> copy = new ArrayList<>(args.size());
        for (byte[] a : args) {
            copy.add(a.clone());
        }
        return new Command(op, List.copyOf(copy));
    }

    /** A command whose arguments are the UTF-8 encodings of {@code args} (for tests and examples). */
    public static Command ofUtf8(Op op, String... args) {
        return new Command(op, Arrays.stream(args).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList());
    }

    public Op op() {
        return op;
    }

    public int argCount() {
        return args.size();
    }

    /** A copy of argument {@code i}. */
    public byte[] arg(int i) {
        return args.get(i).clone();
    }

    /** Argument {@code i} as a map key: its bytes as ISO-8859-1 characters, one char per byte (lossless). */
    String key(int i) {
        return new String(args.get(i), StandardCharsets.ISO_8859_1);
    }

    /** The encoded command (see the class comment). */
    public Payload encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + args.stream().mapToInt(a -> a.length + 2).sum());
        out.write(op.code);
        Varints.writeVarint(out, args.size());
        for (byte[] a : args) {
            Varints.writeBytes(out, a);
        }
        return Payload.copyOf(out.toByteArray());
    }

    /** Decodes {@link #encode()}'s output; throws {@link IllegalArgumentException} for anything else. */
    public static Command decode(Payload payload) {
        Varints.Reader in = new Varints.Reader(payload);
        Op op = Op.of(in.readByte());
        int n = in.readLength();
        List<byte[]> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            args.add(in.readBytes());
        }
        in.expectEnd();
        return new Command(op, List.copyOf(args));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Command c) || c.op != op || c.args.size() != args.size()) {
            return false;
        }
        for (int i = 0; i < args.size(); i++) {
            if (!Arrays.equals(args.get(i), c.args.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = op.hashCode();
        for (byte[] a : args) {
            h = 31 * h + Arrays.hashCode(a);
        }
        return h;
    }

    @Override
    public String toString() {
        return op + " " + args.size() + " args";
    }
}
