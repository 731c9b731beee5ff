package io.flotilla.raft.examples.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The {@code demo} command: a three-node KV cluster on this machine as three OS processes ({@code server} commands
 * of this same program), with data and logs under {@code ./flotilla-demo}. It waits for a leader, prints the
 * {@code redis-cli} commands to try and the status page's address, and stops all three nodes when it is stopped
 * (Ctrl-C, SIGTERM). The nodes also exit by themselves if the demo dies without stopping them
 * ({@code --exit-on-stdin-close}). A second run restarts the same cluster from its data; delete the directory to
 * start afresh.
 *
 * <p>Ports (add {@code --port-offset N} to move them all): Raft 7101-7103, clients 6381-6383, admin 8381-8383.
 */
public final class KvDemo {
    static final int RAFT_BASE = 7100;
    static final int CLIENT_BASE = 6380;
    static final int ADMIN_BASE = 8380;
    static final String USAGE = "usage: demo [--dir DIR (default ./flotilla-demo)] [--port-offset N (default 0)]";

    private final Path dir;
    private final int offset;
    private final PrintStream out;
    private final List<Process> nodes = new ArrayList<>();

    KvDemo(Path dir, int offset, PrintStream out) {
        this.dir = dir;
        this.offset = offset;
        this.out = out;
    }

    /** Runs the demo until the JVM is stopped; returns an exit code if it cannot start. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Path dir = Path.of("flotilla-demo");
        int offset = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            try {
                switch (args[i]) {
                    case "--dir" -> dir = Path.of(require(args[i], value));
                    case "--port-offset" -> {
                        offset = Integer.parseInt(require(args[i], value));
                        if (offset < 0 || offset > 50_000) {
                            throw new IllegalArgumentException("--port-offset must be in [0, 50000], was " + offset);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            } catch (NumberFormatException e) {
                err.println("error: " + args[i] + " takes a whole number, got " + value + "\n" + USAGE);
                return 2;
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage() + "\n" + USAGE);
                return 2;
            }
            i++;
        }
        KvDemo demo = new KvDemo(dir, offset, out);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "flotilla-demo-stop"));
        return demo.start() ? demo.awaitNodes() : 1;
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    int raftPort(int id) {
        return RAFT_BASE + offset + id;
    }

    int clientPort(int id) {
        return CLIENT_BASE + offset + id;
    }

    int adminPort(int id) {
        return ADMIN_BASE + offset + id;
    }

    /** Starts the three nodes and waits for a leader; false (after saying why) if that fails. */
    boolean start() throws Exception {
        for (int id = 1; id <= 3; id++) {
            for (int port : new int[] {raftPort(id), clientPort(id), adminPort(id)}) {
                if (!free(port)) {
                    out.println("error: port " + port + " is in use (another demo still running?); stop it, or "
                            + "pass --port-offset N to move every port by N");
                    return false;
                }
            }
        }
        Files.createDirectories(dir);
        String peers = members(this::raftPort);
        String admins = members(this::adminPort);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            Path log = dir.resolve("node-" + id + ".log");
            List<String> command = List.of(java, "-Xmx512m", "-cp", classpath(), "io.flotilla.raft.examples.Main",
                    "server", "--id", Integer.toString(id), "--peers", peers, "--admin-peers", admins,
                    "--client-port", Integer.toString(clientPort(id)), "--admin-port", Integer.toString(adminPort(id)),
                    "--data-dir", dir.resolve("node-" + id).toString(), "--exit-on-stdin-close");
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            nodes.add(p);
            ready.add(readyLine(p));
        }
        out.println("Starting 3 Flotilla KV nodes (data and logs under " + dir.toAbsolutePath() + ") ...");
        for (int i = 0; i < 3; i++) {
            try {
                ready.get(i).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println("error: node " + (i + 1) + " did not start: see " + dir.resolve("node-" + (i + 1) + ".log"));
                return false;
            }
        }
        long leader = awaitLeader(Duration.ofSeconds(30));
        out.println();
        for (int id = 1; id <= 3; id++) {
            out.printf("  node %d  pid %-7d redis 127.0.0.1:%d   admin http://127.0.0.1:%d/%s%n", id,
                    nodes.get(id - 1).pid(), clientPort(id), adminPort(id), id == leader ? "   (leader)" : "");
        }
        int follower = leader == 1 ? 2 : 1;
        out.println();
        out.println("Status page: http://127.0.0.1:" + adminPort(1) + "/");
        out.println();
        out.println("Try (any node takes any command; followers forward to the leader):");
        out.println("  redis-cli -p " + clientPort(1) + " SET greeting hello");
        out.println("  redis-cli -p " + clientPort(2) + " GET greeting");
        out.println("  redis-cli -p " + clientPort(3) + " INCR visits");
        out.println("  redis-cli -p " + clientPort(follower) + " MSET a 1 b 2");
        out.println("  redis-cli -p " + clientPort(follower) + " MGET a b greeting");
        out.println("  redis-cli -p " + clientPort(1) + " INFO");
        out.println("  redis-benchmark -p " + clientPort(1) + " -t set,get,incr -c 50 -n 10000 -q");
        if (leader > 0) {
            out.println("Kill the leader and watch the status page elect another: kill -9 "
                    + nodes.get((int) leader - 1).pid());
        }
        out.println();
        out.println("Press Ctrl-C to stop all three nodes.");
        out.flush();
        return true;
    }

    private String members(java.util.function.IntUnaryOperator port) {
        return java.util.stream.IntStream.rangeClosed(1, 3).mapToObj(id -> id + "=127.0.0.1:" + port.applyAsInt(id))
                .collect(Collectors.joining(","));
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Completes with the node's {@code ready} line; its later output goes nowhere (it logs to stderr). */
    static CompletableFuture<String> readyLine(Process p) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("ready ")) {
                        ready.complete(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IOException("its output ended before it was ready"));
        }, "demo-node-output");
        t.setDaemon(true);
        t.start();
        return ready;
    }

    /** Polls node 1's /cluster until some node leads; returns its id, or 0 if none did in time. */
    private long awaitLeader(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort(1) + "/status")).timeout(Duration.ofSeconds(1))
                        .build(), HttpResponse.BodyHandlers.ofString());
                JsonNode status = json.readTree(r.body());
                if (status.get("leader").asLong() > 0) {
                    return status.get("leader").asLong();
                }
            } catch (IOException e) {
                // not up yet
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling pace of an interactive program, not a test
        }
        out.println("(no leader after " + timeout.toSeconds() + " s; the nodes keep trying: watch the status page)");
        return 0;
    }

    /** Waits until every node has exited (they are stopped by the shutdown hook). */
    private int awaitNodes() throws InterruptedException {
        for (int i = 0; i < nodes.size(); i++) {
            int code = nodes.get(i).waitFor();
            out.println("node " + (i + 1) + " exited (code " + code + ")");
        }
        return 0;
    }

    /** Stops every node: closes its standard input (a clean exit), then SIGKILL after 10 s. */
    void stop() {
        for (Process p : nodes) {
            try {
                Writer w = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
                w.close();
            } catch (IOException e) {
                // already gone
            }
        }
        for (Process p : nodes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        if (!nodes.isEmpty()) {
            out.println("stopped all nodes; data kept in " + dir.toAbsolutePath());
            out.flush();
        }
    }

    /**
     * The class path for the nodes: this JVM's, or the class loader's URLs when running inside Maven
     * ({@code exec:java}), whose own class path holds only Maven.
     */
    static String classpath() {
        if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader
                && loader.getURLs().length > 0) {
            List<String> paths = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    paths.add(Path.of(url.toURI()).toString());
                } catch (Exception e) {
                    // not a file; skip it
                }
            }
            return String.join(java.io.File.pathSeparator, paths);
        }
        return System.getProperty("java.class.path");
    }
}
