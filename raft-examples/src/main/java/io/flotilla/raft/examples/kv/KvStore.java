package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicated key-value state: a map from byte-string keys to byte-string values, changed only by committed
 * {@link Command}s. It decides everything a command's outcome depends on — whether {@code SET NX} finds the key,
 * whether a value is an integer, whether {@code INCRBY} overflows — so every node computes the same answer, and
 * returns that answer (a {@link Reply}, errors included) from {@code apply}. Nothing a client sends can make it throw:
 * a payload that does not decode is answered with an error reply.
 *
 * <p>Threading: called only on its node's apply thread (see {@link StateMachine}); {@link #keyCount()} may be read
 * from any thread.
 *
 * <p>Keys are held as ISO-8859-1 strings, one char per byte, which is lossless for any bytes and gives
 * {@code equals}/{@code hashCode} by content; values as immutable {@link Payload}s. A snapshot captures a shallow
 * copy of the map (the values are shared, being immutable): the apply thread pauses for an O(keys) reference copy,
 * about 10-50 ms per million keys, and the copy is written out on the snapshot thread.
 *
 * <p>Snapshot format: the magic {@code FKV1}, the key count (int), then each key and value as an int length and
 * its bytes; big-endian.
 */
public final class KvStore implements StateMachine {
    private static final int MAGIC = 0x464B5631; // "FKV1"

    private final HashMap<String, Payload> data = new HashMap<>();
    private volatile int keyCount;

    @Override
    public Payload apply(long index, Payload command) {
        Reply reply;
        try {
            Command c = Command.decode(command);
            reply = c.op().isRead() ? Reply.err("a read was proposed as a write: " + c.op()) : write(c);
        } catch (IllegalArgumentException e) {
            reply = Reply.err("malformed command: " + e.getMessage());
        }
        keyCount = data.size();
        return reply.encode();
    }

    @Override
    public Payload query(Payload query) {
        Reply reply;
        try {
            Command c = Command.decode(query);
            reply = c.op().isRead() ? read(c) : Reply.err("a write was sent as a read: " + c.op());
        } catch (IllegalArgumentException e) {
            reply = Reply.err("malformed command: " + e.getMessage());
        }
        return reply.encode();
    }

    private Reply read(Command c) {
        switch (c.op()) {
            case GET -> {
                return arity(c, 1) ? bulk(data.get(c.key(0))) : wrongArity(c);
            }
            case MGET -> {
                List<Payload> values = new ArrayList<>(c.argCount());
                for (int i = 0; i < c.argCount(); i++) {
                    values.add(data.get(c.key(i)));
                }
                return new Reply.Multi(values);
            }
            case EXISTS -> {
                long n = 0;
                for (int i = 0; i < c.argCount(); i++) {
                    n += data.containsKey(c.key(i)) ? 1 : 0;
                }
                return new Reply.Int(n);
            }
            default -> throw new IllegalStateException("not a read: " + c.op());
        }
    }

    private Reply write(Command c) {
        switch (c.op()) {
            case SET, SET_NX, SET_XX -> {
                if (!arity(c, 2)) {
                    return wrongArity(c);
                }
                String key = c.key(0);
                boolean exists = data.containsKey(key);
                if (c.op() == Command.Op.SET_NX && exists || c.op() == Command.Op.SET_XX && !exists) {
                    return Reply.NIL;
                }
                data.put(key, Payload.copyOf(c.arg(1)));
                return Reply.OK;
            }
            case MSET -> {
                if (c.argCount() == 0 || c.argCount() % 2 != 0) {
                    return wrongArity(c);
                }
                for (int i = 0; i < c.argCount(); i += 2) {
                    data.put(c.key(i), Payload.copyOf(c.arg(i + 1)));
                }
                return Reply.OK;
            }
            case DEL -> {
                long n = 0;
                for (int i = 0; i < c.argCount(); i++) {
                    n += data.remove(c.key(i)) != null ? 1 : 0;
                }
                return new Reply.Int(n);
            }
            case APPEND -> {
                if (!arity(c, 2)) {
                    return wrongArity(c);
                }
                Payload old = data.get(c.key(0));
                byte[] tail = c.arg(1);
                byte[] joined;
                if (old == null) {
                    joined = tail;
                } else {
                    joined = java.util.Arrays.copyOf(old.toByteArray(), old.size() + tail.length);
                    System.arraycopy(tail, 0, joined, old.size(), tail.length);
                }
                data.put(c.key(0), Payload.copyOf(joined));
                return new Reply.Int(joined.length);
            }
            case INCRBY -> {
                if (!arity(c, 2)) {
                    return wrongArity(c);
                }
                Long delta = RedisCommands.parseLong(c.arg(1));
                Payload old = data.get(c.key(0));
                Long current = old == null ? Long.valueOf(0) : RedisCommands.parseLong(old.toByteArray());
                if (delta == null || current == null) {
                    return Reply.err("value is not an integer or out of range");
                }
                long next;
                try {
                    next = Math.addExact(current, delta);
                } catch (ArithmeticException e) {
                    return Reply.err("increment or decrement would overflow");
                }
                data.put(c.key(0), Payload.ofUtf8(Long.toString(next)));
                return new Reply.Int(next);
            }
            default -> throw new IllegalStateException("not a write: " + c.op());
        }
    }

    private static boolean arity(Command c, int n) {
        return c.argCount() == n;
    }

    private static Reply wrongArity(Command c) {
        return Reply.err("wrong number of arguments for " + c.op());
    }

    private static Reply bulk(Payload value) {
        return value == null ? Reply.NIL : new Reply.Bulk(value);
    }

    /** The number of keys after the last apply or restore; any thread. */
    public int keyCount() {
        return keyCount;
    }

    @Override
    public SnapshotWriter snapshot() {
        Map<String, Payload> view = new HashMap<>(data); // values are immutable: a shallow copy is a point in time
        return out -> {
            DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
            d.writeInt(MAGIC);
            d.writeInt(view.size());
            for (Map.Entry<String, Payload> e : view.entrySet()) {
                byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
                d.writeInt(key.length);
                d.write(key);
                d.writeInt(e.getValue().size());
                d.write(e.getValue().toByteArray());
            }
            d.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        int magic = d.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a KV snapshot: magic " + Integer.toHexString(magic));
        }
        int n = d.readInt();
        HashMap<String, Payload> restored = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String key = new String(readBytes(d), StandardCharsets.ISO_8859_1);
            restored.put(key, Payload.copyOf(readBytes(d)));
        }
        data.clear();
        data.putAll(restored);
        keyCount = data.size();
    }

    private static byte[] readBytes(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0) {
            throw new IOException("negative length " + n + " in snapshot");
        }
        byte[] b = new byte[n];
        d.readFully(b);
        return b;
    }
}
