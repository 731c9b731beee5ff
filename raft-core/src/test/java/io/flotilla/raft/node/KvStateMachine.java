package io.flotilla.raft.node;

import io.flotilla.raft.log.Payload;

import java.util.TreeMap;

/**
 * A small key-value {@link StateMachine} for tests: commands {@code put k v}, {@code append k v},
 * {@code incr k}; query {@code get k}. Each command's result is the key's new value; unknown commands throw,
 * which makes them fail their proposal (deterministically, on every node).
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
    public Payload query(Payload query) {
        String[] p = query.toStringUtf8().split(" ", 2);
        if (!p[0].equals("get")) {
            throw new IllegalArgumentException("unknown query " + p[0]);
        }
        String value = data.get(p[1]);
        return value == null ? Payload.EMPTY : Payload.ofUtf8(value);
    }
}
