package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves coordination clients ({@link TcpMember}) for one member: each request frame ({@link Frames}) becomes a
 * {@link RaftNode#propose} or {@link RaftNode#read} on this member, and its outcome goes back as a response frame.
 * Requests on one connection run concurrently and may be answered out of order (the request id matches them up).
 * A node failure (not leader and no leader, timeout, closed) is answered {@link Frames#FAILED}; the client retries
 * on another member under its session, so retries are exactly once.
 *
 * <p>Threading: an acceptor thread, a reader thread per connection, and a writer thread per connection (answers are
 * never written on the node's apply thread). A demonstration server: no TLS, no authentication, bind it to
 * loopback or a trusted network only.
 */
public final class CoordinationServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinationServer.class);

    private final RaftNode node;
    private final ServerSocket socket;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private CoordinationServer(RaftNode node, ServerSocket socket) {
        this.node = node;
        this.socket = socket;
        Thread acceptor = new Thread(this::accept, "coordination-server-" + node.id());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts serving {@code node} on {@code bind} (port 0 picks a free port; see {@link #address()}). */
    public static CoordinationServer start(RaftNode node, InetSocketAddress bind) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(bind);
        return new CoordinationServer(node, socket);
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                Thread reader = new Thread(() -> serve(s), "coordination-conn-" + node.id());
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("accept failed on {}", address(), e);
                }
            }
        }
    }

    private void serve(Socket s) {
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "coordination-writer-" + node.id());
            t.setDaemon(true);
            return t;
        });
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            while (!closed) {
                Frames.Frame request = Frames.read(in);
                if (request.kind() != Frames.PROPOSE && request.kind() != Frames.READ) {
                    throw new IOException("unexpected frame kind " + request.kind());
                }
                (request.kind() == Frames.PROPOSE ? node.propose(request.body()) : node.read(request.body()))
                        .whenCompleteAsync((answer, error) -> {
                            Frames.Frame response = error == null
                                    ? new Frames.Frame(request.requestId(), Frames.OK, answer)
                                    : new Frames.Frame(request.requestId(), Frames.FAILED,
                                            Payload.ofUtf8(String.valueOf(error)));
                            try {
                                Frames.write(out, response);
                            } catch (IOException e) {
                                closeQuietly(s);
                            }
                        }, writer);
            }
        } catch (IOException e) {
            // the client went away, or sent a bad frame: drop the connection
        } finally {
            connections.remove(s);
            writer.shutdown();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops accepting and closes every connection; leaves the node running. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.forEach(CoordinationServer::closeQuietly);
    }
}
