package io.flotilla.raft.examples.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * KV server processes on loopback for tests (three unless told otherwise): each is {@code Main server ...} in its own
 * JVM on the test's class path, with its own data directory and log file under {@code dir}. They exit when the test
 * JVM closes their standard input ({@code --exit-on-stdin-close}), so none outlives the test; {@link #kill} sends
 * SIGKILL, {@link #restart} starts a killed node again on its data, and {@link #pause}/{@link #resume} send
 * SIGSTOP/SIGCONT. {@link Routes} decides the address each node dials for each peer, so that a test can put a
 * proxy on every link (the fault-testing harness in {@code io.flotilla.raft.examples.verification} does).
 *
 * <p>Threading: the methods may be called from any thread, but a node should be driven (killed, restarted, paused)
 * from one thread at a time. {@link #close} resumes paused nodes first, so it always ends every process.
 */
public final class KvCluster implements AutoCloseable {
    /** Where node {@code from} dials node {@code to}, whose Raft transport listens on {@code raftPort}. */
    @FunctionalInterface
    public interface Routes {
        /** The {@code host:port} in node {@code from}'s {@code --peers} entry for node {@code to}. */
        String address(int from, int to, int raftPort) throws IOException;
    }

    /** Every node dials its peers' Raft ports directly. */
    public static final Routes DIRECT = (from, to, raftPort) -> "127.0.0.1:" + raftPort;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Path dir;
    private final int size;
    private final Map<Integer, List<String>> commands = new TreeMap<>();
    private final Map<Integer, Process> processes = new ConcurrentSkipListMap<>();
    private final Set<Integer> paused = new ConcurrentSkipListSet<>();
    private final int[] raft;
    private final int[] client;
    private final int[] admin;

    /** Starts nodes 1-3, connected directly, with the given extra server flags, and waits until each is ready. */
    KvCluster(Path dir, String... extraFlags) throws Exception {
        this(dir, 3, DIRECT, List.of(extraFlags));
    }

    /**
     * Starts nodes {@code 1..size} with the given extra server flags, each dialing its peers where {@code routes}
     * says and listening on its own Raft port, and waits until each is ready (60 s at most).
     */
    public KvCluster(Path dir, int size, Routes routes, List<String> extraFlags) throws Exception {
        this.dir = dir;
        this.size = size;
        // held until every route exists, so that a proxy the routes open cannot take a node's port
        List<ServerSocket> reserved = reserve(3 * size);
        int[] ports = reserved.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        raft = new int[size + 1];
        client = new int[size + 1];
        admin = new int[size + 1];
        for (int id = 1; id <= size; id++) {
            raft[id] = ports[id - 1];
            client[id] = ports[size + id - 1];
            admin[id] = ports[2 * size + id - 1];
        }
        String admins = members(admin);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            commands(size, routes, extraFlags, admins, java);
        } finally {
            for (ServerSocket s : reserved) {
                s.close();
            }
        }
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            ready.add(launch(id));
        }
        for (CompletableFuture<String> r : ready) {
            r.get(60, TimeUnit.SECONDS);
        }
    }

    /** Each node's command line, into {@link #commands}. */
    private void commands(int size, Routes routes, List<String> extraFlags, String admins, String java)
            throws IOException {
        for (int id = 1; id <= size; id++) {
            StringBuilder peers = new StringBuilder();
            for (int to = 1; to <= size; to++) {
                peers.append(to == 1 ? "" : ",").append(to).append('=')
                        .append(to == id ? "127.0.0.1:" + raft[id] : routes.address(id, to, raft[to]));
            }
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), "io.flotilla.raft.examples.Main", "server",
                    "--id", Integer.toString(id), "--peers", peers.toString(), "--admin-peers", admins,
                    "--listen", "127.0.0.1:" + raft[id],
                    "--client-port", Integer.toString(client[id]), "--admin-port", Integer.toString(admin[id]),
                    "--data-dir", dir.resolve("node-" + id).toString(), "--exit-on-stdin-close"));
            if (!extraFlags.contains("--request-timeout")) {
                command.addAll(List.of("--request-timeout", "5s"));
            }
            command.addAll(extraFlags);
            commands.put(id, List.copyOf(command));
        }
    }

    private CompletableFuture<String> launch(int id) throws IOException {
        Process p = new ProcessBuilder(commands.get(id))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + id + ".log").toFile()))
                .start();
        processes.put(id, p);
        return KvDemo.readyLine(p);
    }

    /** The number of nodes; their ids are {@code 1..size()}. */
    public int size() {
        return size;
    }

    private String members(int[] ports) {
        return java.util.stream.IntStream.rangeClosed(1, size).mapToObj(id -> id + "=127.0.0.1:" + ports[id])
                .collect(Collectors.joining(","));
    }

    /** {@code n} ports that were free a moment ago. */
    public static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = reserve(n);
        for (ServerSocket s : sockets) {
            s.close();
        }
        return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    }

    /**
     * {@code n} listening sockets on free loopback ports; the caller closes them. The ports are below the kernel's
     * ephemeral range when it leaves room for that, so that no outgoing connection (a client's, a proxy's) is given
     * a node's port as its local port while the node is down, and a restarted node can always bind it again.
     */
    private static List<ServerSocket> reserve(int n) throws IOException {
        int below = ephemeralRangeStart();
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int attempt = 0; sockets.size() < n && attempt < 100 * n; attempt++) {
                int port = below > 11_000 ? random.nextInt(10_000, below) : 0;
                try {
                    sockets.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
                } catch (IOException taken) {
                    // try another
                }
            }
            if (sockets.size() < n) {
                throw new IOException("found " + sockets.size() + " of " + n + " free ports below " + below);
            }
            return sockets;
        } catch (IOException e) {
            for (ServerSocket s : sockets) {
                s.close();
            }
            throw e;
        }
    }

    /** The first port the kernel hands out for outgoing connections (Linux), or 0 if unknown. */
    private static int ephemeralRangeStart() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Node {@code id}'s RESP port. */
    public int clientPort(int id) {
        return client[id];
    }

    /** Node {@code id}'s admin HTTP port. */
    public int adminPort(int id) {
        return admin[id];
    }

    /** Node {@code id}'s current process id. */
    public long pid(int id) {
        return processes.get(id).pid();
    }

    /** The node's {@code GET /status}, or null if it does not answer within 5 s. */
    public JsonNode status(int id) {
        return status(id, Duration.ofSeconds(5));
    }

    /** The node's {@code GET /status}, or null if it does not answer within {@code timeout}. */
    public JsonNode status(int id, Duration timeout) {
        try {
            return JSON.readTree(get(id, "/status", timeout));
        } catch (IOException e) {
            return null;
        }
    }

    /** The body of {@code GET path} on node {@code id}'s admin port. */
    String get(int id, String path) throws IOException {
        return get(id, path, Duration.ofSeconds(5));
    }

    private String get(int id, String path, Duration timeout) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[id] + path))
                    .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Waits until the live nodes agree on one leader among them, and returns its id. */
    public int awaitLeader(Duration timeout) {
        int[] leader = new int[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<JsonNode> live = processes.entrySet().stream().filter(e -> e.getValue().isAlive())
                    .map(e -> status(e.getKey())).toList();
            if (live.isEmpty() || live.contains(null)) {
                return false;
            }
            long l = live.get(0).get("leader").asLong();
            boolean agreed = l > 0 && live.stream().allMatch(s -> s.get("leader").asLong() == l)
                    && processes.get((int) l).isAlive();
            leader[0] = (int) l;
            return agreed;
        });
        return leader[0];
    }

    /** Whether node {@code id}'s process is running (paused counts as running). */
    public boolean isAlive(int id) {
        return processes.get(id).isAlive();
    }

    /** Whether node {@code id} is stopped by {@link #pause}. */
    public boolean isPaused(int id) {
        return paused.contains(id);
    }

    /** kill -9. */
    public void kill(int id) throws InterruptedException {
        Process p = processes.get(id);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        paused.remove(id);
    }

    /** Starts killed node {@code id} again, on its data directory, and waits until it is ready (60 s at most). */
    public void restart(int id) throws Exception {
        if (processes.get(id).isAlive()) {
            throw new IllegalStateException("node " + id + " is still running");
        }
        launch(id).get(60, TimeUnit.SECONDS);
    }

    /** {@code kill -STOP}: the node freezes, its sockets stay open. */
    public void pause(int id) throws IOException, InterruptedException {
        paused.add(id);
        signal(id, "STOP");
    }

    /** {@code kill -CONT}: undoes {@link #pause}. */
    public void resume(int id) throws IOException, InterruptedException {
        signal(id, "CONT");
        paused.remove(id);
    }

    private void signal(int id, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(processes.get(id).pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new IOException("kill -" + signal + " of node " + id + " failed");
        }
    }

    /** The node's log (standard error), for failure messages. */
    public String log(int id) {
        try {
            return Files.readString(dir.resolve("node-" + id + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Resumes paused nodes, closes every node's standard input (a clean exit), and kills those still running 15 s
     * later.
     */
    @Override
    public void close() throws IOException {
        for (int id : paused) {
            try {
                resume(id);
            } catch (IOException | InterruptedException e) {
                processes.get(id).destroyForcibly(); // SIGKILL ends a stopped process too
            }
        }
        for (Process p : processes.values()) {
            p.getOutputStream().close();
        }
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
