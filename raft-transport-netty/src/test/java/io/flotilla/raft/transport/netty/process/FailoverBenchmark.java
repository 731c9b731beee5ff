package io.flotilla.raft.transport.netty.process;

import io.flotilla.raft.transport.netty.process.FailoverTrials.Trial;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fail-over time (issue 7; docs/benchmarks.md, "Failover: kill -9 of the leader", has the method and results): from
 * kill -9 of the leader to the first write acknowledged by the new leader. Its class name does not match Surefire's
 * test patterns, and it is skipped unless {@code -Dflotilla.bench=true}:
 * <pre>
 * mvn -B -o -pl raft-transport-netty -am test -Dtest=FailoverBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dflotilla.bench=true
 * </pre>
 * ({@code -am}: the child processes then load raft-core and raft-storage-rocksdb from this tree, not from jars in
 * the local repository that another build may replace while they run.)
 * For each timing, three {@link NodeProcess}es (RocksDB log, Netty on 127.0.0.1) run with it while a writer
 * ({@link FailoverCluster}) sends a put to every live node every {@code writeEveryMicros}; {@link FailoverTrials}
 * kills the leader, measures and restarts it, again and again, and this class reports the percentiles
 * (HdrHistogram). {@link FailoverTest} is the small version the default build runs.
 * Options: {@code flotilla.bench.trials} (50 per timing), {@code flotilla.bench.warmUpTrials} (3, not recorded),
 * {@code flotilla.bench.timings} ({@code 10/150/50,5/50/10}: tick/electionTimeout/heartbeat in ms, one cluster
 * each, run in that order), {@code flotilla.bench.writeEveryMicros} (5,000), {@code flotilla.bench.requestTimeoutMillis}
 * (1,000, the nodes' request timeout), {@code flotilla.bench.settleMillis} (1,000: the pause after the cluster is
 * stable, plus a random part of up to two heartbeats), {@code flotilla.bench.seed} (1, for those pauses) and
 * {@code flotilla.bench.minutes} (30, the limit of the whole run).
 */
class FailoverBenchmark {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One timing of the nodes, in milliseconds. */
    private record Timing(long tick, long election, long heartbeat) {
        static List<Timing> parse(String spec) {
            return Arrays.stream(spec.split(",")).map(t -> {
                String[] p = t.split("/");
                if (p.length != 3) {
                    throw new IllegalArgumentException("flotilla.bench.timings: tick/election/heartbeat, was " + t);
                }
                return new Timing(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]));
            }).toList();
        }

        String label() {
            return "election timeout " + election + "–" + 2 * election + " ms (heartbeat " + heartbeat + " ms, tick "
                    + tick + " ms)";
        }
    }

    private record Settings(List<Timing> timings, int trials, int warmUpTrials, Duration writeEvery,
                            long requestTimeoutMillis, Duration settle, long seed, Duration limit) {
        static Settings fromSystemProperties() {
            return new Settings(Timing.parse(System.getProperty("flotilla.bench.timings", "10/150/50,5/50/10")),
                    Integer.getInteger("flotilla.bench.trials", 50),
                    Integer.getInteger("flotilla.bench.warmUpTrials", 3),
                    Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(
                            Long.getLong("flotilla.bench.writeEveryMicros", 5_000))),
                    Long.getLong("flotilla.bench.requestTimeoutMillis", 1_000),
                    Duration.ofMillis(Long.getLong("flotilla.bench.settleMillis", 1_000)),
                    Long.getLong("flotilla.bench.seed", 1),
                    Duration.ofMinutes(Long.getLong("flotilla.bench.minutes", 30)));
        }
    }

    /** A timing's trials and what happened around them. */
    private record Run(Timing timing, List<Trial> trials, int unprovokedLeaderChanges, long termsBetweenTrials,
                       int discarded, long sent, long acknowledged, long failed, long nanos, String loadBefore,
                       String loadAfter) {
    }

    @Test
    void failoverFromKillToFirstWrite(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        assumeTrue(Boolean.getBoolean("flotilla.bench"), "a benchmark: run with -Dflotilla.bench=true");
        Settings s = Settings.fromSystemProperties();
        long deadline = System.nanoTime() + s.limit().toNanos();
        List<Run> runs = new ArrayList<>();
        for (Timing t : s.timings()) {
            runs.add(run(dir.resolve(t.tick() + "-" + t.election() + "-" + t.heartbeat()), t, s, deadline));
        }
        System.out.print(report(s, runs));
    }

    private static Run run(Path dir, Timing timing, Settings s, long deadline) throws Exception {
        Map<String, String> properties = FailoverCluster.nodeProperties(timing.tick(), timing.election(),
                timing.heartbeat(), s.requestTimeoutMillis());
        SplittableRandom random = new SplittableRandom(s.seed());
        List<Trial> trials = new ArrayList<>();
        long started = System.nanoTime();
        String loadBefore = loadAverage();
        try (FailoverCluster c = FailoverCluster.start(dir, properties, s.writeEvery(),
                Duration.ofNanos(deadline - started))) {
            FailoverTrials runner = new FailoverTrials(c, WAIT);
            for (int i = 1 - s.warmUpTrials(); i <= s.trials(); i++) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("flotilla.bench.minutes = " + s.limit().toMinutes() + " ran out after "
                            + trials.size() + " trials of " + timing.label());
                }
                // A random part of up to two heartbeats: kills land at every phase of the heartbeat cycle.
                Duration pause = s.settle().plusNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(
                        2 * timing.heartbeat())));
                Trial trial = runner.next(i, pause);
                System.out.printf("%s trial %d: killed %d (term %d); timer %.1f ms, elected %.1f ms, first write "
                                + "%.1f ms by %d (term %d; any survivor %.1f ms); restart %.0f ms; load %s%n",
                        timing.label(), i, trial.victim(), trial.oldTerm(), ms(trial.timerNanos()),
                        ms(trial.electedNanos()), ms(trial.writeNanos()), trial.newLeader(), trial.newTerm(),
                        ms(trial.anyWriteNanos()), ms(trial.restartNanos()), loadAverage());
                if (i >= 1) {
                    trials.add(trial);
                }
            }
            return new Run(timing, trials, runner.unprovokedLeaderChanges(), runner.termsBetweenTrials(),
                    runner.discarded(), c.sent(), c.acknowledged(), c.failed(), System.nanoTime() - started,
                    loadBefore, loadAverage());
        }
    }

    // ---------------------------------------------------------------- report

    private static String report(Settings s, List<Run> runs) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nFail-over, kill -9 of the leader to the first acknowledged write; %s; "
                        + "3 processes on 127.0.0.1, RocksDB + Netty; a put to every live node every %d µs, request "
                        + "timeout %d ms; %d warm-up trials + %d per timing; settle %d ms + up to 2 heartbeats, seed %d%n",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                s.writeEvery().toNanos() / 1_000, s.requestTimeoutMillis(), s.warmUpTrials(), s.trials(),
                s.settle().toMillis(), s.seed()));
        for (Run r : runs) {
            List<Trial> t = r.trials();
            out.append(String.format("%n%s: %d trials in %.0f s (load average before: %s, after: %s); between "
                            + "trials, while the killed node restarted, %d leader changes no kill caused and the term "
                            + "grew by %d; %d trials discarded (a survivor's role changed between the last check and "
                            + "the kill); puts sent %,d, acknowledged %,d, failed %,d%n", r.timing().label(), t.size(),
                    r.nanos() / 1e9, r.loadBefore(), r.loadAfter(), r.unprovokedLeaderChanges(),
                    r.termsBetweenTrials(), r.discarded(), r.sent(), r.acknowledged(), r.failed()));
            out.append("| ms after SIGKILL | n | min | p50 | p90 | p99 | max | mean |\n");
            out.append("|---|---|---|---|---|---|---|---|\n");
            row(out, "first write acknowledged by the new leader", t, Trial::writeNanos);
            row(out, "(first write acknowledged by any survivor)", t, Trial::anyWriteNanos);
            row(out, "new leader elected", t, Trial::electedNanos);
            row(out, "first election timer fired", t, Trial::timerNanos);
            row(out, "elected → first write", t, x -> x.writeNanos() - x.electedNanos());
            row(out, "kill(2) returned", t, Trial::signalNanos);
            row(out, "process gone (waitFor)", t, Trial::goneNanos);
            row(out, "that write was sent", t, Trial::writeSentNanos);
            row(out, "(restart of the killed node, from its start)", t, Trial::restartNanos);
            out.append(String.format("term increase: %s; leaders elected up to the first write: %s%n",
                    counts(t, x -> x.newTerm() - x.oldTerm()), counts(t, Trial::leaders)));
            long early = t.stream().filter(x -> x.timerNanos() < earliestTimer(r.timing())).count();
            out.append(String.format("early timers: in %d trials a survivor's election timer fired less than "
                    + "electionTimeout - heartbeat - tick = %d ms after the kill (its last heartbeat was late: the "
                    + "leader or the follower was not scheduled in time)%n", early,
                    TimeUnit.NANOSECONDS.toMillis(earliestTimer(r.timing()))));
            out.append("sorted first-write times (ms): ").append(t.stream().mapToLong(Trial::writeNanos).sorted()
                    .mapToObj(n -> String.format("%.1f", ms(n))).toList()).append('\n');
        }
        for (int i = 0; i < runs.size(); i++) {
            for (int j = i + 1; j < runs.size(); j++) {
                Histogram a = histogram(runs.get(i).trials(), Trial::writeNanos);
                Histogram b = histogram(runs.get(j).trials(), Trial::writeNanos);
                out.append(String.format("%nratio, first write, %s ÷ %s: p50 %.2f, p90 %.2f, p99 %.2f%n",
                        runs.get(i).timing().label(), runs.get(j).timing().label(),
                        ratio(a, b, 50), ratio(a, b, 90), ratio(a, b, 99)));
            }
        }
        out.append("Percentiles by HdrHistogram (µs, 3 significant digits): the value at rank round(p/100 × n); "
                + "with n = 50, p99 is the maximum.\n");
        return out.toString();
    }

    /**
     * The soonest a follower's election timer can fire after the leader stops, if heartbeats arrived on time: its
     * timeout is at least {@code electionTimeout}, counted in ticks from its last heartbeat, which it received at
     * most one heartbeat interval before the kill.
     */
    private static long earliestTimer(Timing t) {
        return TimeUnit.MILLISECONDS.toNanos(t.election() - t.heartbeat() - t.tick());
    }

    private static void row(StringBuilder out, String what, List<Trial> trials, ToLongFunction<Trial> nanos) {
        Histogram h = histogram(trials, nanos);
        out.append(String.format("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", what, h.getTotalCount(),
                h.getMinValue() / 1e3, at(h, 50), at(h, 90), at(h, 99), h.getMaxValue() / 1e3,
                h.getMean() / 1e3));
    }

    /** Microseconds; a negative value (cannot happen for a time after the kill) is recorded as 0. */
    private static Histogram histogram(List<Trial> trials, ToLongFunction<Trial> nanos) {
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (Trial t : trials) {
            h.recordValue(Math.max(0, nanos.applyAsLong(t) / 1_000));
        }
        return h;
    }

    private static double at(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }

    private static double ratio(Histogram a, Histogram b, double percentile) {
        return (double) a.getValueAtPercentile(percentile) / b.getValueAtPercentile(percentile);
    }

    private static String counts(List<Trial> trials, ToLongFunction<Trial> value) {
        Map<Long, Integer> counts = new TreeMap<>();
        trials.forEach(t -> counts.merge(value.applyAsLong(t), 1, Integer::sum));
        StringBuilder b = new StringBuilder();
        counts.forEach((v, n) -> b.append(b.length() == 0 ? "" : ", ").append(v).append(": ").append(n).append('×'));
        return b.toString();
    }

    /** The 1, 5 and 15-minute load averages ({@code /proc/loadavg}), or "?" where there is none. */
    private static String loadAverage() {
        try {
            String[] p = java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
