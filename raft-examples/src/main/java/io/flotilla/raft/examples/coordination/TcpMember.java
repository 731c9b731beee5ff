package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster member reached over TCP, served by a {@link CoordinationServer} (framing in {@link Frames}). Connects
 * on first use and again after a failure; every request in flight on a broken connection fails, and the
 * {@link CoordinationClient} retries it on another member under its session.
 *
 * <p>Threading: thread-safe; one reader thread per connection; futures complete on callback threads of this
 * member's own (never the reader), so a callback may block on another request.
 */
public final class TcpMember implements Member, AutoCloseable {
    private final InetSocketAddress address;
    private final AtomicLong ids = new AtomicLong();
    private final ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "coordination-tcp-callbacks");
        t.setDaemon(true);
        return t;
    });
    private Connection connection;
    private boolean closed;

    /** A member at {@code address}. */
    public TcpMember(InetSocketAddress address) {
        this.address = address;
    }

    @Override
    public CompletableFuture<Payload> propose(Payload command) {
        return send(Frames.PROPOSE, command);
    }

    @Override
    public CompletableFuture<Payload> read(Payload query) {
        return send(Frames.READ, query);
    }

    private CompletableFuture<Payload> send(byte kind, Payload body) {
        CompletableFuture<Payload> result = new CompletableFuture<>();
        long id = ids.incrementAndGet();
        Connection c;
        try {
            c = connection();
            c.pending.put(id, result);
            synchronized (c.out) {
                Frames.write(c.out, new Frames.Frame(id, kind, body));
            }
        } catch (IOException e) {
            fail(e);
            result.completeExceptionally(e);
        }
        return result.whenCompleteAsync((r, e) -> { }, callbacks);
    }

    private synchronized Connection connection() throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        if (connection == null) {
            Socket s = new Socket();
            s.connect(address, 1000);
            s.setTcpNoDelay(true);
            connection = new Connection(s);
            Connection c = connection;
            Thread reader = new Thread(() -> readLoop(c), "coordination-tcp-reader");
            reader.setDaemon(true);
            reader.start();
        }
        return connection;
    }

    private void readLoop(Connection c) {
        try {
            while (true) {
                Frames.Frame f = Frames.read(c.in);
                CompletableFuture<Payload> waiting = c.pending.remove(f.requestId());
                if (waiting == null) {
                    continue;
                }
                if (f.kind() == Frames.OK) {
                    waiting.complete(f.body());
                } else {
                    waiting.completeExceptionally(new IOException(address + ": " + f.body().toStringUtf8()));
                }
            }
        } catch (IOException e) {
            fail(c, e);
        }
    }

    private synchronized void fail(IOException e) {
        if (connection != null) {
            fail(connection, e);
        }
    }

    private synchronized void fail(Connection c, IOException e) {
        if (connection == c) {
            connection = null;
        }
        try {
            c.socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        c.pending.values().forEach(f -> f.completeExceptionally(e));
        c.pending.clear();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            fail(connection, new IOException("closed"));
        }
        callbacks.shutdown();
    }

    @Override
    public String toString() {
        return "tcp://" + address.getHostString() + ":" + address.getPort();
    }

    private static final class Connection {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final Map<Long, CompletableFuture<Payload>> pending = new ConcurrentHashMap<>();

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        }
    }
}
