package io.flotilla.raft.examples.verification;

import io.flotilla.raft.examples.kv.KvCluster;
import io.flotilla.raft.linearizability.KvModel;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Concurrent Redis clients (Jedis) issuing GET, SET, APPEND and INCR against every node, and recording each
 * operation in a {@link History}. Keys come in three kinds so that every key's history fits one sequential type:
 * registers {@code r*} (GET/SET of unique values), logs {@code a*} (GET/APPEND of unique {@code client.seq|}
 * suffixes) and counters {@code c*} (GET/INCR). Half the operations are reads. Every {@link #KEY_LIFETIME} the
 * clients move on to fresh keys (Jepsen's "independent" keys), which bounds each key's history and value, and so the
 * checker's work per key, however long the run.
 *
 * <p><b>Outcomes</b> (docs/kv-server.md, "Errors"): an answer is {@code ok}. A read that fails is dropped (it had no
 * effect). A write answered {@code -TRYAGAIN ... the write was not applied} definitely failed and is dropped. Every
 * other failure of a write — {@code -TRYAGAIN ... outcome unknown}, a socket timeout, a lost connection — is
 * indeterminate: the operation stays pending in the history and the client continues under a new id, as a crashed
 * Jepsen process does. The client's socket timeout ({@link #CLIENT_TIMEOUT}) is above the servers' request timeout,
 * so a reachable server answers {@code TRYAGAIN} before the socket gives up.
 *
 * <p>Threading: {@link #start} runs one thread per client; {@link #stop} ends them and waits (bounded).
 */
final class Workload {
    /** Jedis's socket timeout: above the servers' {@code --request-timeout} (see {@link JepsenRun}). */
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(4);
    /** How long the clients use one generation of keys: {@code r0.0} for the first, then {@code r0.1}, ... */
    static final Duration KEY_LIFETIME = Duration.ofSeconds(10);
    /** The separator after each appended suffix. */
    static final String SEPARATOR = "|";

    private final KvCluster cluster;
    private final History history;
    private final int keysPerKind;
    private final long seed;
    private final AtomicLong ids = new AtomicLong(1);
    private final List<Thread> threads = new ArrayList<>();
    private final Set<String> used = new ConcurrentSkipListSet<>();
    private volatile boolean stopping;

    Workload(KvCluster cluster, History history, int keysPerKind, long seed) {
        this.cluster = cluster;
        this.history = history;
        this.keysPerKind = keysPerKind;
        this.seed = seed;
    }

    /** Every key the clients have used so far, in order. */
    List<String> keys() {
        return List.copyOf(used);
    }

    /** Starts {@code clients} client threads; client {@code k} starts on node {@code 1 + k % size}. */
    void start(int clients) {
        for (int k = 0; k < clients; k++) {
            int first = k;
            SplittableRandom random = new SplittableRandom(seed * 31 + k);
            Thread t = new Thread(() -> runClient(first, random), "jepsen-client-" + k);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops the clients and waits for the operations in flight to end (at most the client timeout, plus slack). */
    void stop() throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + CLIENT_TIMEOUT.plusSeconds(10).toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private void runClient(int first, SplittableRandom random) {
        long client = ids.getAndIncrement();
        int node = 1 + first % cluster.size();
        long seq = 0;
        Jedis jedis = null;
        while (!stopping) {
            if (jedis == null) {
                jedis = connect(node);
                if (jedis == null) {
                    node = 1 + random.nextInt(cluster.size());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // pacing, not a wait for a condition
                    continue;
                }
            }
            KvModel.Input input = next(random, client, seq++);
            Outcome outcome = perform(history, client, jedis, input);
            if (outcome == Outcome.CONNECTION_LOST) {
                jedis.close();
                jedis = null;
                node = 1 + random.nextInt(cluster.size());
            }
            if (outcome != Outcome.OK && outcome != Outcome.FAILED && !(input instanceof KvModel.Get)) {
                client = ids.getAndIncrement(); // a pending operation: never reuse its client id
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(5))); // think time
        }
        if (jedis != null) {
            jedis.close();
        }
    }

    /** How an operation ended, for the caller's bookkeeping; the history has recorded it already. */
    enum Outcome {
        /** Answered. */
        OK,
        /** Certainly no effect: a failed read, or a write the server says was not applied. */
        FAILED,
        /** An error reply that leaves a write's outcome unknown; the connection is still usable. */
        UNKNOWN,
        /** The connection broke or timed out (a write's outcome is unknown); open a new one. */
        CONNECTION_LOST
    }

    /** Runs {@code input} on {@code jedis} as client {@code client} and records it in {@code history}. */
    static Outcome perform(History history, long client, Jedis jedis, KvModel.Input input) {
        long call = history.now();
        history.invoked(client, input, call);
        try {
            history.ok(client, input, execute(jedis, input), call);
            return Outcome.OK;
        } catch (JedisDataException e) {
            String message = String.valueOf(e.getMessage());
            if (input instanceof KvModel.Get || message.contains("the write was not applied")) {
                history.failed(client, input, message);
                return Outcome.FAILED;
            }
            history.indeterminate(client, input, call, message);
            return Outcome.UNKNOWN;
        } catch (JedisException e) {
            if (input instanceof KvModel.Get) {
                history.failed(client, input, e.toString());
            } else {
                history.indeterminate(client, input, call, e.toString());
            }
            return Outcome.CONNECTION_LOST;
        }
    }

    /** A connection to {@code node} that answered PING, or null. */
    private Jedis connect(int node) {
        Jedis jedis = null;
        try {
            jedis = new Jedis("127.0.0.1", cluster.clientPort(node), (int) CLIENT_TIMEOUT.toMillis()); // connects
            jedis.ping();
            return jedis;
        } catch (JedisException e) {
            if (jedis != null) {
                jedis.close();
            }
            return null;
        }
    }

    private KvModel.Input next(SplittableRandom random, long client, long seq) {
        int kind = random.nextInt(3);
        long generation = history.now() / (KEY_LIFETIME.toNanos() / 1000);
        String key = "rac".charAt(kind) + Integer.toString(random.nextInt(keysPerKind)) + "." + generation;
        used.add(key);
        if (random.nextBoolean()) {
            return new KvModel.Get(key);
        }
        return switch (kind) {
            case 0 -> new KvModel.Put(key, "v" + client + "." + seq);
            case 1 -> new KvModel.Append(key, client + "." + seq + SEPARATOR);
            default -> new KvModel.Incr(key, 1);
        };
    }

    /** Runs one operation and returns the model's view of its answer; throws what Jedis throws. */
    static KvModel.Output execute(Jedis jedis, KvModel.Input input) {
        if (input instanceof KvModel.Get g) {
            return new KvModel.Value(jedis.get(g.key()));
        } else if (input instanceof KvModel.Put p) {
            String reply = jedis.set(p.key(), p.value());
            if (!"OK".equals(reply)) {
                throw new JedisDataException("unexpected SET reply " + reply);
            }
            return new KvModel.Ok();
        } else if (input instanceof KvModel.Append a) {
            jedis.append(a.key(), a.suffix());
            return new KvModel.Ok();
        } else if (input instanceof KvModel.Incr i) {
            return new KvModel.Counter(i.delta() == 1 ? jedis.incr(i.key()) : jedis.incrBy(i.key(), i.delta()));
        }
        throw new IllegalArgumentException("the workload does not issue " + input);
    }
}
