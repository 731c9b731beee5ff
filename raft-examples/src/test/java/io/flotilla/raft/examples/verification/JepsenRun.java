package io.flotilla.raft.examples.verification;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.raft.examples.kv.KvCluster;
import io.flotilla.raft.linearizability.CheckResult;
import io.flotilla.raft.linearizability.KvModel;
import io.flotilla.raft.linearizability.Linearizability;
import io.flotilla.raft.linearizability.Operation;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * One fault-testing run against real KV server processes, Jepsen style: {@link #start} launches the nodes with every
 * Raft link behind a {@link LinkProxy}; {@link #runWorkload} runs the {@link Workload}'s clients while the
 * {@link Nemesis} injects faults, then heals; {@link #converge} waits until every node has applied the same log and
 * reads every key on every node; {@link #verify} checks the whole history for linearizability with raft-core's
 * checker ({@link KvModel}, split per key) and that every acknowledged write survived.
 *
 * <p>Everything a run learns goes to {@code target/jepsen/<name>-<seed>/}: {@code history.txt} (every invocation,
 * completion and nemesis event), {@code report.txt} (the figures, the seed, the faults injected, and for a failure
 * the first window of the history that cannot be linearized) and the nodes' logs. {@link #close} always resumes
 * paused nodes, opens every link and stops every process; the nodes' data is deleted when the run passed.
 *
 * <p>Threading: the run is driven from the test's thread; the clients and proxies have their own.
 */
final class JepsenRun implements AutoCloseable {
    /** The servers' {@code --request-timeout}: below the clients' socket timeout. */
    static final String REQUEST_TIMEOUT = "2s";

    private final String name;
    private final long seed;
    private final Path dir;
    private final Network network = new Network();
    private final History history = new History();
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final long started = System.nanoTime();
    private KvCluster cluster;
    private Nemesis nemesis;
    private boolean passed;
    private String replay = "";

    private JepsenRun(String name, long seed) throws IOException {
        this.name = name;
        this.seed = seed;
        this.dir = Path.of("target", "jepsen", name + "-" + seed).toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
    }

    /** Starts {@code nodes} servers with {@code extraFlags} behind proxies, and waits for a leader (60 s at most). */
    static JepsenRun start(String name, long seed, int nodes, List<String> extraFlags) throws Exception {
        JepsenRun run = new JepsenRun(name, seed);
        try {
            List<String> flags = new ArrayList<>(List.of("--request-timeout", REQUEST_TIMEOUT));
            flags.addAll(extraFlags);
            run.cluster = new KvCluster(run.dir, nodes, run.network, flags);
            run.history.event("started " + nodes + " nodes, seed " + seed + ", flags " + flags);
            run.cluster.awaitLeader(Duration.ofSeconds(60));
            return run;
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    /** The command that replays this run's schedule, for the report. */
    void replayWith(String command) {
        replay = command;
    }

    KvCluster cluster() {
        return cluster;
    }

    Network network() {
        return network;
    }

    History history() {
        return history;
    }

    /**
     * Runs {@code clients} clients on {@code keysPerKind} keys of each kind while the nemesis injects {@code faults}
     * for {@code duration}; then heals, waits for a leader and lets the clients run 3 s more on the healed cluster.
     * Returns the keys the clients used.
     */
    List<String> runWorkload(int clients, int keysPerKind, Duration duration, List<Nemesis.Fault> faults) throws Exception {
        Workload workload = new Workload(cluster, history, keysPerKind, seed);
        nemesis = new Nemesis(cluster, network, history, seed, faults);
        workload.start(clients);
        try {
            nemesis.run(System.nanoTime() + duration.toNanos());
            cluster.awaitLeader(Duration.ofSeconds(60));
            history.event("leader after healing: node " + nemesis.leaderOrRandom());
            Nemesis.park(3000, System.nanoTime() + Duration.ofSeconds(3).toNanos()); // calm: clients on the healed cluster
        } finally {
            workload.stop();
        }
        history.event("clients stopped; faults injected: " + nemesis.injected());
        return workload.keys();
    }

    /**
     * Waits (60 s at most) until every node reports the same commit and applied index, then reads every key on every
     * node; each read goes through that node's own state machine (ReadIndex) and into the history. A key whose
     * value differs between nodes is a problem.
     */
    void converge(List<String> keys) throws Exception {
        int n = cluster.size();
        try (Jedis writer = new Jedis("127.0.0.1", cluster.clientPort(cluster.awaitLeader(Duration.ofSeconds(60))),
                (int) Workload.CLIENT_TIMEOUT.toMillis())) {
            writer.set("converge-marker", Long.toString(seed)); // commits an entry of the current term
        }
        long[] applied = new long[n + 1];
        await("every node applies the same log").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (int id = 1; id <= n; id++) {
                        JsonNode s = cluster.status(id, Duration.ofSeconds(2));
                        if (s == null || s.path("applied").asLong() != s.path("commit").asLong()) {
                            return false;
                        }
                        applied[id] = s.path("applied").asLong();
                    }
                    return Arrays.stream(applied, 1, n + 1).distinct().count() == 1;
                });
        notes.add("converged: every node applied index " + applied[1]);
        history.event("converged at applied index " + applied[1]);
        long client = 1_000_000;
        for (int id = 1; id <= n; id++) {
            try (Jedis jedis = new Jedis("127.0.0.1", cluster.clientPort(id), (int) Workload.CLIENT_TIMEOUT.toMillis())) {
                for (String key : keys) {
                    Workload.perform(history, client, jedis, new KvModel.Get(key));
                }
            }
            client++;
        }
        Map<String, Set<String>> seen = new TreeMap<>();
        for (Operation<KvModel.Input, KvModel.Output> op : history.operations()) {
            if (op.clientId() >= 1_000_000 && op.output() instanceof KvModel.Value v) {
                seen.computeIfAbsent(op.input().key(), k -> new HashSet<>()).add(String.valueOf(v.value()));
            }
        }
        seen.forEach((key, values) -> {
            if (values.size() != 1) {
                problems.add("nodes disagree on key " + key + ": " + values);
            }
        });
        if (seen.size() != keys.size()) {
            problems.add("final reads answered for " + seen.size() + " of " + keys.size() + " keys");
        }
    }

    /**
     * Checks the history: linearizable (per key, with {@code budget} for the search), and every acknowledged APPEND
     * present exactly once in the final value of its key, and every counter between its acknowledged and its
     * attempted INCRs. Writes history.txt and report.txt, and returns the checker's verdict.
     */
    CheckResult verify(Duration budget) throws IOException {
        List<Operation<KvModel.Input, KvModel.Output>> ops = history.operations();
        checkAcknowledgedWrites(ops);
        long start = System.nanoTime();
        CheckResult result = Linearizability.check(new KvModel(), ops, budget);
        notes.add(String.format("checker: %s in %d ms", result.outcome(), (System.nanoTime() - start) / 1_000_000));
        passed = result.isOk() && problems.isEmpty();
        writeReport(result);
        return result;
    }

    /** What {@link #verify} found besides linearizability (lost writes, diverging nodes); empty when all is well. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    private void checkAcknowledgedWrites(List<Operation<KvModel.Input, KvModel.Output>> ops) {
        Map<String, String> last = new TreeMap<>();
        Map<String, Set<String>> appended = new HashMap<>();
        Map<String, Set<String>> attempted = new HashMap<>();
        Map<String, long[]> increments = new TreeMap<>(); // acknowledged, attempted
        for (Operation<KvModel.Input, KvModel.Output> op : ops) {
            KvModel.Input in = op.input();
            if (op.clientId() >= 1_000_000 && op.output() instanceof KvModel.Value v) {
                last.put(in.key(), v.value());
            } else if (in instanceof KvModel.Append a) {
                attempted.computeIfAbsent(a.key(), k -> new HashSet<>()).add(a.suffix());
                if (!op.isPending()) {
                    appended.computeIfAbsent(a.key(), k -> new HashSet<>()).add(a.suffix());
                }
            } else if (in instanceof KvModel.Incr i) {
                long[] c = increments.computeIfAbsent(i.key(), k -> new long[2]);
                c[1] += i.delta();
                c[0] += op.isPending() ? 0 : i.delta();
            }
        }
        attempted.forEach((key, suffixes) -> {
            String value = last.getOrDefault(key, "");
            List<String> parts = value == null || value.isEmpty() ? List.of()
                    : Arrays.stream(value.split("\\" + Workload.SEPARATOR)).map(p -> p + Workload.SEPARATOR).toList();
            Set<String> distinct = new HashSet<>(parts);
            if (distinct.size() != parts.size()) {
                problems.add("key " + key + ": an append is present twice");
            }
            for (String s : appended.getOrDefault(key, Set.of())) {
                if (!distinct.contains(s)) {
                    problems.add("key " + key + ": acknowledged append " + s + " is lost");
                }
            }
            for (String s : distinct) {
                if (!suffixes.contains(s)) {
                    problems.add("key " + key + ": " + s + " was never appended");
                }
            }
        });
        increments.forEach((key, c) -> {
            String value = last.get(key);
            long v = value == null ? 0 : Long.parseLong(value);
            if (v < c[0] || v > c[1]) {
                problems.add("counter " + key + " = " + v + ", outside [acknowledged " + c[0] + ", attempted "
                        + c[1] + "]");
            }
        });
    }

    private void writeReport(CheckResult result) throws IOException {
        history.write(dir.resolve("history.txt"));
        List<String> report = new ArrayList<>();
        report.add("run " + name + ", seed " + seed + ", " + cluster.size() + " nodes, "
                + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s so far");
        report.add("replay the schedule: " + (replay.isEmpty() ? "(seed " + seed + ")" : replay));
        report.add(history.summary());
        if (nemesis != null) {
            report.add("faults injected: " + nemesis.injected());
        }
        report.addAll(notes);
        report.add(problems.isEmpty() ? "acknowledged writes: all present; nodes agree" : "PROBLEMS:");
        report.addAll(problems);
        report.add("linearizability: " + result);
        Files.write(dir.resolve("report.txt"), report);
    }

    /** Where the history, the report and the node logs are. */
    Path directory() {
        return dir;
    }

    /** The report's text, for assertion messages. */
    String report() {
        try {
            return Files.readString(dir.resolve("report.txt")) + "\n(history: " + dir.resolve("history.txt") + ")";
        } catch (IOException e) {
            return "(no report: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (!Files.exists(dir.resolve("history.txt"))) {
            history.write(dir.resolve("history.txt")); // the run ended early: keep what it recorded
        }
        try {
            if (nemesis != null) {
                nemesis.healAll();
            }
        } finally {
            network.heal();
            try {
                if (cluster != null) {
                    cluster.close();
                }
            } finally {
                network.close();
                if (passed) {
                    for (int id = 1; cluster != null && id <= cluster.size(); id++) {
                        deleteRecursively(dir.resolve("node-" + id));
                    }
                }
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
