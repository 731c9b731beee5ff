package io.flotilla.raft.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One OS process per node ({@link BenchNode#main}), started with this JVM's class path and {@code -Xmx} of
 * {@code --node-heap}; the driver talks to each over its standard input and output. A node's standard error goes to
 * {@code node-N.log} in its directory. Closing standard input ends a node; one that does not end within 10 s is
 * killed.
 */
final class ProcessCluster implements BenchCluster {
    private final List<Node> nodes = new ArrayList<>();

    /** A node process and the lines it printed. */
    private record Node(long id, Process process, PrintStream in, BlockingQueue<String> out) {
        String ask(String command, String replyPrefix, Duration within) throws InterruptedException {
            in.println(command);
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                String line = out.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("node " + id + " did not answer '" + command + "' within " + within
                            + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
                }
                if (line.startsWith(replyPrefix + " ") || line.equals(replyPrefix)) {
                    return line.substring(Math.min(line.length(), replyPrefix.length() + 1));
                }
                if (line.startsWith("error ")) {
                    throw new IllegalStateException("node " + id + ": " + line);
                }
            }
        }
    }

    ProcessCluster(int size, Path dir, boolean fsync, String heap) throws IOException, InterruptedException {
        Map<Long, String> peers = BenchCluster.loopbackAddresses(size);
        StringBuilder peerList = new StringBuilder();
        peers.forEach((id, a) -> peerList.append(peerList.length() == 0 ? "" : ",").append(id).append('=').append(a));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            for (long id : peers.keySet()) {
                Path nodeDir = dir.resolve("node-" + id);
                java.nio.file.Files.createDirectories(nodeDir);
                Process p = new ProcessBuilder(javaBin, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                        BenchNode.class.getName(), Long.toString(id), peerList.toString(), nodeDir.toString(),
                        fsync ? "on" : "off")
                        .redirectError(nodeDir.resolve("node-" + id + ".log").toFile())
                        .start();
                BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            lines.put(line);
                        }
                    } catch (IOException | InterruptedException e) {
                        // the process ended
                    }
                }, "bench-node-" + id + "-out");
                reader.setDaemon(true);
                reader.start();
                nodes.add(new Node(id, p, new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8), lines));
            }
            for (Node n : nodes) {
                String line = n.out().poll(60, TimeUnit.SECONDS);
                if (!"ready".equals(line)) {
                    throw new IllegalStateException("node " + n.id() + " did not start (said " + line + "); see "
                            + dir.resolve("node-" + n.id()).resolve("node-" + n.id() + ".log"));
                }
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    private Node awaitLeader(Duration within) throws Exception {
        return BenchCluster.await(within, 20, "no leader", () -> {
            for (Node n : nodes) {
                if (n.ask("status", "status", Duration.ofSeconds(10)).startsWith("LEADER ")) {
                    return n;
                }
            }
            return null;
        }, null);
    }

    @Override
    public LoadGenerator.Load load(long firstClientId, int clients, int valueBytes, Duration warmup,
                                   Duration duration) throws Exception {
        Node leader = awaitLeader(Duration.ofSeconds(30));
        for (Node n : nodes) {
            n.ask("heap-reset", "heap-reset", Duration.ofSeconds(10));
        }
        String result = leader.ask("load " + firstClientId + " " + clients + " " + valueBytes + " " + warmup.toMillis()
                + " " + duration.toMillis(), "result", warmup.plus(duration).plusSeconds(60));
        return Results.parseLoad(result);
    }

    @Override
    public List<BenchStateMachine.Check> checks(Duration within) throws Exception {
        BenchCluster.Poll<List<BenchStateMachine.Check>> all = () -> {
            List<BenchStateMachine.Check> checks = new ArrayList<>();
            for (Node n : nodes) {
                checks.add(BenchStateMachine.Check.decode(n.ask("check", "check", Duration.ofSeconds(10))));
            }
            return checks;
        };
        return BenchCluster.await(within, 20, "", () -> {
            var checks = all.poll();
            return BenchCluster.caughtUp(checks) ? checks : null;
        }, all);
    }

    @Override
    public long peakHeapAfterGc() throws InterruptedException {
        long peak = 0;
        for (Node n : nodes) {
            peak = Math.max(peak, Long.parseLong(n.ask("heap", "heap", Duration.ofSeconds(10))));
        }
        return peak;
    }

    @Override
    public void close() throws InterruptedException {
        for (Node n : nodes) {
            n.in().close();
        }
        for (Node n : nodes) {
            if (!n.process().waitFor(10, TimeUnit.SECONDS)) {
                n.process().destroyForcibly();
                n.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
