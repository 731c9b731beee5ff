package io.flotilla.raft.log;

import java.util.Objects;

/**
 * One entry of the replicated log: a command and the term in which a leader received it
 * (Raft paper, Figure 2: "each entry contains command for state machine, and term when entry was
 * received by leader (first index is 1)").
 *
 * @param index position in the log, from 1
 * @param term  the term of the leader that created the entry, from 1
 * @param type  what the entry carries
 * @param data  the command; empty for {@link EntryType#NOOP} and {@link EntryType#CONFIG}
 * @param membership for {@link EntryType#CONFIG}, the new membership; otherwise null
 */
public record Entry(long index, long term, EntryType type, Payload data, Membership membership) {
    public Entry {
        if (index < 1) {
            throw new IllegalArgumentException("entry index must be >= 1, was " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("entry term must be >= 1, was " + term);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if ((type == EntryType.CONFIG) != (membership != null)) {
            throw new IllegalArgumentException("a membership goes with, and only with, a CONFIG entry (type " + type + ")");
        }
    }

    /** A NOOP or COMMAND entry. */
    public Entry(long index, long term, EntryType type, Payload data) {
        this(index, term, type, data, null);
    }

    /** A command entry. */
    public static Entry command(long index, long term, Payload data) {
        return new Entry(index, term, EntryType.COMMAND, data);
    }

    /** A no-op entry. */
    public static Entry noop(long index, long term) {
        return new Entry(index, term, EntryType.NOOP, Payload.EMPTY);
    }

    /** A configuration entry: {@code membership} takes effect where it is appended. */
    public static Entry config(long index, long term, Membership membership) {
        return new Entry(index, term, EntryType.CONFIG, Payload.EMPTY, Objects.requireNonNull(membership, "membership"));
    }

    /** An estimate of the entry's size in bytes, used for batching and flow-control limits. */
    public long sizeBytes() {
        return 24L + data.size() + (membership == null ? 0 : 16L * membership.members().size());
    }
}
