package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The example fleet, in one JVM: a 3-member coordination cluster and three workers, each with its own
 * session. Every worker registers in the {@link ServiceRegistry}, runs for leadership ({@link LeaderElection}) and
 * takes jobs from a shared {@link WorkQueue}; the leader also feeds the queue. Midway the leading worker is killed
 * (its session simply stops): its registration disappears after its TTL, another worker takes over leadership
 * with a larger term and goes on feeding, and the job the dead worker held is redelivered.
 *
 * <p>Run with {@code mvn -q -pl raft-examples -am compile exec:java -Dexec.args=fleet}: the workers are threads
 * here. {@code fleet cluster} and {@code fleet worker} (see {@link #main}) run the same as OS processes over TCP.
 */
public final class ServiceFleet {
    private static final Duration TTL = Duration.ofMillis(1500);

    private ServiceFleet() {
    }

    /** Runs the fleet until {@code jobs} jobs are done, printing what happens; returns the number acknowledged. */
    public static int run(PrintStream out, int jobs) throws InterruptedException {
        try (LocalCoordinationCluster cluster =
                     new LocalCoordinationCluster(3, Duration.ofMillis(300), Duration.ofMillis(50))) {
            AtomicInteger produced = new AtomicInteger();
            AtomicInteger quota = new AtomicInteger(jobs / 2);      // the leader feeds half, then the rest
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            List<CoordinationClient> clients = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                CoordinationClient client = CoordinationClient.connect(cluster.members(),
                        CoordinationClient.Options.withTtl(TTL));
                clients.add(client);
                String name = "worker-" + i;
                Thread t = new Thread(() -> work(out, client, name, quota, produced, stop), name);
                t.setDaemon(true);
                threads.add(t);
            }
            CoordinationClient observer = CoordinationClient.connect(cluster.members(),
                    CoordinationClient.Options.withTtl(TTL));
            ServiceRegistry registry = new ServiceRegistry(observer, "/services");
            AutoCloseable watch = registry.watch("workers", m -> out.println("registry: workers " + m));
            threads.forEach(Thread::start);
            WorkQueue queue = new WorkQueue(observer, "/fleet/jobs");
            LeaderElection view = new LeaderElection(observer, "/fleet/leader", "observer");
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean killed = false;
            while ((queue.done().size() < jobs || registry.members("workers").size() > 2)
                    && System.nanoTime() - end < 0) {
                if (!killed && queue.done().size() >= jobs / 2) {
                    Optional<String> leader = view.leader();
                    if (leader.isPresent()) {
                        int i = Integer.parseInt(leader.get().substring("worker-".length()));
                        out.println("killing the leading worker " + leader.get() + " (its session just stops)");
                        clients.get(i - 1).crash();
                        killed = true;
                        quota.set(jobs);
                    }
                }
                observer.awaitChange("/", observer.revision(), Duration.ofMillis(200));
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
            int done = queue.done().size();
            out.println("done: " + done + " jobs acknowledged, pending " + queue.pending().size()
                    + ", leader now " + view.leader().orElse("none") + ", workers " + registry.members("workers"));
            watch.close();
            for (CoordinationClient c : clients) {
                c.close();
            }
            observer.close();
            return done;
        } catch (Exception e) {
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IllegalStateException(e);
        }
    }

    private static void work(PrintStream out, CoordinationClient client, String name, AtomicInteger quota,
                             AtomicInteger produced, AtomicBoolean stop) {
        try {
            new ServiceRegistry(client, "/services").register("workers", name + "@127.0.0.1");
            WorkQueue queue = new WorkQueue(client, "/fleet/jobs");
            LeaderElection election = new LeaderElection(client, "/fleet/leader", name);
            boolean leading = false;
            while (!stop.get()) {
                if (!leading && election.awaitLeadership(Duration.ofMillis(100))) {
                    leading = true;
                    out.println(name + " leads (term " + election.term() + ")");
                }
                if (leading && produced.get() < quota.get()) {
                    queue.put(Payload.ofUtf8("job " + produced.incrementAndGet() + " from " + name));
                }
                Optional<WorkQueue.Claim> claim = queue.claim(Duration.ofMillis(100));
                if (claim.isPresent() && queue.ack(claim.get(), Payload.ofUtf8(name))) {
                    out.println(name + " did " + claim.get().data().toStringUtf8());
                }
            }
        } catch (CoordinationException e) {
            out.println(name + " stops: " + e.getMessage());
        }
    }

    /**
     * Entry point for {@code exec:java -Dexec.args="fleet ..."}: no arguments runs the in-JVM fleet above;
     * {@code cluster PORT PORT PORT} runs a 3-member cluster serving clients on those loopback ports (0 picks free
     * ones; prints {@code serving HOST:PORT,...}); {@code worker NAME HOST:PORT,...} runs one worker process against
     * it (see {@link #worker}).
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0) {
            run(System.out, 20);
        } else if (args[0].equals("cluster") && args.length == 4) {
            serveCluster(new int[]{Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3])});
        } else if (args[0].equals("worker") && (args.length == 3 || args.length == 4)) {
            List<Member> members = new ArrayList<>();
            for (String hostPort : args[2].split(",")) {
                int colon = hostPort.lastIndexOf(':');
                members.add(new TcpMember(new InetSocketAddress(hostPort.substring(0, colon),
                        Integer.parseInt(hostPort.substring(colon + 1)))));
            }
            worker(System.out, args[1], members, args.length == 4 ? Integer.parseInt(args[3]) : 0);
        } else {
            System.err.println("usage: fleet | fleet cluster PORT PORT PORT | fleet worker NAME HOST:PORT,... [JOBS]");
            System.exit(2);
        }
    }

    private static void serveCluster(int[] ports) throws InterruptedException {
        LocalCoordinationCluster cluster = new LocalCoordinationCluster(3, Duration.ofMillis(300), Duration.ofMillis(50));
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CoordinationServer server;
            try {
                server = CoordinationServer.start(cluster.members().get(i),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[i]));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            addresses.add("127.0.0.1:" + server.address().getPort());
        }
        System.out.println("serving " + String.join(",", addresses));
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();      // until the process is stopped
    }

    /**
     * One worker process of the fleet: registers {@code name} under {@code /services/workers}, runs for leadership
     * at {@code /fleet/leader} (printing {@code NAME leads (term T)}), and takes jobs from the queue at
     * {@code /fleet/jobs} (printing {@code NAME did JOB}) until the node {@code /fleet/stop} exists. While it leads,
     * it feeds the queue until {@code jobs} jobs have been put (0: others feed it).
     */
    public static void worker(PrintStream out, String name, List<Member> members, int jobs) {
        CoordinationClient client = CoordinationClient.connectTo(members, CoordinationClient.Options.withTtl(TTL));
        new ServiceRegistry(client, "/services").register("workers", name);
        WorkQueue queue = new WorkQueue(client, "/fleet/jobs");
        LeaderElection election = new LeaderElection(client, "/fleet/leader", name);
        out.println(name + " registered, session " + client.sessionId());
        boolean leading = false;
        while (!client.get("/fleet/stop").exists()) {
            if (!leading && election.awaitLeadership(Duration.ofMillis(50))) {
                leading = true;
                out.println(name + " leads (term " + election.term() + ")");
            }
            if (leading && jobs > 0 && queue.done().size() + queue.pending().size() < jobs) {
                queue.put(Payload.ofUtf8("job from " + name + " at revision " + client.revision()));
            }
            Optional<WorkQueue.Claim> claim = queue.claim(Duration.ofMillis(200));
            if (claim.isPresent() && queue.ack(claim.get(), Payload.ofUtf8(name))) {
                out.println(name + " did " + claim.get().data().toStringUtf8());
            }
        }
        out.println(name + " stops");
        client.close();
    }
}
