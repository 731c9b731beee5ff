package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.HardStateRecord;
import io.flotilla.raft.log.HardState;

/**
 * The disk encoding of a node's {@link HardState} (the {@code HardStateRecord} of
 * {@code raft.proto}), for log stores that keep it as bytes.
 *
 * <p>Called by log store implementations, from whatever thread uses the store. Stateless: every
 * method is safe to call from any thread at any time.
 *
 * <p>Guarantees: {@code decode(encode(s)).equals(s)} for every hard state; {@code decode} of any
 * other bytes either returns a valid {@link HardState} or throws {@link CodecException}. Note that
 * {@link HardState#EMPTY} encodes to zero bytes, and zero bytes decode to it; the encoding carries no
 * checksum, so detecting torn or corrupted records is the store's job.
 */
public final class HardStateCodec {
    private HardStateCodec() {
    }

    /** Encodes a hard state as a {@code HardStateRecord}. */
    public static byte[] encode(HardState state) {
        return HardStateRecord.newBuilder()
                .setTerm(state.term())
                .setVotedFor(state.votedFor())
                .setCommit(state.commit())
                .build()
                .toByteArray();
    }

    /**
     * Decodes a hard state written by {@link #encode}.
     *
     * @throws CodecException if the bytes are malformed or a field is out of range
     */
    public static HardState decode(byte[] bytes) {
        HardStateRecord r = Decoding.parse(HardStateRecord.parser(), bytes, 0, bytes.length, "HardStateRecord");
        return Decoding.construct("HardState", () -> new HardState(r.getTerm(), r.getVotedFor(), r.getCommit()));
    }
}
