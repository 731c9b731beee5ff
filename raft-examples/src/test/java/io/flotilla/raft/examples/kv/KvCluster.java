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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Three KV server processes on loopback for tests: each is {@code Main server ...} in its own JVM on the test's
 * class path, with its own data directory and log file under {@code dir}. They exit when the test JVM closes their
 * standard input ({@code --exit-on-stdin-close}), so none outlives the test, and {@link #kill} sends SIGKILL.
 */
final class KvCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Path dir;
    private final Map<Integer, Process> processes = new TreeMap<>();
    private final int[] raft;
    private final int[] client;
    private final int[] admin;

    /** Starts nodes 1-3 with the given extra server flags and waits until each is ready. */
    KvCluster(Path dir, String... extraFlags) throws Exception {
        this.dir = dir;
        int[] ports = freePorts(9);
        raft = new int[] {0, ports[0], ports[1], ports[2]};
        client = new int[] {0, ports[3], ports[4], ports[5]};
        admin = new int[] {0, ports[6], ports[7], ports[8]};
        String peers = members(raft);
        String admins = members(admin);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), "io.flotilla.raft.examples.Main", "server",
                    "--id", Integer.toString(id), "--peers", peers, "--admin-peers", admins,
                    "--client-port", Integer.toString(client[id]), "--admin-port", Integer.toString(admin[id]),
                    "--data-dir", dir.resolve("node-" + id).toString(), "--request-timeout", "5s",
                    "--exit-on-stdin-close"));
            command.addAll(List.of(extraFlags));
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + id + ".log").toFile()))
                    .start();
            processes.put(id, p);
            ready.add(KvDemo.readyLine(p));
        }
        for (CompletableFuture<String> r : ready) {
            r.get(60, TimeUnit.SECONDS);
        }
    }

    private static String members(int[] ports) {
        return java.util.stream.IntStream.rangeClosed(1, 3).mapToObj(id -> id + "=127.0.0.1:" + ports[id])
                .collect(Collectors.joining(","));
    }

    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    int clientPort(int id) {
        return client[id];
    }

    int adminPort(int id) {
        return admin[id];
    }

    long pid(int id) {
        return processes.get(id).pid();
    }

    /** The node's {@code GET /status}, or null if it does not answer. */
    JsonNode status(int id) {
        try {
            return JSON.readTree(get(id, "/status"));
        } catch (IOException e) {
            return null;
        }
    }

    /** The body of {@code GET path} on node {@code id}'s admin port. */
    String get(int id, String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[id] + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Waits until the live nodes agree on one leader among them, and returns its id. */
    int awaitLeader(Duration timeout) {
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

    boolean isAlive(int id) {
        return processes.get(id).isAlive();
    }

    /** kill -9. */
    void kill(int id) throws InterruptedException {
        Process p = processes.get(id);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** The node's log (standard error), for failure messages. */
    String log(int id) {
        try {
            return Files.readString(dir.resolve("node-" + id + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Closes every node's standard input (a clean exit), and kills those still running 15 s later. */
    @Override
    public void close() throws IOException {
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
