package io.flotilla.raft.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.raft.codec.proto.EntryTypeProto;
import io.flotilla.raft.codec.proto.MemberAddressProto;
import io.flotilla.raft.codec.proto.MembershipProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.Payload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/** Helpers shared by the codecs: parse bytes, and map fields through the records' constructors. */
final class Decoding {
    private Decoding() {
    }

    /** Parses {@code length} bytes from {@code offset}; a parse failure becomes a {@link CodecException}. */
    static <T> T parse(Parser<T> parser, byte[] bytes, int offset, int length, String what) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        try {
            return parser.parseFrom(bytes, offset, length);
        } catch (InvalidProtocolBufferException e) {
            throw malformed(what, length, e);
        }
    }

    /** Parses the buffer's remaining bytes without moving its position. */
    static <T> T parse(Parser<T> parser, ByteBuffer buffer, String what) {
        int length = buffer.remaining();
        try {
            return parser.parseFrom(buffer.duplicate());
        } catch (InvalidProtocolBufferException e) {
            throw malformed(what, length, e);
        }
    }

    // The parser's exception is not attached as the cause: no protobuf type leaves this package.
    private static CodecException malformed(String what, int length, InvalidProtocolBufferException e) {
        return new CodecException("malformed " + what + " (" + length + " bytes): " + e.getMessage());
    }

    /**
     * Builds a record from decoded fields; the {@link IllegalArgumentException} its constructor throws
     * for a field out of range becomes a {@link CodecException} naming the record.
     */
    static <T> T construct(String what, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw new CodecException("invalid " + what + ": " + e.getMessage(), e);
        }
    }

    static EntryTypeProto toProto(EntryType type) {
        return switch (type) {
            case NOOP -> EntryTypeProto.ENTRY_TYPE_NOOP;
            case COMMAND -> EntryTypeProto.ENTRY_TYPE_COMMAND;
            case CONFIG -> EntryTypeProto.ENTRY_TYPE_CONFIG;
        };
    }

    /** The entry type with wire number {@code number}; 0 (field missing) and unknown numbers are rejected. */
    static EntryType entryType(int number) {
        if (number == EntryTypeProto.ENTRY_TYPE_NOOP_VALUE) {
            return EntryType.NOOP;
        }
        if (number == EntryTypeProto.ENTRY_TYPE_COMMAND_VALUE) {
            return EntryType.COMMAND;
        }
        if (number == EntryTypeProto.ENTRY_TYPE_CONFIG_VALUE) {
            return EntryType.CONFIG;
        }
        throw new IllegalArgumentException(number == EntryTypeProto.ENTRY_TYPE_UNSPECIFIED_VALUE
                ? "entry type is missing" : "unknown entry type " + number);
    }

    /**
     * An entry from its decoded fields ({@code EntryProto} and {@code EntryRecord} share their numbering).
     * {@code membership} is null when the field is absent. A CONFIG entry without a membership, or another
     * type with one, is rejected here with a message naming the type (the {@link Entry} constructor would
     * reject it too).
     */
    static Entry entry(long index, long term, int typeNumber, ByteString data, MembershipProto membership) {
        EntryType type = entryType(typeNumber);
        if (type == EntryType.CONFIG && membership == null) {
            throw new IllegalArgumentException("a CONFIG entry carries no membership");
        }
        Membership m = null;
        if (membership != null) {
            if (type != EntryType.CONFIG) {
                throw new IllegalArgumentException("a " + type + " entry carries a membership; only CONFIG entries do");
            }
            m = membership(membership);
        }
        return new Entry(index, term, type, payload(data), m);
    }

    static MembershipProto toProto(Membership membership) {
        return MembershipProto.newBuilder()
                .addAllVoters(membership.voters())
                .addAllLearners(membership.learners())
                .addAllAddresses(toProto(membership.addresses()))
                .build();
    }

    /** The addresses in ascending id order, the only order {@link #membership} accepts. */
    static List<MemberAddressProto> toProto(Map<Long, String> addresses) {
        List<MemberAddressProto> out = new ArrayList<>(addresses.size());
        // Membership keeps its addresses sorted by id; sort here anyway, the encoding must not depend on that.
        addresses.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.add(
                MemberAddressProto.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build()));
        return out;
    }

    static Membership membership(MembershipProto p) {
        try {
            return membership(p.getVotersList(), p.getLearnersList(), p.getAddressesList());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("membership: " + e.getMessage(), e);
        }
    }

    /**
     * A membership from its decoded fields. Beyond the rules of {@link Membership}'s constructor, the encoding must
     * be canonical: ids strictly ascending in each list, addresses strictly ascending by id. {@link Membership}
     * would sort an unsorted list; the decoder rejects it instead, so that each value has one encoding and a
     * writer's bug (or damaged bytes that still parse) is reported rather than silently repaired.
     */
    static Membership membership(List<Long> voters, List<Long> learners, List<MemberAddressProto> addresses) {
        requireAscending("voters", voters);
        requireAscending("learners", learners);
        List<Long> ids = new ArrayList<>(addresses.size());
        Map<Long, String> byId = new HashMap<>();
        for (MemberAddressProto a : addresses) {
            ids.add(a.getId());
            byId.put(a.getId(), a.getAddress());
        }
        requireAscending("address ids", ids);
        return new Membership(voters, learners, byId);
    }

    /**
     * Checks that {@code ids} are strictly ascending as unsigned 64-bit values (their wire type), which also rules
     * out duplicates; so an id above {@code Long.MAX_VALUE} at the end of a list is left for the record to reject
     * as not positive. Ids are printed as Java longs, like every other field the codec reports (2^64-1 as -1).
     */
    private static void requireAscending(String what, List<Long> ids) {
        for (int i = 1; i < ids.size(); i++) {
            int c = Long.compareUnsigned(ids.get(i - 1), ids.get(i));
            if (c == 0) {
                throw new IllegalArgumentException(what + " lists node " + ids.get(i) + " twice");
            }
            if (c > 0) {
                throw new IllegalArgumentException(what + " must be strictly ascending, found " + ids.get(i)
                        + " after " + ids.get(i - 1));
            }
        }
    }

    /**
     * Wraps a payload for encoding without copying it. Safe because a {@link Payload} is immutable and
     * the buffer is only read while the message is serialized.
     */
    static ByteString toProto(Payload payload) {
        return payload.isEmpty() ? ByteString.EMPTY
                : UnsafeByteOperations.unsafeWrap(payload.asReadOnlyByteBuffer());
    }

    static Payload payload(ByteString data) {
        return data.isEmpty() ? Payload.EMPTY : Payload.copyOf(data.asReadOnlyByteBuffer()); // one copy, not two
    }
}
