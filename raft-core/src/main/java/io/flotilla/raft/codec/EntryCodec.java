package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.EntryRecord;
import io.flotilla.raft.log.Entry;

/**
 * The disk encoding of one log {@link Entry} (the {@code EntryRecord} of {@code raft.proto}), for
 * log stores that keep entries as bytes.
 *
 * <p>Called by log store implementations, from whatever thread uses the store. Stateless: every
 * method is safe to call from any thread at any time.
 *
 * <p>Guarantees: {@code decode(encode(e)).equals(e)} for every entry; {@code decode} of any other
 * bytes either returns a valid {@link Entry} or throws {@link CodecException}. The encoding carries
 * no checksum: detecting torn or corrupted records is the store's job.
 */
public final class EntryCodec {
    private EntryCodec() {
    }

    /** Encodes an entry as an {@code EntryRecord}. */
    public static byte[] encode(Entry entry) {
        EntryRecord.Builder b = EntryRecord.newBuilder()
                .setIndex(entry.index())
                .setTerm(entry.term())
                .setType(Decoding.toProto(entry.type()))
                .setData(Decoding.toProto(entry.data()));
        if (entry.membership() != null) {
            b.setMembership(Decoding.toProto(entry.membership()));
        }
        return b.build().toByteArray();
    }

    /**
     * Decodes an entry written by {@link #encode}.
     *
     * @throws CodecException if the bytes are not a valid entry (malformed, index or term below 1,
     *                        type missing or unknown, a CONFIG entry without a membership or another type
     *                        with one, a membership breaking a rule of {@link io.flotilla.raft.log.Membership}
     *                        or not in canonical order)
     */
    public static Entry decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes an entry from {@code length} bytes of {@code bytes} starting at {@code offset}.
     *
     * @throws CodecException            if those bytes are not a valid entry
     * @throws IndexOutOfBoundsException if the range is outside {@code bytes} (a caller error, not bad input)
     */
    public static Entry decode(byte[] bytes, int offset, int length) {
        EntryRecord r = Decoding.parse(EntryRecord.parser(), bytes, offset, length, "EntryRecord");
        return Decoding.construct("Entry", () -> Decoding.entry(r.getIndex(), r.getTerm(), r.getTypeValue(),
                r.getData(), r.hasMembership() ? r.getMembership() : null));
    }
}
