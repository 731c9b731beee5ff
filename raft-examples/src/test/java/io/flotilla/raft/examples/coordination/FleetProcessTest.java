package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The example as OS processes: three worker processes ({@link ServiceFleet#worker}) reach the cluster over
 * TCP (loopback), register, elect a leader among themselves and share a work queue; the leading worker is killed
 * (SIGKILL) midway. Its registration goes, another worker leads, and every job is acknowledged exactly once.
 */
class FleetProcessTest {
    @AutoClose
    private final LocalCoordinationCluster cluster =
            new LocalCoordinationCluster(3, TestCluster.ELECTION, TestCluster.TICK);
    private final List<CoordinationServer> servers = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<List<String>> outputs = new ArrayList<>();

    @AfterEach
    void stop() {
        workers.forEach(Process::destroyForcibly);
        servers.forEach(CoordinationServer::close);
    }

    private Process startWorker(String name, String members, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ServiceFleet.class.getName(), "worker", name, members)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died
            }
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        workers.add(p);
        outputs.add(lines);
        return p;
    }

    private List<String> all() {
        return outputs.stream().flatMap(List::stream).toList();
    }

    @Test
    void threeWorkerProcessesShareAQueueAndSurviveTheirLeaderBeingKilled(@TempDir Path dir) throws Exception {
        List<String> addresses = new ArrayList<>();
        for (RaftNode node : cluster.members()) {
            CoordinationServer server = CoordinationServer.start(node,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            servers.add(server);
            addresses.add("127.0.0.1:" + server.address().getPort());
        }
        CoordinationClient admin = CoordinationClient.connect(cluster.members(),
                CoordinationClient.Options.withTtl(TestCluster.TTL));
        WorkQueue queue = new WorkQueue(admin, "/fleet/jobs");
        ServiceRegistry registry = new ServiceRegistry(admin, "/services");
        for (int i = 1; i <= 3; i++) {
            startWorker("worker-" + i, String.join(",", addresses), dir.resolve("worker-" + i + ".log"));
        }
        put(admin, 0, 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> queue.done().size() == 10
                && registry.members("workers").size() == 3 && all().stream().anyMatch(l -> l.contains(" leads ")));
        String leader = new LeaderElection(admin, "/fleet/leader", "admin").leader().orElseThrow();
        Process leaderProcess = workers.get(Integer.parseInt(leader.substring("worker-".length())) - 1);
        leaderProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long killed = System.nanoTime();

        put(admin, 10, 20);
        await().atMost(Duration.ofSeconds(60)).until(() -> queue.done().size() == 30
                && registry.members("workers").size() == 2
                && all().stream().filter(l -> l.contains(" leads ")).count() >= 2);
        long tookMs = (System.nanoTime() - killed) / 1_000_000;
        admin.submit(new Op.Create("/fleet/stop", Payload.EMPTY, false, false));
        for (Process p : workers) {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        List<String> did = all().stream().filter(l -> l.contains(" did ")).toList();
        System.out.printf("FleetProcessTest: killed leader %s; the rest done %d ms later; leaders %s; jobs per worker %s%n",
                leader, tookMs, all().stream().filter(l -> l.contains(" leads ")).toList(),
                did.stream().collect(Collectors.groupingBy(l -> l.substring(0, l.indexOf(' ')), Collectors.counting())));
        assertThat(queue.done()).hasSize(30);
        assertThat(queue.pending()).isEmpty();
        assertThat(did.stream().map(l -> l.substring(l.indexOf(" did ") + 5)).toList())
                .as("no job done twice").doesNotHaveDuplicates();
        assertThat(registry.members("workers")).doesNotContain(leader).isEmpty();      // the others stopped cleanly
        admin.close();
    }

    private static void put(CoordinationClient admin, int from, int count) {
        List<Op> ops = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            ops.add(new Op.Create("/fleet/jobs/items/item-", Payload.ofUtf8("job " + i), false, true));
        }
        assertThat(admin.submit(ops).ok()).isTrue();
    }
}
