package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Seeded generator of histories that are linearizable by construction: clients issue operations one at a
 * time with random call and return times; each operation takes effect on a real object at a random
 * instant inside its interval, and its output is what the real object answered. A few operations are
 * pending: they take effect or not (a coin flip) and their client comes back under a new id. The same
 * seed gives the same history.
 */
final class RandomHistories {
    /** One operation chosen and performed on the real object. */
    record Executed<I, O>(I input, O output) {
    }

    /** A real sequential object; {@code takesEffect == false} only chooses an input (for a pending operation). */
    interface RealObject<I, O> {
        Executed<I, O> execute(SplittableRandom random, boolean takesEffect);
    }

    private record Interval(long client, long call, long point, long ret, boolean pending, boolean takesEffect) {
    }

    private RandomHistories() {
    }

    static <I, O> List<Operation<I, O>> generate(long seed, int count, int clients, double pendingRate,
                                                 RealObject<I, O> object) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] clock = new long[clients];
        long[] id = new long[clients];
        for (int c = 0; c < clients; c++) {
            id[c] = c + 1;
        }
        long nextId = clients + 1;
        List<Interval> intervals = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int c = IntStream.range(0, clients).boxed().min(Comparator.comparingLong(i -> clock[i])).orElseThrow();
            long call = clock[c] + random.nextLong(4);
            long point = call + random.nextLong(12);
            long ret = point + random.nextLong(12);
            boolean pending = random.nextDouble() < pendingRate;
            intervals.add(new Interval(id[c], call, point, ret, pending, !pending || random.nextBoolean()));
            if (pending) {  // the client crashed; it comes back under a new id
                id[c] = nextId++;
                clock[c] = call + 1 + random.nextLong(8);
            } else {
                clock[c] = ret + 1;
            }
        }
        List<Integer> byPoint = new ArrayList<>(IntStream.range(0, count).boxed().toList());
        byPoint.sort(Comparator.comparingLong(i -> intervals.get(i).point()));  // stable: ties in generation order
        List<Operation<I, O>> ops = new ArrayList<>(Collections.nCopies(count, null));
        for (int i : byPoint) {
            Interval t = intervals.get(i);
            Executed<I, O> e = object.execute(random, t.takesEffect());
            ops.set(i, t.pending() ? Operation.pending(t.client(), e.input(), t.call())
                    : Operation.completed(t.client(), e.input(), e.output(), t.call(), t.ret()));
        }
        return List.copyOf(ops);
    }

    /** {@code history} with the output of operation {@code index} replaced. */
    static <I, O> List<Operation<I, O>> withOutput(List<Operation<I, O>> history, int index, O output) {
        List<Operation<I, O>> copy = new ArrayList<>(history);
        Operation<I, O> op = history.get(index);
        copy.set(index, Operation.completed(op.clientId(), op.input(), output, op.callTime(), op.returnTime()));
        return List.copyOf(copy);
    }

    /** A real register: writes of unique values and reads, half each. */
    static final class Register implements RealObject<RegisterModel.Input, RegisterModel.Output> {
        private long value;
        private long nextValue = 1;

        @Override
        public Executed<RegisterModel.Input, RegisterModel.Output> execute(SplittableRandom random,
                                                                           boolean takesEffect) {
            if (random.nextBoolean()) {
                long v = nextValue++;
                if (takesEffect) {
                    value = v;
                }
                return new Executed<>(new RegisterModel.Write(v), new RegisterModel.Ok());
            }
            return new Executed<>(new RegisterModel.Read(), new RegisterModel.Value(value));
        }
    }

    /**
     * A real key-value map over keys {@code k0..k(n-1)}: even keys hold text (get, put, append, cas), odd
     * keys numbers (get, put, incr, cas). Written values are unique, so a read pins down what it saw.
     */
    static final class Kv implements RealObject<KvModel.Input, KvModel.Output> {
        private final Map<String, String> map = new TreeMap<>();
        private final int keys;
        private long unique;

        Kv(int keys) {
            this.keys = keys;
        }

        @Override
        public Executed<KvModel.Input, KvModel.Output> execute(SplittableRandom random, boolean takesEffect) {
            int k = random.nextInt(keys);
            String key = "k" + k;
            boolean numeric = k % 2 == 1;
            String v = map.get(key);
            String next = v;
            KvModel.Input input;
            KvModel.Output output;
            switch (random.nextInt(4)) {
                case 0 -> {
                    input = new KvModel.Get(key);
                    output = new KvModel.Value(v);
                }
                case 1 -> {
                    next = numeric ? Long.toString(1000 * ++unique) : "v" + ++unique;
                    input = new KvModel.Put(key, next);
                    output = new KvModel.Ok();
                }
                case 2 -> {
                    if (numeric) {
                        long delta = 1 + random.nextLong(3);
                        long n = (v == null ? 0 : Long.parseLong(v)) + delta;
                        next = Long.toString(n);
                        input = new KvModel.Incr(key, delta);
                        output = new KvModel.Counter(n);
                    } else {
                        String suffix = "+" + ++unique;
                        next = v == null ? suffix : v + suffix;
                        input = new KvModel.Append(key, suffix);
                        output = new KvModel.Ok();
                    }
                }
                default -> {
                    String expected = random.nextBoolean() ? v : numeric ? "-1" : "v0";
                    String update = numeric ? Long.toString(1000 * ++unique) : "c" + ++unique;
                    boolean swapped = Objects.equals(expected, v);
                    next = swapped ? update : v;
                    input = new KvModel.Cas(key, expected, update);
                    output = new KvModel.Swapped(swapped);
                }
            }
            if (takesEffect && next != null) {
                map.put(key, next);
            }
            return new Executed<>(input, output);
        }
    }
}
