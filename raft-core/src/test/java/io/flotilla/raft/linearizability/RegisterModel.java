package io.flotilla.raft.linearizability;

import java.util.Optional;

/**
 * The simplest {@link Model}: one register holding a {@code long}, initially 0, with reads and writes.
 * The state is the register's value. Static factories build operations for hand-written histories:
 * <pre>{@code
 * List.of(RegisterModel.write(1, 5, 0, 10),    // client 1 writes 5 during [0, 10]
 *         RegisterModel.read(2, 0, 20, 30));   // client 2 then reads 0: ILLEGAL (stale read)
 * }</pre>
 * Stateless and thread-safe.
 */
public final class RegisterModel implements Model<Long, RegisterModel.Input, RegisterModel.Output> {
    /** What a client asks. */
    public sealed interface Input permits Read, Write {
    }

    /** Read the register; answered with {@link Value}. */
    public record Read() implements Input {
    }

    /** Set the register; answered with {@link Ok}. */
    public record Write(long value) implements Input {
    }

    /** What a client is told. */
    public sealed interface Output permits Value, Ok {
    }

    /** The value read. */
    public record Value(long value) implements Output {
    }

    /** A write was done. */
    public record Ok() implements Output {
    }

    /** A completed read that returned {@code value}. */
    public static Operation<Input, Output> read(long client, long value, long callTime, long returnTime) {
        return Operation.completed(client, new Read(), new Value(value), callTime, returnTime);
    }

    /** A completed write of {@code value}. */
    public static Operation<Input, Output> write(long client, long value, long callTime, long returnTime) {
        return Operation.completed(client, new Write(value), new Ok(), callTime, returnTime);
    }

    /** A write of {@code value} that never returned: it may or may not have happened. */
    public static Operation<Input, Output> pendingWrite(long client, long value, long callTime) {
        return Operation.pending(client, new Write(value), callTime);
    }

    @Override
    public Long init() {
        return 0L;
    }

    @Override
    public Optional<Long> step(Long state, Input input, Output output) {
        if (input instanceof Write w) {
            if (output != null && !(output instanceof Ok)) {
                throw new IllegalArgumentException("a write is answered with Ok, not " + output);
            }
            return Optional.of(w.value());
        }
        if (output == null) {
            return Optional.of(state);
        }
        if (!(output instanceof Value v)) {
            throw new IllegalArgumentException("a read is answered with Value, not " + output);
        }
        return v.value() == state ? Optional.of(state) : Optional.empty();
    }

    @Override
    public String describe(Input input, Output output) {
        String call = input instanceof Write w ? "write(" + w.value() + ")" : "read()";
        String result = output == null ? "?" : output instanceof Value v ? Long.toString(v.value()) : "ok";
        return call + " -> " + result;
    }
}
