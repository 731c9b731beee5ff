package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.SnapshotMetaRecord;
import io.flotilla.raft.log.SnapshotMeta;

/**
 * The disk encoding of a snapshot's {@link SnapshotMeta} (the {@code SnapshotMetaRecord} of
 * {@code raft.proto}), for snapshot stores that keep it as bytes next to the snapshot's data.
 *
 * <p>Called by snapshot store implementations, from whatever thread uses the store. Stateless: every
 * method is safe to call from any thread at any time.
 *
 * <p>Guarantees: {@code decode(encode(m)).equals(m)} for every snapshot meta; {@code decode} of any
 * other bytes either returns a valid {@link SnapshotMeta} or throws {@link CodecException}. The
 * encoding carries no checksum of its own: detecting torn or corrupted records is the store's job.
 */
public final class SnapshotMetaCodec {
    private SnapshotMetaCodec() {
    }

    /** Encodes a snapshot's metadata as a {@code SnapshotMetaRecord}. */
    public static byte[] encode(SnapshotMeta meta) {
        return SnapshotMetaRecord.newBuilder()
                .setIndex(meta.index())
                .setTerm(meta.term())
                .addAllVoters(meta.membership().voters())
                .setSizeBytes(meta.sizeBytes())
                .setChecksum((int) meta.checksum())
                .addAllLearners(meta.membership().learners())
                .addAllAddresses(Decoding.toProto(meta.membership().addresses()))
                .build()
                .toByteArray();
    }

    /**
     * Decodes a snapshot's metadata written by {@link #encode}.
     *
     * @throws CodecException if the bytes are malformed or a field breaks a rule of {@link SnapshotMeta}
     *                        or its {@link io.flotilla.raft.log.Membership} (index or term below 1, no
     *                        voters, a learner that is also a voter, an address for a non-member, ids
     *                        not strictly ascending, size above {@code Long.MAX_VALUE}). A record
     *                        written before learners existed (voters only) decodes to a membership
     *                        without learners or addresses.
     */
    public static SnapshotMeta decode(byte[] bytes) {
        SnapshotMetaRecord r = Decoding.parse(SnapshotMetaRecord.parser(), bytes, 0, bytes.length,
                "SnapshotMetaRecord");
        return Decoding.construct("SnapshotMeta", () -> new SnapshotMeta(r.getIndex(), r.getTerm(),
                Decoding.membership(r.getVotersList(), r.getLearnersList(), r.getAddressesList()),
                r.getSizeBytes(), Integer.toUnsignedLong(r.getChecksum())));
    }
}
