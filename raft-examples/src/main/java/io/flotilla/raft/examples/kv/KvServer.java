package io.flotilla.raft.examples.kv;

import io.flotilla.raft.node.RaftConfig;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.node.SnapshotPolicy;
import io.flotilla.raft.snapshot.FileSnapshotStore;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import io.flotilla.raft.transport.netty.NettyTransport;
import io.flotilla.raft.transport.netty.NettyTransportConfig;
import io.flotilla.raft.transport.netty.TlsConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A replicated key-value server speaking the Redis protocol: one member of a Raft group, on the RocksDB log
 * ({@code <data-dir>/log}), a {@link FileSnapshotStore} ({@code <data-dir>/snapshots}) and the Netty transport, with
 * a {@link KvStore} as its state machine, a RESP2 client port ({@link RespServer}) and an HTTP admin port
 * ({@link AdminServer}). Every data command is linearizable: writes go through {@code propose}, reads through
 * ReadIndex, on any node (a follower forwards both to the leader). See docs/kv-server.md.
 *
 * <p>{@link #start} opens everything and returns once the ports listen; {@link #close} (or the JVM's shutdown, for
 * {@link #run}) stops the ports, then the node, then the stores. Thread-safe.
 */
public final class KvServer implements AutoCloseable {
    private final RocksDbLogStore log;
    private final FileSnapshotStore snapshots;
    private final NettyTransport transport;
    private final RaftNode node;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final RespServer resp;
    private final AdminServer admin;
    /** What this server opened, the latest first: closed in this order. */
    private final Deque<AutoCloseable> opened;

    private KvServer(KvServerConfig config, Deque<AutoCloseable> opened) throws IOException, InterruptedException {
        this.opened = opened;
        Files.createDirectories(config.dataDir());
        long group = 1;
        log = open(RocksDbLogStore.open(config.dataDir().resolve("log"),
                RocksDbLogStore.Options.of(group, config.id())));
        snapshots = open(FileSnapshotStore.open(config.dataDir().resolve("snapshots")));
        NettyTransportConfig tc = NettyTransportConfig.of(config.clusterId(), config.id(), config.listen(),
                config.peers());
        if (config.tlsCert() != null) {
            tc = tc.withTls(new TlsConfig(config.tlsCert(), config.tlsKey(), config.tlsCa()));
        }
        transport = new NettyTransport(tc); // the node closes it
        SnapshotPolicy d = SnapshotPolicy.defaults();
        SnapshotPolicy policy = config.snapshotEvery() == 0 ? SnapshotPolicy.disabled()
                : new SnapshotPolicy(config.snapshotEvery(), d.everyBytes(),
                Math.min(d.trailingEntries(), config.snapshotEvery()), d.chunkBytes(), d.maxInflightChunks(),
                d.transferTimeout());
        RaftConfig base = RaftConfig.of(group, config.id(), config.peers());
        RaftConfig rc = base.withRequestLimits(config.requestTimeout(), base.maxPendingRequests()).withSnapshots(policy);
        KvStore store = new KvStore();
        UnsafeLocalReads localReads = config.unsafeLocalReads() ? new UnsafeLocalReads(store) : null;
        node = open(RaftNode.start(rc, log, snapshots, transport, localReads == null ? store : localReads));
        boss = new NioEventLoopGroup(1);
        opened.push(() -> boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
        workers = new NioEventLoopGroup(2);
        opened.push(() -> workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
        ServerMetrics metrics = new ServerMetrics(node, store);
        resp = open(new RespServer(boss, workers, new InetSocketAddress(config.bind(), config.clientPort()), node,
                metrics, config, localReads));
        String client = config.bind() + ":" + resp.localAddress().getPort();
        admin = open(new AdminServer(boss, workers, new InetSocketAddress(config.bind(), config.adminPort()), node,
                metrics, config.adminPeers(), client));
    }

    private <T extends AutoCloseable> T open(T resource) {
        opened.push(resource);
        return resource;
    }

    /**
     * Starts a server. Fails with an exception naming the cause if a store cannot be opened or a port is taken;
     * whatever had been opened by then is closed again.
     */
    public static KvServer start(KvServerConfig config) throws Exception {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            return new KvServer(config, opened);
        } catch (Exception | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static void closeAll(Deque<AutoCloseable> opened, Throwable failure) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    org.slf4j.LoggerFactory.getLogger(KvServer.class).warn("while closing", e);
                }
            }
        }
    }

    /** The node (for its status). */
    public RaftNode node() {
        return node;
    }

    /** Where clients connect. */
    public InetSocketAddress clientAddress() {
        return resp.localAddress();
    }

    /** Where the admin HTTP port listens. */
    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** Where the Raft transport listens. */
    public InetSocketAddress raftAddress() {
        return transport.localAddress();
    }

    /** Stops the ports, the node, the event loops and the stores, in that order. */
    @Override
    public void close() {
        synchronized (opened) {
            closeAll(opened, null);
        }
    }

    /**
     * The {@code server} command: parses the flags, starts, prints one {@code ready ...} line with the addresses on
     * {@code out}, and runs until the JVM is stopped (SIGTERM, Ctrl-C) or, with {@code --exit-on-stdin-close}, until
     * standard input closes. Returns the process exit code: 2 for bad flags, 1 if the server could not start.
     */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err)
            throws InterruptedException {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(KvServerConfig.USAGE);
            return 0;
        }
        KvServerConfig config;
        try {
            config = KvServerConfig.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(KvServerConfig.USAGE);
            return 2;
        }
        if (config.unsafeLocalReads()) {
            err.println("WARNING: --unsafe-local-reads: reads are answered from local state without ReadIndex and "
                    + "may be stale; this mode is NOT linearizable and exists only to test the fault-testing harness");
        }
        KvServer server;
        try {
            server = start(config);
        } catch (Exception e) {
            err.println("error: node " + config.id() + " could not start: " + e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "flotilla-kv-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ready node " + config.id() + " client " + server.clientAddress().getPort() + " admin "
                + server.adminAddress().getPort() + " raft " + server.raftAddress().getPort()
                + " pid " + ProcessHandle.current().pid());
        out.flush();
        if (config.exitOnStdinClose()) {
            try {
                while (stdin.read() >= 0) {
                    // nothing to read; wait for the end
                }
            } catch (IOException e) {
                // treated as closed
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        stopped.await();
        return 0;
    }
}
