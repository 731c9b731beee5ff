package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary encoding of commands, queries and answers: a one-byte tag, then the fields in order as
 * {@link DataOutputStream} writes them (big-endian longs and ints, strings as modified UTF-8 with a two-byte
 * length, byte strings as an int length and the bytes, lists as an int count and the elements). The tags are the
 * format: never reuse or renumber one. Called from any thread; stateless.
 *
 * <p>Decoding input from outside throws {@link IllegalArgumentException} for bytes that are not a valid message; a
 * state machine turns that into a {@link Code#BAD_ARGUMENT} answer rather than crash.
 */
public final class Wire {
    private static final int OPEN = 1, KEEPALIVE = 2, CLOSE = 3, TICK = 4, REQUEST = 5;
    private static final int CREATE = 1, SET = 2, DELETE = 3, CHECK = 4, CREATE_LOCK_DELAY = 5;
    private static final int GET = 1, CHILDREN = 2, EVENTS = 3;
    private static final int RESPONSE = 1, NODE_DATA = 2, CHILD_LIST = 3, EVENT_LIST = 4;
    private static final int MAX_LIST = 1 << 20;

    private Wire() {
    }

    /** Encodes a command as a log entry's payload. */
    public static Payload encode(Command c) {
        return write(out -> {
            if (c instanceof Command.OpenSession o) {
                out.writeByte(OPEN);
                out.writeLong(o.ttlMillis());
                out.writeLong(o.nonce());
            } else if (c instanceof Command.KeepAlive k) {
                out.writeByte(KEEPALIVE);
                out.writeLong(k.sessionId());
            } else if (c instanceof Command.CloseSession k) {
                out.writeByte(CLOSE);
                out.writeLong(k.sessionId());
            } else if (c instanceof Command.Tick t) {
                out.writeByte(TICK);
                out.writeLong(t.term());
                out.writeLong(t.nowMillis());
            } else if (c instanceof Command.Request r) {
                out.writeByte(REQUEST);
                out.writeLong(r.sessionId());
                out.writeLong(r.seq());
                out.writeLong(r.ackedBelow());
                out.writeInt(r.ops().size());
                for (Op op : r.ops()) {
                    writeOp(out, op);
                }
            }
        });
    }

    /** Decodes a command; throws {@link IllegalArgumentException} if the bytes are not one. */
    public static Command decodeCommand(Payload p) {
        return read(p, in -> {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case OPEN:
                    return new Command.OpenSession(in.readLong(), in.readLong());
                case KEEPALIVE:
                    return new Command.KeepAlive(in.readLong());
                case CLOSE:
                    return new Command.CloseSession(in.readLong());
                case TICK:
                    return new Command.Tick(in.readLong(), in.readLong());
                case REQUEST:
                    long session = in.readLong(), seq = in.readLong(), acked = in.readLong();
                    int n = count(in);
                    List<Op> ops = new ArrayList<>(Math.min(n, 64));
                    for (int i = 0; i < n; i++) {
                        ops.add(readOp(in));
                    }
                    return new Command.Request(session, seq, acked, ops);
                default:
                    throw new IllegalArgumentException("unknown command tag " + tag);
            }
        });
    }

    /** Encodes a query. */
    public static Payload encode(Query q) {
        return write(out -> {
            if (q instanceof Query.Get g) {
                out.writeByte(GET);
                out.writeUTF(g.path());
            } else if (q instanceof Query.Children c) {
                out.writeByte(CHILDREN);
                out.writeUTF(c.path());
            } else if (q instanceof Query.Events e) {
                out.writeByte(EVENTS);
                out.writeLong(e.afterRevision());
                out.writeUTF(e.path());
                out.writeInt(e.max());
            }
        });
    }

    /** Decodes a query; throws {@link IllegalArgumentException} if the bytes are not one. */
    public static Query decodeQuery(Payload p) {
        return read(p, in -> {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case GET:
                    return new Query.Get(in.readUTF());
                case CHILDREN:
                    return new Query.Children(in.readUTF());
                case EVENTS:
                    return new Query.Events(in.readLong(), in.readUTF(), in.readInt());
                default:
                    throw new IllegalArgumentException("unknown query tag " + tag);
            }
        });
    }

    /** Encodes an answer. */
    public static Payload encode(Answer a) {
        return write(out -> {
            if (a instanceof Answer.Response r) {
                out.writeByte(RESPONSE);
                out.writeByte(r.code().ordinal());
                out.writeInt(r.failedOp());
                out.writeLong(r.revision());
                out.writeInt(r.results().size());
                for (Answer.OpResult o : r.results()) {
                    out.writeUTF(o.path());
                    writeStat(out, o.stat());
                }
            } else if (a instanceof Answer.NodeData d) {
                out.writeByte(NODE_DATA);
                out.writeBoolean(d.exists());
                if (d.exists()) {
                    writeBytes(out, d.data());
                    writeStat(out, d.stat());
                }
            } else if (a instanceof Answer.ChildList c) {
                out.writeByte(CHILD_LIST);
                out.writeBoolean(c.exists());
                out.writeInt(c.names().size());
                for (String name : c.names()) {
                    out.writeUTF(name);
                }
            } else if (a instanceof Answer.EventList e) {
                out.writeByte(EVENT_LIST);
                out.writeBoolean(e.compacted());
                out.writeLong(e.revision());
                out.writeInt(e.events().size());
                for (WatchEvent w : e.events()) {
                    out.writeLong(w.revision());
                    out.writeByte(w.type().ordinal());
                    out.writeUTF(w.path());
                }
            }
        });
    }

    /** Decodes an answer; throws {@link IllegalArgumentException} if the bytes are not one. */
    public static Answer decodeAnswer(Payload p) {
        return read(p, in -> {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case RESPONSE: {
                    Code code = enumValue(Code.values(), in.readUnsignedByte());
                    int failed = in.readInt();
                    long revision = in.readLong();
                    int n = count(in);
                    List<Answer.OpResult> results = new ArrayList<>(Math.min(n, 64));
                    for (int i = 0; i < n; i++) {
                        results.add(new Answer.OpResult(in.readUTF(), readStat(in)));
                    }
                    return new Answer.Response(code, failed, revision, results);
                }
                case NODE_DATA:
                    return in.readBoolean() ? new Answer.NodeData(readBytes(in), readStat(in))
                            : new Answer.NodeData(Payload.EMPTY, null);
                case CHILD_LIST: {
                    boolean exists = in.readBoolean();
                    int n = count(in);
                    List<String> names = new ArrayList<>(Math.min(n, 64));
                    for (int i = 0; i < n; i++) {
                        names.add(in.readUTF());
                    }
                    return new Answer.ChildList(exists, names);
                }
                case EVENT_LIST: {
                    boolean compacted = in.readBoolean();
                    long revision = in.readLong();
                    int n = count(in);
                    List<WatchEvent> events = new ArrayList<>(Math.min(n, 64));
                    for (int i = 0; i < n; i++) {
                        events.add(new WatchEvent(in.readLong(),
                                enumValue(WatchEvent.Type.values(), in.readUnsignedByte()), in.readUTF()));
                    }
                    return new Answer.EventList(compacted, revision, events);
                }
                default:
                    throw new IllegalArgumentException("unknown answer tag " + tag);
            }
        });
    }

    static void writeStat(DataOutputStream out, Stat s) throws IOException {
        out.writeLong(s.version());
        out.writeLong(s.createdRevision());
        out.writeLong(s.modifiedRevision());
        out.writeLong(s.ephemeralOwner());
        out.writeInt(s.children());
        out.writeBoolean(s.lockDelayed());
    }

    static Stat readStat(DataInputStream in) throws IOException {
        return new Stat(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readInt(), in.readBoolean());
    }

    static void writeBytes(DataOutputStream out, Payload p) throws IOException {
        out.writeInt(p.size());
        out.write(p.toByteArray());
    }

    static Payload readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad byte string length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return Payload.copyOf(b);
    }

    static void writeOp(DataOutputStream out, Op op) throws IOException {
        if (op instanceof Op.Create c) {
            out.writeByte(c.lockDelayMillis() == 0 ? CREATE : CREATE_LOCK_DELAY);
            out.writeUTF(c.path());
            writeBytes(out, c.data());
            out.writeBoolean(c.ephemeral());
            out.writeBoolean(c.sequential());
            if (c.lockDelayMillis() != 0) {
                out.writeLong(c.lockDelayMillis());
            }
        } else if (op instanceof Op.SetData s) {
            out.writeByte(SET);
            out.writeUTF(s.path());
            writeBytes(out, s.data());
            out.writeLong(s.expectedVersion());
        } else if (op instanceof Op.Delete d) {
            out.writeByte(DELETE);
            out.writeUTF(d.path());
            out.writeLong(d.expectedVersion());
            out.writeBoolean(d.mustOwn());
        } else if (op instanceof Op.Check c) {
            out.writeByte(CHECK);
            out.writeUTF(c.path());
            out.writeLong(c.expectedVersion());
            out.writeBoolean(c.mustOwn());
        }
    }

    static Op readOp(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case CREATE:
                return new Op.Create(in.readUTF(), readBytes(in), in.readBoolean(), in.readBoolean());
            case CREATE_LOCK_DELAY:
                return new Op.Create(in.readUTF(), readBytes(in), in.readBoolean(), in.readBoolean(), in.readLong());
            case SET:
                return new Op.SetData(in.readUTF(), readBytes(in), in.readLong());
            case DELETE:
                return new Op.Delete(in.readUTF(), in.readLong(), in.readBoolean());
            case CHECK:
                return new Op.Check(in.readUTF(), in.readLong(), in.readBoolean());
            default:
                throw new IOException("unknown op tag " + tag);
        }
    }

    static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LIST) {
            throw new IOException("bad list length " + n);
        }
        return n;
    }

    private static <E> E enumValue(E[] values, int ordinal) throws IOException {
        if (ordinal >= values.length) {
            throw new IOException("bad enum ordinal " + ordinal);
        }
        return values[ordinal];
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static Payload write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Payload.copyOf(bytes.toByteArray());
    }

    static <T> T read(Payload p, Reader<T> r) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(p.toByteArray()))) {
            T t = r.read(in);
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " trailing bytes");
            }
            return t;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("malformed message: " + e, e);
        }
    }
}
