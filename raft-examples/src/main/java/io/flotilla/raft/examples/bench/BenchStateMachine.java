package io.flotilla.raft.examples.bench;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The benchmark's replicated state: a map from key to value, written by commands of the form
 * {@code [client id: 8 bytes][sequence: 8 bytes][padding]} ({@link #command}). The key is the client and its
 * sequence modulo {@value #KEYS_PER_CLIENT}, the value the whole command, so the map stays bounded however long the
 * run. It also keeps what the benchmark checks afterwards: per client, the highest sequence applied (a client sends
 * one command at a time, in sequence order), the number of commands applied and a digest of them in log order, which
 * must be equal on every node.
 *
 * <p>Confined to the node's apply thread, except {@link #check()}, which is synchronized with {@code apply}.
 */
public final class BenchStateMachine implements StateMachine {
    /** How many keys each client's commands cycle over. */
    public static final int KEYS_PER_CLIENT = 16;

    private final Map<Long, Payload> map = new HashMap<>();
    private final Map<Long, Long> maxSequence = new HashMap<>();
    private long applied;
    private long digest;

    /** A command of client {@code client}, number {@code sequence}, {@code size} bytes long (at least 16). */
    public static byte[] command(long client, long sequence, int size, byte fill) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, 16, size, fill);
        ByteBuffer.wrap(bytes).putLong(client).putLong(sequence);
        return bytes;
    }

    @Override
    public synchronized Payload apply(long index, Payload command) {
        ByteBuffer b = command.asReadOnlyByteBuffer();
        if (b.remaining() < 16) {
            return Payload.EMPTY; // not a benchmark command (none is sent; kept total for safety)
        }
        long client = b.getLong();
        long sequence = b.getLong();
        map.put(client * KEYS_PER_CLIENT + Math.floorMod(sequence, KEYS_PER_CLIENT), command);
        maxSequence.merge(client, sequence, Math::max);
        applied++;
        digest = digest * 31 + client * 1_000_003 + sequence;
        return Payload.EMPTY;
    }

    @Override
    public Payload query(Payload query) {
        return Payload.EMPTY;
    }

    /** What the benchmark compares between nodes and against the acknowledged writes. */
    public record Check(long applied, long digest, Map<Long, Long> maxSequence) {
        /** {@code applied digest client:seq,client:seq,...}: one line for a node process to print. */
        public String encode() {
            StringBuilder sb = new StringBuilder().append(applied).append(' ').append(digest).append(' ');
            maxSequence.forEach((c, s) -> sb.append(c).append(':').append(s).append(','));
            return sb.toString();
        }

        /** The inverse of {@link #encode()}. */
        public static Check decode(String line) {
            String[] parts = line.trim().split(" ");
            Map<Long, Long> seqs = new java.util.TreeMap<>();
            if (parts.length > 2) {
                for (String pair : parts[2].split(",")) {
                    if (!pair.isEmpty()) {
                        String[] cs = pair.split(":");
                        seqs.put(Long.parseLong(cs[0]), Long.parseLong(cs[1]));
                    }
                }
            }
            return new Check(Long.parseLong(parts[0]), Long.parseLong(parts[1]), seqs);
        }
    }

    /** A consistent view of the counters. */
    public synchronized Check check() {
        return new Check(applied, digest, new java.util.TreeMap<>(maxSequence));
    }
}
