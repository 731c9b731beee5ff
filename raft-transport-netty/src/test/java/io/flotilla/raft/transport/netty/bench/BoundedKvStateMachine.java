package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A key-value {@link StateMachine} over a fixed number of key slots, so that its state stays bounded however many
 * entries are applied: the command {@link #put(long, int, int)} writes a value to slot {@code i % keys}, and the
 * query {@link #DIGEST} answers a CRC32C over every slot in order, which two nodes compare to show they hold the same
 * state.
 *
 * <p>Slots hold the command {@link Payload}s themselves (immutable), so a snapshot's point-in-time view is a copy of
 * the slot array (a few hundred kilobytes for 100,000 slots), taken on the apply thread; the data is written out on
 * the snapshot thread. Snapshot format: the last applied index, the slot count, then per slot the payload's length
 * (-1 if empty) and bytes.
 *
 * <p>Threads: {@code apply}, {@code query}, {@code snapshot} and {@code restore} run on the node's apply thread; the
 * counters are volatile so that a test can read them from its own thread.
 */
final class BoundedKvStateMachine implements StateMachine {
    /** The query that answers the state's digest: 8 bytes, the last applied index's digest (see {@link #digestOf}). */
    static final Payload DIGEST = Payload.ofUtf8("digest");

    private Payload[] slots;
    private long lastIndex;
    private volatile long applies;
    private volatile long appliesSinceRestore;
    private volatile long restores;
    private volatile long restoredIndex;

    BoundedKvStateMachine(int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be >= 1, was " + keys);
        }
        this.slots = new Payload[keys];
    }

    /**
     * The command for the {@code i}-th put: slot {@code i % keys}, a 4-byte slot number followed by
     * {@code valueBytes} bytes that depend only on {@code i}.
     */
    static Payload put(long i, int keys, int valueBytes) {
        byte[] b = new byte[4 + valueBytes];
        ByteBuffer.wrap(b).putInt((int) (i % keys));
        long x = i * 0x9E3779B97F4A7C15L + 1; // xorshift64, seeded by i
        for (int k = 4; k < b.length; k++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[k] = (byte) x;
        }
        return Payload.copyOf(b);
    }

    @Override
    public Payload apply(long index, Payload command) {
        if (index <= lastIndex) {
            throw new IllegalStateException("apply of " + index + " after " + lastIndex);
        }
        lastIndex = index;
        applies++;
        appliesSinceRestore++;
        int slot = command.asReadOnlyByteBuffer().getInt();
        if (slot < 0 || slot >= slots.length) {
            throw new IllegalArgumentException("slot " + slot + " is outside [0, " + slots.length + ")");
        }
        slots[slot] = command;
        return Payload.EMPTY;
    }

    @Override
    public Payload query(Payload query) {
        if (!query.equals(DIGEST)) {
            throw new IllegalArgumentException("unknown query " + query);
        }
        return Payload.copyOf(ByteBuffer.allocate(8).putLong(digestOf(slots)).array());
    }

    /** CRC32C over every slot in order: its length (-1 if empty) and its bytes. */
    static long digestOf(Payload[] slots) {
        CRC32C crc = new CRC32C();
        ByteBuffer len = ByteBuffer.allocate(4);
        for (Payload p : slots) {
            len.clear();
            len.putInt(p == null ? -1 : p.size()).flip();
            crc.update(len);
            if (p != null) {
                crc.update(p.asReadOnlyByteBuffer());
            }
        }
        return crc.getValue();
    }

    /**
     * The digest of the state after the puts numbered 0 to {@code puts - 1}, each applied once and in order: the
     * oracle a run compares against when none of its proposals had to be retried.
     */
    static long expectedDigest(long puts, int keys, int valueBytes) {
        Payload[] slots = new Payload[keys];
        for (long i = Math.max(0, puts - keys); i < puts; i++) {
            slots[(int) (i % keys)] = put(i, keys, valueBytes);
        }
        return digestOf(slots);
    }

    /** Decodes the answer to {@link #DIGEST}. */
    static long digest(Payload answer) {
        return answer.asReadOnlyByteBuffer().getLong();
    }

    @Override
    public SnapshotWriter snapshot() {
        Payload[] view = slots.clone(); // the point-in-time view: payloads are immutable, later applies replace slots
        long index = lastIndex;
        return out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeLong(index);
            d.writeInt(view.length);
            for (Payload p : view) {
                if (p == null) {
                    d.writeInt(-1);
                } else {
                    d.writeInt(p.size());
                    d.write(p.toByteArray());
                }
            }
            d.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        long index = d.readLong();
        int n = d.readInt();
        if (n != slots.length) {
            throw new IOException("the snapshot has " + n + " slots, this state machine " + slots.length);
        }
        Payload[] restored = new Payload[n];
        for (int i = 0; i < n; i++) {
            int size = d.readInt();
            if (size >= 0) {
                restored[i] = Payload.copyOf(d.readNBytes(size));
            }
        }
        slots = restored;
        lastIndex = index;
        restoredIndex = index;
        restores++;
        appliesSinceRestore = 0;
    }

    /** How many entries this instance applied (not counting those a restored snapshot covered). */
    long applies() {
        return applies;
    }

    /** How many entries this instance applied since it was last restored from a snapshot (or created). */
    long appliesSinceRestore() {
        return appliesSinceRestore;
    }

    /** How many times this instance was restored from a snapshot. */
    long restores() {
        return restores;
    }

    /** The last applied index of the newest snapshot this instance was restored from, 0 if none. */
    long restoredIndex() {
        return restoredIndex;
    }
}
