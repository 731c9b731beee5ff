package io.flotilla.raft.codec;

import io.flotilla.raft.codec.proto.AppendEntriesProto;
import io.flotilla.raft.codec.proto.AppendResponseProto;
import io.flotilla.raft.codec.proto.EntryProto;
import io.flotilla.raft.codec.proto.Envelope;
import io.flotilla.raft.codec.proto.ForwardOutcomeProto;
import io.flotilla.raft.codec.proto.ForwardProposalProto;
import io.flotilla.raft.codec.proto.ForwardProposalResponseProto;
import io.flotilla.raft.codec.proto.InstallSnapshotProto;
import io.flotilla.raft.codec.proto.ReadIndexRequestProto;
import io.flotilla.raft.codec.proto.ReadIndexResponseProto;
import io.flotilla.raft.codec.proto.RequestVoteProto;
import io.flotilla.raft.codec.proto.SnapshotChunkAckProto;
import io.flotilla.raft.codec.proto.SnapshotChunkProto;
import io.flotilla.raft.codec.proto.SnapshotChunkStatusProto;
import io.flotilla.raft.codec.proto.SnapshotMetaProto;
import io.flotilla.raft.codec.proto.TimeoutNowProto;
import io.flotilla.raft.codec.proto.VoteResponseProto;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.message.ForwardProposal;
import io.flotilla.raft.message.ForwardProposalResponse;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.ReadIndexRequest;
import io.flotilla.raft.message.ReadIndexResponse;
import io.flotilla.raft.message.RequestVote;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.message.TimeoutNow;
import io.flotilla.raft.message.VoteResponse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire encoding of a {@link Message}: one {@code Envelope} of {@code raft.proto} whose oneof
 * holds the message kind.
 *
 * <p>Called by transports: {@link #encode} before a message leaves, {@link #decode} on every frame
 * that arrives. Stateless: every method is safe to call from any thread at any time.
 *
 * <p>Guarantees: {@code decode(encode(m)).equals(m)} for every message. {@code decode} of any other
 * bytes either returns a valid message (every record constructor's check has passed) or throws
 * {@link CodecException}, never another exception, so a transport can drop bad frames without
 * crashing the node. Fields unknown to this version inside a known message kind are ignored (a newer
 * sender may add some); an envelope holding only a message kind unknown to this version is rejected.
 * Framing (where one message ends and the next begins) is the transport's job.
 *
 * <p>Membership changes (thesis chapter 4) added to the format without changing a byte of what older
 * versions send: {@code RequestVote.transfer}, learners and addresses in a snapshot's meta, CONFIG
 * entries and {@code TimeoutNow} are new fields and kinds. An older node ignores the first two (it reads a
 * snapshot's voters only) and rejects the last two as unknown. Memberships must be in canonical order
 * (ids strictly ascending); anything else is rejected rather than sorted.
 */
public final class MessageCodec {
    private MessageCodec() {
    }

    /** Encodes a message as an {@code Envelope}. */
    public static byte[] encode(Message message) {
        Envelope.Builder envelope = Envelope.newBuilder();
        if (message instanceof RequestVote m) {
            envelope.setRequestVote(RequestVoteProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setLastLogIndex(m.lastLogIndex())
                    .setLastLogTerm(m.lastLogTerm())
                    .setPreVote(m.preVote())
                    .setTransfer(m.transfer()));
        } else if (message instanceof VoteResponse m) {
            envelope.setVoteResponse(VoteResponseProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setGranted(m.granted())
                    .setPreVote(m.preVote()));
        } else if (message instanceof AppendEntries m) {
            AppendEntriesProto.Builder b = AppendEntriesProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setPrevLogIndex(m.prevLogIndex())
                    .setPrevLogTerm(m.prevLogTerm())
                    .setLeaderCommit(m.leaderCommit())
                    .setSeq(m.seq());
            for (Entry e : m.entries()) {
                EntryProto.Builder entry = EntryProto.newBuilder()
                        .setIndex(e.index())
                        .setTerm(e.term())
                        .setType(Decoding.toProto(e.type()))
                        .setData(Decoding.toProto(e.data()));
                if (e.membership() != null) {
                    entry.setMembership(Decoding.toProto(e.membership()));
                }
                b.addEntries(entry);
            }
            envelope.setAppendEntries(b);
        } else if (message instanceof AppendResponse m) {
            envelope.setAppendResponse(AppendResponseProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setSuccess(m.success())
                    .setMatchIndex(m.matchIndex())
                    .setRejectedIndex(m.rejectedIndex())
                    .setHintIndex(m.hintIndex())
                    .setHintTerm(m.hintTerm())
                    .setSeq(m.seq()));
        } else if (message instanceof ReadIndexRequest m) {
            envelope.setReadIndexRequest(ReadIndexRequestProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setRequestId(m.requestId()));
        } else if (message instanceof ReadIndexResponse m) {
            envelope.setReadIndexResponse(ReadIndexResponseProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setRequestId(m.requestId()).setSuccess(m.success()).setReadIndex(m.readIndex())
                    .setLeaderId(m.leaderId()));
        } else if (message instanceof ForwardProposal m) {
            ForwardProposalProto.Builder b = ForwardProposalProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setRequestId(m.requestId());
            for (Payload c : m.commands()) {
                b.addCommands(Decoding.toProto(c));
            }
            envelope.setForwardProposal(b);
        } else if (message instanceof ForwardProposalResponse m) {
            envelope.setForwardProposalResponse(ForwardProposalResponseProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setRequestId(m.requestId()).setOutcome(toProto(m.outcome())).setFirstIndex(m.firstIndex())
                    .setLastIndex(m.lastIndex()).setEntryTerm(m.entryTerm()).setLeaderId(m.leaderId()));
        } else if (message instanceof InstallSnapshot m) {
            envelope.setInstallSnapshot(InstallSnapshotProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setMeta(toProto(m.meta())));
        } else if (message instanceof SnapshotChunk m) {
            envelope.setSnapshotChunk(SnapshotChunkProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setMeta(toProto(m.meta())).setOffset(m.offset()).setData(Decoding.toProto(m.data()))
                    .setChecksum(m.checksum()));
        } else if (message instanceof SnapshotChunkAck m) {
            envelope.setSnapshotChunkAck(SnapshotChunkAckProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setSnapshotIndex(m.snapshotIndex()).setSnapshotTerm(m.snapshotTerm())
                    .setNextOffset(m.nextOffset()).setStatus(toProto(m.status())));
        } else if (message instanceof TimeoutNow m) {
            envelope.setTimeoutNow(TimeoutNowProto.newBuilder()
                    .setGroupId(m.groupId()).setFrom(m.from()).setTo(m.to()).setTerm(m.term()));
        } else {
            // Message is sealed; a new kind added without a wire encoding is a bug (MessageCodecTest catches it).
            throw new IllegalStateException("no wire encoding for " + message.getClass().getName());
        }
        return envelope.build().toByteArray();
    }

    /**
     * Decodes a message written by {@link #encode}.
     *
     * @throws CodecException if the bytes are not a valid message
     */
    public static Message decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes a message from {@code length} bytes of {@code bytes} starting at {@code offset}.
     *
     * @throws CodecException            if those bytes are not a valid message
     * @throws IndexOutOfBoundsException if the range is outside {@code bytes} (a caller error, not bad input)
     */
    public static Message decode(byte[] bytes, int offset, int length) {
        return fromEnvelope(Decoding.parse(Envelope.parser(), bytes, offset, length, "Envelope"));
    }

    /**
     * Decodes a message from the buffer's remaining bytes (heap or direct), without moving its position.
     *
     * @throws CodecException if those bytes are not a valid message
     */
    public static Message decode(ByteBuffer buffer) {
        return fromEnvelope(Decoding.parse(Envelope.parser(), buffer, "Envelope"));
    }

    private static Message fromEnvelope(Envelope envelope) {
        // Exhaustive over the oneof: a kind added to raft.proto does not compile until it is mapped here.
        return switch (envelope.getBodyCase()) {
            case REQUEST_VOTE -> requestVote(envelope.getRequestVote());
            case VOTE_RESPONSE -> voteResponse(envelope.getVoteResponse());
            case APPEND_ENTRIES -> appendEntries(envelope.getAppendEntries());
            case APPEND_RESPONSE -> appendResponse(envelope.getAppendResponse());
            case READ_INDEX_REQUEST -> readIndexRequest(envelope.getReadIndexRequest());
            case READ_INDEX_RESPONSE -> readIndexResponse(envelope.getReadIndexResponse());
            case FORWARD_PROPOSAL -> forwardProposal(envelope.getForwardProposal());
            case FORWARD_PROPOSAL_RESPONSE -> forwardProposalResponse(envelope.getForwardProposalResponse());
            case INSTALL_SNAPSHOT -> installSnapshot(envelope.getInstallSnapshot());
            case SNAPSHOT_CHUNK -> snapshotChunk(envelope.getSnapshotChunk());
            case SNAPSHOT_CHUNK_ACK -> snapshotChunkAck(envelope.getSnapshotChunkAck());
            case TIMEOUT_NOW -> timeoutNow(envelope.getTimeoutNow());
            case BODY_NOT_SET -> throw new CodecException(envelope.getUnknownFields().asMap().isEmpty()
                    ? "envelope holds no message"
                    : "envelope holds no message kind this version knows (field numbers "
                            + envelope.getUnknownFields().asMap().keySet() + ")");
        };
    }

    private static RequestVote requestVote(RequestVoteProto p) {
        return Decoding.construct("RequestVote", () -> new RequestVote(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), p.getLastLogIndex(), p.getLastLogTerm(), p.getPreVote(), p.getTransfer()));
    }

    private static VoteResponse voteResponse(VoteResponseProto p) {
        return Decoding.construct("VoteResponse", () -> new VoteResponse(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), p.getGranted(), p.getPreVote()));
    }

    private static AppendEntries appendEntries(AppendEntriesProto p) {
        return Decoding.construct("AppendEntries", () -> {
            List<Entry> entries = new ArrayList<>(p.getEntriesCount());
            for (int i = 0; i < p.getEntriesCount(); i++) {
                EntryProto e = p.getEntries(i);
                try {
                    entries.add(Decoding.entry(e.getIndex(), e.getTerm(), e.getTypeValue(), e.getData(),
                            e.hasMembership() ? e.getMembership() : null));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("entries[" + i + "]: " + ex.getMessage(), ex);
                }
            }
            return new AppendEntries(p.getGroupId(), p.getFrom(), p.getTo(), p.getTerm(), p.getPrevLogIndex(),
                    p.getPrevLogTerm(), entries, p.getLeaderCommit(), p.getSeq());
        });
    }

    private static AppendResponse appendResponse(AppendResponseProto p) {
        return Decoding.construct("AppendResponse", () -> new AppendResponse(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), p.getSuccess(), p.getMatchIndex(), p.getRejectedIndex(), p.getHintIndex(),
                p.getHintTerm(), p.getSeq()));
    }

    private static ReadIndexRequest readIndexRequest(ReadIndexRequestProto p) {
        return Decoding.construct("ReadIndexRequest", () -> new ReadIndexRequest(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), p.getRequestId()));
    }

    private static ReadIndexResponse readIndexResponse(ReadIndexResponseProto p) {
        return Decoding.construct("ReadIndexResponse", () -> new ReadIndexResponse(p.getGroupId(), p.getFrom(),
                p.getTo(), p.getTerm(), p.getRequestId(), p.getSuccess(), p.getReadIndex(), p.getLeaderId()));
    }

    private static ForwardProposal forwardProposal(ForwardProposalProto p) {
        return Decoding.construct("ForwardProposal", () -> {
            List<Payload> commands = new ArrayList<>(p.getCommandsCount());
            for (int i = 0; i < p.getCommandsCount(); i++) {
                commands.add(Decoding.payload(p.getCommands(i)));
            }
            return new ForwardProposal(p.getGroupId(), p.getFrom(), p.getTo(), p.getTerm(), p.getRequestId(), commands);
        });
    }

    private static ForwardProposalResponse forwardProposalResponse(ForwardProposalResponseProto p) {
        return Decoding.construct("ForwardProposalResponse", () -> new ForwardProposalResponse(p.getGroupId(),
                p.getFrom(), p.getTo(), p.getTerm(), p.getRequestId(), outcome(p.getOutcomeValue()), p.getFirstIndex(),
                p.getLastIndex(), p.getEntryTerm(), p.getLeaderId()));
    }

    private static InstallSnapshot installSnapshot(InstallSnapshotProto p) {
        return Decoding.construct("InstallSnapshot", () -> new InstallSnapshot(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), meta(p.hasMeta(), p.getMeta())));
    }

    private static SnapshotChunk snapshotChunk(SnapshotChunkProto p) {
        return Decoding.construct("SnapshotChunk", () -> new SnapshotChunk(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm(), meta(p.hasMeta(), p.getMeta()), p.getOffset(), Decoding.payload(p.getData()),
                p.getChecksum()));
    }

    private static SnapshotChunkAck snapshotChunkAck(SnapshotChunkAckProto p) {
        return Decoding.construct("SnapshotChunkAck", () -> new SnapshotChunkAck(p.getGroupId(), p.getFrom(),
                p.getTo(), p.getTerm(), p.getSnapshotIndex(), p.getSnapshotTerm(), p.getNextOffset(),
                status(p.getStatusValue())));
    }

    private static TimeoutNow timeoutNow(TimeoutNowProto p) {
        return Decoding.construct("TimeoutNow", () -> new TimeoutNow(p.getGroupId(), p.getFrom(), p.getTo(),
                p.getTerm()));
    }

    private static SnapshotMetaProto toProto(SnapshotMeta meta) {
        return SnapshotMetaProto.newBuilder()
                .setIndex(meta.index())
                .setTerm(meta.term())
                .addAllVoters(meta.membership().voters())
                .setSizeBytes(meta.sizeBytes())
                .setChecksum(meta.checksum())
                .addAllLearners(meta.membership().learners())
                .addAllAddresses(Decoding.toProto(meta.membership().addresses()))
                .build();
    }

    /** The snapshot meta of a message; a message without one is rejected rather than given a default. */
    private static SnapshotMeta meta(boolean present, SnapshotMetaProto p) {
        if (!present) {
            throw new IllegalArgumentException("meta is missing");
        }
        try {
            return new SnapshotMeta(p.getIndex(), p.getTerm(),
                    Decoding.membership(p.getVotersList(), p.getLearnersList(), p.getAddressesList()),
                    p.getSizeBytes(), p.getChecksum());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("meta: " + e.getMessage(), e);
        }
    }

    private static SnapshotChunkStatusProto toProto(SnapshotChunkAck.Status status) {
        return switch (status) {
            case RECEIVING -> SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_RECEIVING;
            case DONE -> SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_DONE;
            case REJECTED -> SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_REJECTED;
        };
    }

    /** The status with wire number {@code number}; 0 (field missing) and unknown numbers are rejected. */
    private static SnapshotChunkAck.Status status(int number) {
        return switch (number) {
            case SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_RECEIVING_VALUE -> SnapshotChunkAck.Status.RECEIVING;
            case SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_DONE_VALUE -> SnapshotChunkAck.Status.DONE;
            case SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_REJECTED_VALUE -> SnapshotChunkAck.Status.REJECTED;
            case SnapshotChunkStatusProto.SNAPSHOT_CHUNK_STATUS_UNSPECIFIED_VALUE ->
                    throw new IllegalArgumentException("snapshot chunk status is missing");
            default -> throw new IllegalArgumentException("unknown snapshot chunk status " + number);
        };
    }

    private static ForwardOutcomeProto toProto(ForwardProposalResponse.Outcome outcome) {
        return switch (outcome) {
            case APPENDED -> ForwardOutcomeProto.FORWARD_OUTCOME_APPENDED;
            case NOT_LEADER -> ForwardOutcomeProto.FORWARD_OUTCOME_NOT_LEADER;
            case OVERLOADED -> ForwardOutcomeProto.FORWARD_OUTCOME_OVERLOADED;
        };
    }

    private static ForwardProposalResponse.Outcome outcome(int number) {
        ForwardOutcomeProto p = ForwardOutcomeProto.forNumber(number);
        if (p == null || p == ForwardOutcomeProto.FORWARD_OUTCOME_UNSPECIFIED || p == ForwardOutcomeProto.UNRECOGNIZED) {
            throw new IllegalArgumentException(number == 0 ? "forward outcome is missing" : "unknown forward outcome " + number);
        }
        return switch (p) {
            case FORWARD_OUTCOME_APPENDED -> ForwardProposalResponse.Outcome.APPENDED;
            case FORWARD_OUTCOME_NOT_LEADER -> ForwardProposalResponse.Outcome.NOT_LEADER;
            default -> ForwardProposalResponse.Outcome.OVERLOADED;
        };
    }
}
