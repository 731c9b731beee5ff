package io.flotilla.raft.examples.demo;

import io.flotilla.raft.core.CoreConfig;
import io.flotilla.raft.core.ProposeResult;
import io.flotilla.raft.core.RaftCore;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.Message;

import java.io.PrintStream;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * A three-node cluster of pure Raft cores in one process, on a virtual clock and a virtual network with
 * random delays: it elects a leader, replicates an account balance ("set 100", "add 25", ...), loses its
 * leader twice and recovers, printing elections, terms and commits as they happen.
 *
 * <p>It shows the core's driving loop (tick, step, Ready, persist, send, apply, advance) with nothing else
 * around it. Single-threaded; time is virtual, optionally paced to the wall clock so a person can follow it.
 */
public final class SimulatedClusterDemo {
    private static final long TICK_MS = 10;
    private static final int NODES = 3;

    private record Event(long time, long seq, Runnable action) {
    }

    private final PrintStream out;
    private final SplittableRandom random;
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private final RaftCore[] cores = new RaftCore[NODES + 1];
    private final InMemoryLogStore[] stores = new InMemoryLogStore[NODES + 1];
    private final long[] balance = new long[NODES + 1];
    private final CoreConfig[] configs = new CoreConfig[NODES + 1];
    private long now;
    private long seq;
    private long nextAmount = 1;

    public SimulatedClusterDemo(PrintStream out, long seed) {
        this.out = out;
        this.random = new SplittableRandom(seed);
        List<Long> voters = LongStream.rangeClosed(1, NODES).boxed().toList();
        for (int id = 1; id <= NODES; id++) {
            // 10 ms ticks: election timeout 150-300 ms as the paper suggests, heartbeats every 50 ms.
            configs[id] = CoreConfig.of(1, id, voters).withTicks(15, 5);
            stores[id] = new InMemoryLogStore();
            start(id);
        }
    }

    /** Runs {@code seconds} of virtual time; with {@code speed > 0}, paced at that multiple of real time. */
    public void run(int seconds, double speed) throws InterruptedException {
        long end = seconds * 1000L;
        for (long t = 0; t < end; t += TICK_MS) {
            at(t, this::tickAll);
        }
        for (long t = 500; t < end; t += 400) {
            at(t, this::propose);
        }
        scheduleCrash(end / 3);
        scheduleCrash(2 * end / 3);
        out.printf("Flotilla demo: %d Raft nodes in one process, virtual network (1-20 ms delays), %d s of virtual time%n",
                NODES, seconds);
        long started = System.nanoTime();
        while (!events.isEmpty() && events.peek().time <= end) {
            Event e = events.poll();
            if (speed > 0) {
                long dueNanos = started + (long) (e.time * 1_000_000 / speed);
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            now = e.time;
            e.action.run();
        }
        out.printf("[%6.2fs] done. Balances: %s%n", now / 1000.0, balances());
    }

    private void at(long time, Runnable action) {
        events.add(new Event(time, seq++, action));
    }

    private void start(int id) {
        cores[id] = RaftCore.restore(configs[id], stores[id], new SplittableRandom(random.nextLong()));
        balance[id] = 0; // the state machine is rebuilt from the log on restart
    }

    private void tickAll() {
        for (int id = 1; id <= NODES; id++) {
            RaftCore core = cores[id];
            if (core != null) {
                observe(id, core::tick);
            }
        }
    }

    private void deliver(Message m) {
        int id = (int) m.to();
        RaftCore core = cores[id];
        if (core != null) {
            observe(id, () -> core.step(m));
        }
    }

    /** Runs an input on a node, reports role changes, and carries out the node's Ready batches. */
    private void observe(int id, Runnable input) {
        RaftCore core = cores[id];
        Role role = core.role();
        long term = core.term();
        input.run();
        if (core.role() != role || core.term() != term) {
            String how = switch (core.role()) {
                case PRE_CANDIDATE -> "times out and asks whether it could win (pre-vote)";
                case CANDIDATE -> "campaigns";
                case LEADER -> "wins the election and LEADS";
                case FOLLOWER -> "follows";
            };
            out.printf("[%6.2fs] node %d %s in term %d%n", now / 1000.0, id, how, core.term());
        }
        while (core.hasReady()) {
            Ready rd = core.ready();
            stores[id].save(rd.hardState(), rd.entries(), rd.mustSync());
            rd.messages().forEach(this::send);
            rd.messagesAfterPersist().forEach(this::send);
            for (Entry e : rd.committed()) {
                apply(id, e);
            }
            core.advance(rd);
        }
    }

    private void send(Message m) {
        at(now + 1 + random.nextInt(20), () -> deliver(m));
    }

    private void apply(int id, Entry e) {
        if (e.type() != EntryType.COMMAND) {
            return;
        }
        String[] cmd = e.data().toStringUtf8().split(" ");
        long amount = Long.parseLong(cmd[1]);
        balance[id] = cmd[0].equals("set") ? amount : balance[id] + amount;
        if (cores[id].role() == Role.LEADER) {
            out.printf("[%6.2fs]   commit #%d (term %d) '%s' -> balance %d on the leader, node %d%n", now / 1000.0,
                    e.index(), e.term(), e.data().toStringUtf8(), balance[id], id);
        }
    }

    private void propose() {
        String command = nextAmount == 1 ? "set 100" : "add " + (nextAmount * 5);
        for (int id = 1; id <= NODES; id++) {
            if (cores[id] != null && cores[id].role() == Role.LEADER) {
                int leader = id;
                observe(id, () -> {
                    if (cores[leader].propose(List.of(Payload.ofUtf8(command))) instanceof ProposeResult.Accepted) {
                        nextAmount++;
                    }
                });
                return;
            }
        }
        out.printf("[%6.2fs]   client: no leader to take '%s' (the cluster is electing; try again later)%n",
                now / 1000.0, command);
    }

    private void scheduleCrash(long time) {
        at(time, () -> {
            for (int id = 1; id <= NODES; id++) {
                if (cores[id] != null && cores[id].role() == Role.LEADER) {
                    int victim = id;
                    out.printf("[%6.2fs] *** crash of node %d, the leader of term %d ***%n", now / 1000.0, id,
                            cores[id].term());
                    cores[id] = null;
                    at(now + 1500, () -> {
                        start(victim);
                        out.printf("[%6.2fs] *** node %d restarts from its log (term %d) ***%n", now / 1000.0,
                                victim, cores[victim].term());
                    });
                    return;
                }
            }
        });
    }

    private String balances() {
        StringBuilder sb = new StringBuilder();
        for (int id = 1; id <= NODES; id++) {
            sb.append(id == 1 ? "" : ", ").append("node ").append(id).append('=').append(balance[id]);
        }
        return sb.toString();
    }
}
