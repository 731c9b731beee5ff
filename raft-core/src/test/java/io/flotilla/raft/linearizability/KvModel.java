package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link Model} of a key-value store of strings with get, put, append, increment and compare-and-set.
 * Keys are independent, so {@link #partition} splits a history by key (in key order) and each key is
 * checked on its own, which keeps the search small; the state of one partition is the key's {@link Cell}.
 *
 * <p>Semantics, for a key holding {@code v} ({@code null} when absent):
 * <ul>
 *   <li>{@link Get} answers {@link Value}{@code (v)};</li>
 *   <li>{@link Put} sets {@code value}, {@link Append} sets {@code v + suffix} (just {@code suffix} when
 *       absent); both answer {@link Ok};</li>
 *   <li>{@link Incr} reads {@code v} as a decimal long (0 when absent), adds {@code delta}, stores and
 *       answers the new number as {@link Counter}; on a non-numeric value it fails, so a completed Incr is
 *       impossible there and a pending one has no effect;</li>
 *   <li>{@link Cas} sets {@code update} if {@code v} equals {@code expected} ({@code null} expects the key
 *       absent) and answers {@link Swapped} with whether it did.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class KvModel implements Model<KvModel.Cell, KvModel.Input, KvModel.Output> {
    /** What a client asks; every operation names one key. */
    public sealed interface Input permits Get, Put, Append, Incr, Cas {
        /** The key operated on. */
        String key();
    }

    /** Read a key. */
    public record Get(String key) implements Input {
        /** Validates that the key is present. */
        public Get {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Set a key. */
    public record Put(String key, String value) implements Input {
        /** Validates that key and value are present. */
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Append to a key's value. */
    public record Append(String key, String suffix) implements Input {
        /** Validates that key and suffix are present. */
        public Append {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(suffix, "suffix");
        }
    }

    /** Add to a key's numeric value. */
    public record Incr(String key, long delta) implements Input {
        /** Validates that the key is present. */
        public Incr {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Set a key to {@code update} if it holds {@code expected} ({@code null}: if absent). */
    public record Cas(String key, String expected, String update) implements Input {
        /** Validates that key and update are present. */
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(update, "update");
        }
    }

    /** What a client is told. */
    public sealed interface Output permits Value, Ok, Counter, Swapped {
    }

    /** The answer to {@link Get}: the value, {@code null} if absent. */
    public record Value(String value) implements Output {
    }

    /** The answer to {@link Put} and {@link Append}. */
    public record Ok() implements Output {
    }

    /** The answer to {@link Incr}: the new value. */
    public record Counter(long value) implements Output {
    }

    /** The answer to {@link Cas}: whether the value was replaced. */
    public record Swapped(boolean swapped) implements Output {
    }

    /**
     * The state of one key: its value, {@code null} when absent. (A wrapper because {@link Model#step}
     * returns an {@link Optional}, which cannot hold {@code null}.)
     */
    public record Cell(String value) {
        static final Cell ABSENT = new Cell(null);
    }

    @Override
    public Cell init() {
        return Cell.ABSENT;
    }

    @Override
    public Optional<Cell> step(Cell state, Input input, Output output) {
        String v = state.value();
        if (input instanceof Get) {
            return output == null || Objects.equals(v, expect(input, output, Value.class).value())
                    ? Optional.of(state) : Optional.empty();
        }
        if (input instanceof Put p) {
            expect(input, output, Ok.class);
            return Optional.of(new Cell(p.value()));
        }
        if (input instanceof Append a) {
            expect(input, output, Ok.class);
            return Optional.of(new Cell(v == null ? a.suffix() : v + a.suffix()));
        }
        if (input instanceof Incr i) {
            Long current = v == null ? Long.valueOf(0) : parse(v);
            if (current == null) {
                return output == null ? Optional.of(state) : Optional.empty();
            }
            long next = current + i.delta();
            return output == null || expect(input, output, Counter.class).value() == next
                    ? Optional.of(new Cell(Long.toString(next))) : Optional.empty();
        }
        Cas c = (Cas) input;
        boolean swaps = c.expected() == null ? v == null : c.expected().equals(v);
        if (output != null && expect(input, output, Swapped.class).swapped() != swaps) {
            return Optional.empty();
        }
        return Optional.of(swaps ? new Cell(c.update()) : state);
    }

    @Override
    public List<List<Operation<Input, Output>>> partition(List<Operation<Input, Output>> history) {
        Map<String, List<Operation<Input, Output>>> byKey = new TreeMap<>();
        for (Operation<Input, Output> op : history) {
            byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
        }
        return List.copyOf(byKey.values());
    }

    @Override
    public String describePartition(List<Operation<Input, Output>> partition) {
        return partition.isEmpty() ? "" : "key " + quote(partition.get(0).input().key());
    }

    @Override
    public String describe(Input input, Output output) {
        String call;
        if (input instanceof Get) {
            call = "get(" + quote(input.key()) + ")";
        } else if (input instanceof Put p) {
            call = "put(" + quote(p.key()) + ", " + quote(p.value()) + ")";
        } else if (input instanceof Append a) {
            call = "append(" + quote(a.key()) + ", " + quote(a.suffix()) + ")";
        } else if (input instanceof Incr i) {
            call = "incr(" + quote(i.key()) + ", " + i.delta() + ")";
        } else {
            Cas c = (Cas) input;
            call = "cas(" + quote(c.key()) + ", " + quote(c.expected()) + ", " + quote(c.update()) + ")";
        }
        String result;
        if (output == null) {
            result = "?";
        } else if (output instanceof Value val) {
            result = quote(val.value());
        } else if (output instanceof Counter n) {
            result = Long.toString(n.value());
        } else if (output instanceof Swapped s) {
            result = Boolean.toString(s.swapped());
        } else {
            result = "ok";
        }
        return call + " -> " + result;
    }

    @Override
    public String describeState(Cell state) {
        return quote(state.value());
    }

    /** Casts a non-null output to the type {@code input} is answered with; rejects a malformed history. */
    private static <T extends Output> T expect(Input input, Output output, Class<T> type) {
        if (output != null && !type.isInstance(output)) {
            throw new IllegalArgumentException(input + " is answered with " + type.getSimpleName() + ", not " + output);
        }
        return type.cast(output);
    }

    private static Long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String quote(String s) {
        return s == null ? "absent" : "\"" + s + "\"";
    }
}
