package io.flotilla.raft.examples.verification;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fault-injecting TCP proxy for one directed Raft link {@code from -> to}: node {@code from}'s {@code --peers}
 * entry for {@code to} is this proxy's port, and the proxy forwards each connection to {@code to}'s real Raft port.
 * Since the Netty transport writes only on the connections a node dials (docs/transport.md), the proxy carries
 * exactly the messages {@code from} sends to {@code to}; cutting it is a one-way fault.
 *
 * <p>Three states: {@link #open} forwards; {@link #cut} closes every connection and closes each new one as soon as
 * it is accepted (the dialer sees a reset and backs off); {@link #blackhole} keeps connections up but silently
 * discards every byte in both directions, like a dropped route. {@link #open} after a blackhole closes the
 * connections whose bytes were discarded, since their framing is lost, and the dialer reconnects.
 *
 * <p>Threading: one accept thread and two copy threads per connection, all daemons; the state setters may be
 * called from any thread. {@link #close} stops everything.
 */
final class LinkProxy implements AutoCloseable {
    /** What the proxy does with traffic. */
    enum State { OPEN, CUT, BLACKHOLE }

    private final int from;
    private final int to;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private volatile State state = State.OPEN;
    private volatile boolean closed;

    LinkProxy(int from, int to, int targetPort) throws IOException {
        this.from = from;
        this.to = to;
        this.targetPort = targetPort;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "proxy-" + from + "-" + to);
        accept.setDaemon(true);
        accept.start();
    }

    /** The port node {@code from} dials. */
    int port() {
        return server.getLocalPort();
    }

    State state() {
        return state;
    }

    /** Forwards again; connections that lost bytes while blackholed are closed so that the dialer starts afresh. */
    void open() {
        state = State.OPEN;
        for (Pair p : pairs) {
            if (p.tainted) {
                p.close();
            }
        }
    }

    /** Drops every connection and refuses new ones. */
    void cut() {
        state = State.CUT;
        for (Pair p : pairs) {
            p.close();
        }
    }

    /** Keeps connections up but discards everything sent on them. */
    void blackhole() {
        state = State.BLACKHOLE;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (state == State.CUT) {
                closeQuietly(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client); // the target is down: the dialer sees the same as without a proxy
                closeQuietly(upstream);
                continue;
            }
            Pair pair = new Pair(client, upstream);
            pairs.add(pair);
            pair.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Pair p : pairs) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "link " + from + "->" + to + " " + state;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** One proxied connection: two copy threads. */
    private final class Pair {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean tainted;

        Pair(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            copy(client, upstream, "up");
            copy(upstream, client, "down");
        }

        private void copy(Socket in, Socket out, String direction) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try (InputStream src = in.getInputStream(); OutputStream dst = out.getOutputStream()) {
                    int n;
                    while ((n = src.read(buffer)) >= 0) {
                        if (state == State.OPEN && !tainted) {
                            dst.write(buffer, 0, n);
                        } else {
                            tainted = true;
                        }
                    }
                } catch (IOException e) {
                    // closed by a fault, by the proxy or by either end
                } finally {
                    close();
                }
            }, "proxy-" + from + "-" + to + "-" + direction);
            t.setDaemon(true);
            t.start();
        }

        void close() {
            pairs.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }
}
