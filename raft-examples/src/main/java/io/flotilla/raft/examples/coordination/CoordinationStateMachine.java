package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.StateMachine;
import io.flotilla.raft.snapshot.SnapshotWriter;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated state behind the coordination recipes: a hierarchical namespace, client sessions and a window
 * of watch events. Commands and queries are {@link Wire}-encoded {@link Command}s and {@link Query}s; answers are
 * {@link Answer}s.
 *
 * <p>Threading: called on the node's apply thread only (see {@link StateMachine}); not thread-safe otherwise.
 * Determinism: every decision depends only on the log — no clock, no randomness, ordered maps only — so every
 * replica reaches the same state, expires the same sessions at the same entry and gives the same answers.
 *
 * <p>Time (thesis §6.3): the log time is the clock value of the last {@link Command.Tick}. A keep-alive (or any
 * request) renews its session; the next tick sets the session's deadline to that tick's time plus the TTL (the
 * keep-alive happened at some time up to that tick, and the later bound errs on the side of the session, so a
 * slow leader whose ticks come late never expires a session that kept sending keep-alives). A tick at or past the
 * deadline expires the session, and its ephemeral nodes are deleted in that entry. The first tick of a new term rebases the log time on the new
 * leader's clock and grants every session a fresh TTL: a new leader never expires a session for keep-alives it
 * could not have heard while there was no leader. With no leader there are no ticks, so no session expires.
 *
 * <p>Exactly once (thesis §6.3): a {@link Command.Request} carries its session's sequence number; the response is
 * cached with the session, and a retry of the same {@code (session, seq)} gets the cached response without being
 * applied again. The cache holds the responses the client has not acknowledged, at most {@link
 * #MAX_CACHED_RESPONSES}. Sessions, caches and the event window are part of the snapshot.
 *
 * <p>Lock delay (Chubby's lock-delay, Consul's {@code lock-delay}): when a session expires, each of its ephemeral
 * nodes created with a {@link Op.Create#lockDelayMillis()} that is its parent's first child (the lock holder) marks
 * the parent delayed until the log time plus that delay. The first tick at or past that time clears the mark with a
 * {@link WatchEvent.Type#LOCK_DELAY_ENDED} event on the parent. The delay travels in the replicated Create and is
 * measured in log time, so every replica lifts it at the same entry. A new term rebases the remaining delay on the
 * new leader's clock, as it does session deadlines. Deleting the node or closing the session sets no delay: the
 * holder said it was done.
 *
 * <p>Invariant: an ephemeral node's owner is a live session, and that session lists it in its ephemerals.
 * Invariant: {@code lockDelayed} holds exactly the paths of the nodes whose {@code lockDelayed} flag is set.
 */
public final class CoordinationStateMachine implements StateMachine {
    /** Responses kept per session; the oldest go first once a client leaves more than this unacknowledged. */
    public static final int MAX_CACHED_RESPONSES = 1024;
    /** Watch events kept by default; older ones are compacted away and reported as such. */
    public static final int DEFAULT_RETAINED_EVENTS = 10_000;

    private static final int SNAPSHOT_FORMAT = 2;

    private final int retainedEvents;
    private final TreeMap<String, ZNode> nodes = new TreeMap<>();
    private final TreeMap<Long, Session> sessions = new TreeMap<>();
    /** Live sessions by the nonce they were opened with. Invariant: the inverse of {@code Session.nonce}. */
    private final TreeMap<Long, Long> sessionsByNonce = new TreeMap<>();
    /** Nodes whose lock delay has not passed yet, by path. */
    private final TreeSet<String> lockDelayed = new TreeSet<>();
    /** Events by revision. Invariant: {@code eventCount} is the number of events in it. */
    private final TreeMap<Long, List<WatchEvent>> events = new TreeMap<>();
    private int eventCount;
    /** The highest revision whose events were (partly) dropped; 0 if none. */
    private long compactedThrough;
    private long logTime;
    private long tickTerm;
    private long appliedIndex;

    /** A state machine keeping {@link #DEFAULT_RETAINED_EVENTS} watch events. */
    public CoordinationStateMachine() {
        this(DEFAULT_RETAINED_EVENTS);
    }

    /** A state machine keeping the newest {@code retainedEvents} watch events (at least 1). */
    public CoordinationStateMachine(int retainedEvents) {
        if (retainedEvents < 1) {
            throw new IllegalArgumentException("retainedEvents must be >= 1, was " + retainedEvents);
        }
        this.retainedEvents = retainedEvents;
        nodes.put("/", new ZNode(Payload.EMPTY, 0, 0));
    }

    @Override
    public Payload apply(long index, Payload command) {
        appliedIndex = index;
        Command c;
        try {
            c = Wire.decodeCommand(command);
        } catch (IllegalArgumentException e) {
            return Wire.encode(failure(Code.BAD_ARGUMENT, index));
        }
        return Wire.encode(apply(index, c));
    }

    /** Applies a decoded command (what {@link #apply(long, Payload)} does after decoding); for tests and tools. */
    Answer.Response apply(long index, Command c) {
        appliedIndex = index;
        if (c instanceof Command.OpenSession o) {
            Long open = sessionsByNonce.get(o.nonce());
            if (open != null) {
                return new Answer.Response(Code.OK, -1, open, List.of());   // a retry: the same session
            }
            Session s = new Session(o.ttlMillis(), logTime + o.ttlMillis(), o.nonce());
            s.renewed = true;                         // counts as of the next tick, like a keep-alive
            sessions.put(index, s);
            sessionsByNonce.put(o.nonce(), index);
            return new Answer.Response(Code.OK, -1, index, List.of());
        } else if (c instanceof Command.KeepAlive k) {
            Session s = sessions.get(k.sessionId());
            if (s == null) {
                return failure(Code.SESSION_EXPIRED, index);
            }
            s.renew(logTime);
            return new Answer.Response(Code.OK, -1, index, List.of());
        } else if (c instanceof Command.CloseSession k) {
            if (!sessions.containsKey(k.sessionId())) {
                return failure(Code.SESSION_EXPIRED, index);
            }
            endSession(k.sessionId(), index, WatchEvent.Type.DELETED);
            return new Answer.Response(Code.OK, -1, index, List.of());
        } else if (c instanceof Command.Tick t) {
            tick(t, index);
            return new Answer.Response(Code.OK, -1, index, List.of());
        }
        return request((Command.Request) c, index);
    }

    /**
     * Thesis §6.3: "the leader ... augments each command with its current time"; expiry is then decided by the
     * log alone. A higher term's first tick rebases every deadline instead of expiring anything.
     */
    private void tick(Command.Tick t, long index) {
        if (t.term() < tickTerm) {
            return;                                   // a deposed leader's tick, forwarded late: its clock is not ours
        }
        if (t.term() > tickTerm) {
            tickTerm = t.term();
            long previous = logTime;
            logTime = t.nowMillis();
            for (Session s : sessions.values()) {
                s.deadline = logTime + s.ttl;         // a new leader grants a fresh TTL
                s.renewed = false;
            }
            for (String path : lockDelayed) {         // and keeps what is left of each lock delay
                ZNode n = nodes.get(path);
                n.lockDelayedUntil = logTime + Math.max(1, n.lockDelayedUntil - previous);
            }
            return;
        }
        logTime = Math.max(logTime, t.nowMillis());
        List<Long> expired = new ArrayList<>();
        for (Map.Entry<Long, Session> e : sessions.entrySet()) {
            Session s = e.getValue();
            if (s.renewed) {
                // Renewed since the previous tick, at some time up to now: count it as renewed now, so that a
                // gap between ticks (a slow leader) never expires a session that kept sending keep-alives.
                s.deadline = Math.max(s.deadline, logTime + s.ttl);
                s.renewed = false;
            }
            if (s.deadline <= logTime) {
                expired.add(e.getKey());
            }
        }
        for (long id : expired) {
            endSession(id, index, WatchEvent.Type.EXPIRED);   // all of them in this one entry
        }
        endLockDelays(index);
    }

    /** Lifts every lock delay that has passed in log time, with an event on the delayed node. */
    private void endLockDelays(long index) {
        List<WatchEvent> ev = new ArrayList<>();
        for (var it = lockDelayed.iterator(); it.hasNext(); ) {
            String path = it.next();
            ZNode n = nodes.get(path);
            if (n.lockDelayedUntil <= logTime) {
                n.lockDelayed = false;
                it.remove();
                ev.add(new WatchEvent(index, WatchEvent.Type.LOCK_DELAY_ENDED, path));
            }
        }
        record(index, ev);
    }

    private void endSession(long id, long index, WatchEvent.Type type) {
        Session s = sessions.remove(id);
        sessionsByNonce.remove(s.nonce);
        List<WatchEvent> ev = new ArrayList<>();
        for (String path : s.ephemerals) {
            ZNode n = nodes.remove(path);
            String parentPath = parentOf(path);
            ZNode parent = nodes.get(parentPath);
            if (type == WatchEvent.Type.EXPIRED && n.lockDelay > 0 && parent.children.first().equals(nameOf(path))) {
                long until = logTime + n.lockDelay;
                parent.lockDelayedUntil = parent.lockDelayed ? Math.max(parent.lockDelayedUntil, until) : until;
                parent.lockDelayed = true;
                lockDelayed.add(parentPath);          // the holder expired: nobody takes its lock for a while
            }
            parent.children.remove(nameOf(path));
            ev.add(new WatchEvent(index, type, path));
            assert n != null && n.owner == id;
        }
        record(index, ev);
    }

    private Answer.Response request(Command.Request r, long index) {
        Session s = sessions.get(r.sessionId());
        if (s == null) {
            return failure(Code.SESSION_EXPIRED, index);
        }
        s.renew(logTime);
        if (r.ackedBelow() > s.ackedBelow) {
            s.ackedBelow = r.ackedBelow();
            s.responses.headMap(s.ackedBelow).clear();
        }
        Payload cached = s.responses.get(r.seq());
        if (cached != null) {
            return (Answer.Response) Wire.decodeAnswer(cached);      // a retry: applied once already
        }
        if (r.seq() < s.ackedBelow) {
            return failure(Code.RESPONSE_DISCARDED, index);
        }
        Answer.Response response = new Txn(r.sessionId(), index).run(r.ops());
        s.responses.put(r.seq(), Wire.encode(response));
        while (s.responses.size() > MAX_CACHED_RESPONSES) {
            s.ackedBelow = s.responses.pollFirstEntry().getKey() + 1;
        }
        return response;
    }

    /** One transaction: operations applied in order, undone in reverse if one fails. */
    private final class Txn {
        private final long session;
        private final long index;
        private final Deque<Runnable> undo = new ArrayDeque<>();
        private final List<WatchEvent> ev = new ArrayList<>();

        Txn(long session, long index) {
            this.session = session;
            this.index = index;
        }

        Answer.Response run(List<Op> ops) {
            List<Answer.OpResult> results = new ArrayList<>(ops.size());
            for (int i = 0; i < ops.size(); i++) {
                Object r = apply(ops.get(i));
                if (r instanceof Code code) {
                    while (!undo.isEmpty()) {
                        undo.pop().run();
                    }
                    return new Answer.Response(code, i, index, List.of());
                }
                results.add((Answer.OpResult) r);
            }
            record(index, ev);
            return new Answer.Response(Code.OK, -1, index, results);
        }

        /** Returns an {@link Answer.OpResult}, or the {@link Code} that fails the transaction. */
        private Object apply(Op op) {
            if (!validPath(op.path())) {
                return Code.BAD_ARGUMENT;
            }
            if (op instanceof Op.Create c) {
                return create(c);
            }
            ZNode n = nodes.get(op.path());
            if (n == null) {
                return Code.NO_NODE;
            }
            if (op instanceof Op.SetData s) {
                if (s.expectedVersion() != Op.ANY_VERSION && s.expectedVersion() != n.version) {
                    return Code.BAD_VERSION;
                }
                Payload oldData = n.data;
                long oldModified = n.modified;
                n.data = s.data();
                n.version++;
                n.modified = index;
                undo.push(() -> {
                    n.data = oldData;
                    n.version--;
                    n.modified = oldModified;
                });
                ev.add(new WatchEvent(index, WatchEvent.Type.CHANGED, s.path()));
                return new Answer.OpResult(s.path(), n.stat());
            }
            if (op instanceof Op.Check c) {
                Code refused = refuse(n, c.expectedVersion(), c.mustOwn());
                return refused != null ? refused : new Answer.OpResult(c.path(), n.stat());
            }
            Op.Delete d = (Op.Delete) op;
            Code refused = refuse(n, d.expectedVersion(), d.mustOwn());
            if (refused != null) {
                return refused;
            }
            if (d.path().equals("/")) {
                return Code.BAD_ARGUMENT;
            }
            if (!n.children.isEmpty()) {
                return Code.NOT_EMPTY;
            }
            Stat before = n.stat();
            remove(d.path());
            undo.push(() -> add(d.path(), n));
            ev.add(new WatchEvent(index, WatchEvent.Type.DELETED, d.path()));
            return new Answer.OpResult(d.path(), before);
        }

        private Code refuse(ZNode n, long expectedVersion, boolean mustOwn) {
            if (expectedVersion != Op.ANY_VERSION && expectedVersion != n.version) {
                return Code.BAD_VERSION;
            }
            return mustOwn && n.owner != session ? Code.NOT_OWNER : null;
        }

        private Object create(Op.Create c) {
            if (c.path().equals("/")) {
                return Code.NODE_EXISTS;
            }
            ZNode parent = nodes.get(parentOf(c.path()));
            if (parent == null) {
                return Code.NO_NODE;
            }
            if (parent.owner != 0) {
                return Code.NO_CHILDREN_FOR_EPHEMERALS;
            }
            String path = c.path();
            if (c.sequential()) {
                path = path + String.format("%010d", parent.sequence);
                parent.sequence++;
                undo.push(() -> parent.sequence--);
            }
            if (nodes.containsKey(path)) {
                return Code.NODE_EXISTS;
            }
            ZNode n = new ZNode(c.data(), index, c.ephemeral() ? session : 0);
            n.lockDelay = c.lockDelayMillis();
            String created = path;
            add(created, n);
            undo.push(() -> remove(created));
            ev.add(new WatchEvent(index, WatchEvent.Type.CREATED, created));
            return new Answer.OpResult(created, n.stat());
        }
    }

    private void add(String path, ZNode n) {
        nodes.put(path, n);
        if (n.lockDelayed) {
            lockDelayed.add(path);
        }
        nodes.get(parentOf(path)).children.add(nameOf(path));
        if (n.owner != 0) {
            sessions.get(n.owner).ephemerals.add(path);
        }
    }

    private void remove(String path) {
        ZNode n = nodes.remove(path);
        lockDelayed.remove(path);
        nodes.get(parentOf(path)).children.remove(nameOf(path));
        if (n.owner != 0) {
            sessions.get(n.owner).ephemerals.remove(path);
        }
    }

    private void record(long revision, List<WatchEvent> ev) {
        if (ev.isEmpty()) {
            return;
        }
        events.merge(revision, List.copyOf(ev), (earlier, later) -> {   // e.g. two sessions expiring in one tick
            List<WatchEvent> all = new ArrayList<>(earlier);
            all.addAll(later);
            return List.copyOf(all);
        });
        eventCount += ev.size();
        while (eventCount > retainedEvents && events.size() > 1) {
            Map.Entry<Long, List<WatchEvent>> oldest = events.pollFirstEntry();
            eventCount -= oldest.getValue().size();
            compactedThrough = oldest.getKey();
        }
    }

    private static Answer.Response failure(Code code, long index) {
        return new Answer.Response(code, -1, index, List.of());
    }

    @Override
    public Payload query(Payload query) {
        Query q;
        try {
            q = Wire.decodeQuery(query);
        } catch (IllegalArgumentException e) {
            return Wire.encode(failure(Code.BAD_ARGUMENT, appliedIndex));
        }
        return Wire.encode(query(q));
    }

    /** Answers a decoded query (what {@link #query(Payload)} does after decoding). */
    Answer query(Query q) {
        if (q instanceof Query.Get g) {
            ZNode n = nodes.get(g.path());
            return n == null ? new Answer.NodeData(Payload.EMPTY, null) : new Answer.NodeData(n.data, n.stat());
        } else if (q instanceof Query.Children c) {
            ZNode n = nodes.get(c.path());
            return n == null ? new Answer.ChildList(false, List.of()) : new Answer.ChildList(true, List.copyOf(n.children));
        }
        Query.Events e = (Query.Events) q;
        if (e.afterRevision() < compactedThrough) {
            return new Answer.EventList(true, appliedIndex, List.of());
        }
        List<WatchEvent> out = new ArrayList<>();
        long through = appliedIndex;
        for (Map.Entry<Long, List<WatchEvent>> r : events.tailMap(e.afterRevision(), false).entrySet()) {
            if (out.size() >= Math.max(1, e.max())) {
                through = out.get(out.size() - 1).revision();       // whole revisions only
                break;
            }
            for (WatchEvent w : r.getValue()) {
                if (under(w.path(), e.path())) {
                    out.add(w);
                }
            }
        }
        return new Answer.EventList(false, through, out);
    }

    /** The log time (the last tick's clock, rebased at each new term); for tests. */
    long logTime() {
        return logTime;
    }

    /** The live sessions' ids, in order; for tests. */
    List<Long> sessionIds() {
        return List.copyOf(sessions.keySet());
    }

    @Override
    public SnapshotWriter snapshot() {
        // Serialised on the apply thread: a copy is the point-in-time view (fine at the scale of coordination data).
        byte[] bytes = Wire.write(this::writeState).toByteArray();
        return out -> out.write(bytes);
    }

    private void writeState(DataOutputStream out) throws IOException {
        out.writeInt(SNAPSHOT_FORMAT);
        out.writeLong(appliedIndex);
        out.writeLong(logTime);
        out.writeLong(tickTerm);
        out.writeLong(compactedThrough);
        out.writeInt(sessions.size());
        for (Map.Entry<Long, Session> e : sessions.entrySet()) {
            Session s = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(s.ttl);
            out.writeLong(s.deadline);
            out.writeLong(s.nonce);
            out.writeLong(s.ackedBelow);
            out.writeBoolean(s.renewed);
            out.writeInt(s.responses.size());
            for (Map.Entry<Long, Payload> r : s.responses.entrySet()) {
                out.writeLong(r.getKey());
                Wire.writeBytes(out, r.getValue());
            }
        }
        out.writeInt(nodes.size());
        for (Map.Entry<String, ZNode> e : nodes.entrySet()) {      // parents before children: "/a" < "/a/b"
            ZNode n = e.getValue();
            out.writeUTF(e.getKey());
            Wire.writeBytes(out, n.data);
            out.writeLong(n.version);
            out.writeLong(n.created);
            out.writeLong(n.modified);
            out.writeLong(n.owner);
            out.writeLong(n.sequence);
            out.writeLong(n.lockDelay);
            out.writeBoolean(n.lockDelayed);
            out.writeLong(n.lockDelayedUntil);
        }
        out.writeInt(events.size());
        for (Map.Entry<Long, List<WatchEvent>> e : events.entrySet()) {
            out.writeLong(e.getKey());
            out.writeInt(e.getValue().size());
            for (WatchEvent w : e.getValue()) {
                out.writeByte(w.type().ordinal());
                out.writeUTF(w.path());
            }
        }
    }

    @Override
    public void restore(InputStream data) throws IOException {
        DataInputStream in = new DataInputStream(data);
        if (in.readInt() != SNAPSHOT_FORMAT) {
            throw new IOException("unknown coordination snapshot format");
        }
        nodes.clear();
        sessions.clear();
        sessionsByNonce.clear();
        lockDelayed.clear();
        events.clear();
        eventCount = 0;
        appliedIndex = in.readLong();
        logTime = in.readLong();
        tickTerm = in.readLong();
        compactedThrough = in.readLong();
        for (int i = in.readInt(); i > 0; i--) {
            long id = in.readLong();
            Session s = new Session(in.readLong(), in.readLong(), in.readLong());
            sessionsByNonce.put(s.nonce, id);
            s.ackedBelow = in.readLong();
            s.renewed = in.readBoolean();
            for (int r = in.readInt(); r > 0; r--) {
                s.responses.put(in.readLong(), readFully(in));
            }
            sessions.put(id, s);
        }
        for (int i = in.readInt(); i > 0; i--) {
            String path = in.readUTF();
            ZNode n = new ZNode(readFully(in), 0, 0);
            n.version = in.readLong();
            n.created = in.readLong();
            n.modified = in.readLong();
            n.owner = in.readLong();
            n.sequence = in.readLong();
            n.lockDelay = in.readLong();
            n.lockDelayed = in.readBoolean();
            n.lockDelayedUntil = in.readLong();
            if (path.equals("/")) {
                nodes.put(path, n);
                if (n.lockDelayed) {
                    lockDelayed.add(path);
                }
            } else {
                add(path, n);
            }
        }
        for (int i = in.readInt(); i > 0; i--) {
            long revision = in.readLong();
            List<WatchEvent> ev = new ArrayList<>();
            for (int k = in.readInt(); k > 0; k--) {
                ev.add(new WatchEvent(revision, WatchEvent.Type.values()[in.readUnsignedByte()], in.readUTF()));
            }
            events.put(revision, List.copyOf(ev));
            eventCount += ev.size();
        }
    }

    private static Payload readFully(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] b = new byte[n];
        in.readFully(b);
        return Payload.copyOf(b);
    }

    static boolean validPath(String path) {
        if (path.equals("/")) {
            return true;
        }
        return path.startsWith("/") && !path.endsWith("/") && !path.contains("//") && path.length() <= 4096;
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether {@code path} is {@code root} or below it. */
    static boolean under(String path, String root) {
        return root.equals("/") || path.equals(root) || path.startsWith(root + "/");
    }

    private static final class Session {
        final long ttl;
        final long nonce;
        long deadline;
        /** Responses of applied requests the client has not acknowledged, by sequence number. */
        final TreeMap<Long, Payload> responses = new TreeMap<>();
        long ackedBelow;
        final TreeSet<String> ephemerals = new TreeSet<>();

        /** Whether a keep-alive or request arrived since the last tick. */
        boolean renewed;

        Session(long ttl, long deadline, long nonce) {
            this.ttl = ttl;
            this.deadline = deadline;
            this.nonce = nonce;
        }

        void renew(long logTime) {
            deadline = Math.max(deadline, logTime + ttl);
            renewed = true;
        }
    }

    private static final class ZNode {
        Payload data;
        long version;
        long created;
        long modified;
        /** The owning session, 0 if persistent. */
        long owner;
        /** The next sequential child's number. */
        long sequence;
        /** The lock delay its session's expiry sets on the parent, in ms of log time; 0 for none. */
        long lockDelay;
        /** Whether its children's lock is delayed, and until which log time. Invariant: listed in {@code lockDelayed}. */
        boolean lockDelayed;
        long lockDelayedUntil;
        final TreeSet<String> children = new TreeSet<>();

        ZNode(Payload data, long created, long owner) {
            this.data = data;
            this.created = created;
            this.modified = created;
            this.owner = owner;
        }

        Stat stat() {
            return new Stat(version, created, modified, owner, children.size(), lockDelayed);
        }
    }
}
