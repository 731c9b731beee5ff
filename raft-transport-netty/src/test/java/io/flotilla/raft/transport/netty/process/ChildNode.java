package io.flotilla.raft.transport.netty.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test's handle on one {@link NodeProcess}: starts it, sends it requests, collects the events it reports, and
 * kills it with SIGKILL.
 */
final class ChildNode implements AutoCloseable {
    final long id;
    private final Process process;
    private final Writer stdin;
    private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicLong nextRequest = new AtomicLong();
    private final List<String> events = new CopyOnWriteArrayList<>();

    ChildNode(long id, Path dataDir, String ports, Path log) throws IOException {
        this(id, dataDir, ports, log, Map.of());
    }

    /**
     * @param properties system properties for the process ({@link NodeProcess#SNAPSHOTS}, {@link NodeProcess#STALL})
     * @param log        where the process's standard error goes (appended to, so restarts keep earlier runs' logs)
     */
    ChildNode(long id, Path dataDir, String ports, Path log, Map<String, String> properties) throws IOException {
        this.id = id;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
        properties.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(p -> command.add("-D" + p.getKey() + "=" + p.getValue()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                NodeProcess.class.getName(), Long.toString(id), dataDir.toString(), ports));
        process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readAnswers, "child-" + id + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    void awaitReady(Duration timeout) throws Exception {
        ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void readAnswers() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("ready")) {
                    ready.complete(null);
                    continue;
                }
                if (line.startsWith("event ")) {
                    events.add(line.substring("event ".length()));
                    continue;
                }
                String[] parts = line.split(" ", 2);
                CompletableFuture<String> f = pending.remove(parts[0]);
                if (f != null) {
                    f.complete(parts.length > 1 ? parts[1] : "");
                }
            }
        } catch (IOException e) {
            // the process died; pending requests fail below
        }
        IOException gone = new IOException("node " + id + " exited");
        ready.completeExceptionally(gone);
        pending.values().forEach(f -> f.completeExceptionally(gone));
    }

    /** Sends one request; the future completes with the answer after the request id ("ok v", "err ...", "status ..."). */
    CompletableFuture<String> request(String request) {
        String rid = Long.toString(nextRequest.incrementAndGet());
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.put(rid, f);
        try {
            synchronized (stdin) {
                stdin.write(rid + " " + request + "\n");
                stdin.flush();
            }
        } catch (IOException e) {
            pending.remove(rid);
            f.completeExceptionally(e);
        }
        return f;
    }

    /** The events the process reported so far ({@code recv-start ...}, {@code stalled ...}; see NodeProcess). */
    List<String> events() {
        return List.copyOf(events);
    }

    /** kill -9: the process gets no chance to flush or close anything. */
    void kill() throws InterruptedException {
        signalKill();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Sends SIGKILL and returns without waiting for the process to be gone: once {@code kill(2)} has returned the
     * process runs no more of its own code, but the kernel may take tens of milliseconds to tear it down.
     */
    void signalKill() {
        process.destroyForcibly();
    }

    /** Waits up to {@code timeout} for the process to be gone; whether it is. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code n} ports free on the loopback address just now, as {@code NodeProcess} takes them: comma-separated. */
    static String freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return String.join(",", sockets.stream().map(s -> Integer.toString(s.getLocalPort())).toList());
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stdin.close(); // a clean exit
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
