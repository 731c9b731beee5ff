package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small key-value {@link StateMachine} for tests: commands {@code put k v}, {@code append k v},
 * {@code incr k}; query {@code get k}. Each command's result is the key's new value; unknown commands throw,
 * which makes them fail their proposal (deterministically, on every node). Snapshots copy the map on the apply
 * thread (fine for a test's small state) and write it out on the snapshot thread.
 */
public final class KvStateMachine implements StateMachine {
    private final TreeMap<String, String> data = new TreeMap<>();
    private long lastIndex;

    @Override
    public Payload apply(long index, Payload command) {
        if (index <= lastIndex) {
            throw new IllegalStateException("apply of " + index + " after " + lastIndex);
        }
        lastIndex = index;
        String[] p = command.toStringUtf8().split(" ", 3);
        String value = switch (p[0]) {
            case "put" -> p[2];
            case "append" -> data.getOrDefault(p[1], "") + p[2];
            case "incr" -> Long.toString(Long.parseLong(data.getOrDefault(p[1], "0")) + 1);
            default -> throw new IllegalArgumentException("unknown command " + p[0]);
        };
        data.put(p[1], value);
        return Payload.ofUtf8(value);
    }

    @Override
    public SnapshotWriter snapshot() {
        TreeMap<String, String> copy = new TreeMap<>(data); // the point-in-time view
        long index = lastIndex;
        return out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeLong(index);
            d.writeInt(copy.size());
            for (Map.Entry<String, String> e : copy.entrySet()) {
                d.writeUTF(e.getKey());
                d.writeUTF(e.getValue());
            }
            d.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        long index = d.readLong();
        int n = d.readInt();
        TreeMap<String, String> restored = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            restored.put(d.readUTF(), d.readUTF());
        }
        data.clear();
        data.putAll(restored);
        lastIndex = index;
    }

    /** The number of keys held (for tests). */
    public int size() {
        return data.size();
    }

    @Override
    public Payload query(Payload query) {
        String[] p = query.toStringUtf8().split(" ", 2);
        if (!p[0].equals("get")) {
            throw new IllegalArgumentException("unknown query " + p[0]);
        }
        String value = data.get(p[1]);
        return value == null ? Payload.EMPTY : Payload.ofUtf8(value);
    }
}
