package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key-value state machine of a {@link NodeProcess}: command {@code put <key> <value>} (the result is the value);
 * queries {@code get <key>} and {@code digest} (a SHA-256 of the whole map, {@link #digest(Map)}, so that a test can
 * compare the state of several processes, and with what it wrote, in one answer). Deterministic; values may be of any
 * length. A snapshot copies the map on the apply thread (the point-in-time view; the strings are shared) and writes
 * it out on the snapshot thread; {@link #restore} replaces the map.
 */
final class ProcessStateMachine implements StateMachine {
    private final TreeMap<String, String> data = new TreeMap<>();

    @Override
    public Payload apply(long index, Payload command) {
        String[] p = command.toStringUtf8().split(" ", 3);
        if (!p[0].equals("put") || p.length != 3) {
            throw new IllegalArgumentException("unknown command " + p[0]);
        }
        data.put(p[1], p[2]);
        return Payload.ofUtf8(p[2]);
    }

    @Override
    public Payload query(Payload query) {
        String[] p = query.toStringUtf8().split(" ", 2);
        return switch (p[0]) {
            case "get" -> {
                String value = data.get(p[1]);
                yield value == null ? Payload.EMPTY : Payload.ofUtf8(value);
            }
            case "digest" -> Payload.ofUtf8(digest(data));
            default -> throw new IllegalArgumentException("unknown query " + p[0]);
        };
    }

    @Override
    public SnapshotWriter snapshot() {
        TreeMap<String, String> copy = new TreeMap<>(data);
        return out -> {
            DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out, 64 << 10));
            d.writeInt(copy.size());
            for (Map.Entry<String, String> e : copy.entrySet()) {
                writeString(d, e.getKey());
                writeString(d, e.getValue());
            }
            d.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int n = d.readInt();
        TreeMap<String, String> restored = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            restored.put(readString(d), readString(d));
        }
        data.clear();
        data.putAll(restored);
    }

    /** {@code <entries> <sha-256 hex>} of the map's entries in key order. */
    static String digest(Map<String, String> map) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '=');
            sha.update(e.getValue().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return map.size() + " " + HexFormat.of().formatHex(sha.digest());
    }

    private static void writeString(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(b.length);
        d.write(b);
    }

    private static String readString(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0) {
            throw new IOException("negative string length " + n);
        }
        byte[] b = d.readNBytes(n);
        if (b.length != n) {
            throw new java.io.EOFException("a string of " + n + " bytes ends after " + b.length);
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
