package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStoreException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Raft's promises hold only if what a node said it persisted survives a crash. A child JVM
 * ({@link CrashTestWriter}) writes a stream of batches to the store, most of them synced, announcing each
 * write before it makes it and acknowledging each synced one after {@code save} returns; the test kills it
 * with SIGKILL at a random point (while it opens the store, or after a random number of acknowledgements,
 * its writes running on regardless), reopens the store and requires that it holds exactly the state after
 * some prefix of the announced writes that includes every acknowledged one: every acknowledged entry
 * present and intact, no batch in part, no entry that was never written, the hard state that went with
 * the batch. Some writes are prefix compactions and snapshot installs, each one batch too: the store must
 * start where the last one in the prefix left it, with none of the discarded entries back and none of a
 * replaced log mixed with its replacement. The next child continues on the same store, so later runs also crash during recovery flushes
 * and compactions of what earlier ones wrote.
 *
 * <p>A SIGKILL leaves what the process had written in the OS page cache, so this is not a power-loss
 * test; what it proves is that the store's own writes are atomic and ordered, and that an acknowledged
 * sync is not a lie. A kill can still land inside a {@code write(2)} and leave an incomplete last WAL
 * record; then the strict open must refuse and the repair option must recover exactly such a prefix.
 *
 * <p>Runs: {@code -Dflotilla.crash.runs} (default 20); seed: {@code -Dflotilla.crash.seed} (printed).
 */
class RocksDbLogStoreCrashTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);
    private static final long CHILD_MAX_MILLIS = 60_000;
    private static final int MAX_ACKS_BEFORE_KILL = 60;

    @TempDir
    Path root;

    /** The log a sequence of writes produces: where it starts, the term at every index, and the hard state. */
    private static final class Model {
        /** {@code terms[i]} = the term of index i, for {@code first - 1 <= i <= last}; {@code terms[0] = 0}. */
        long[] terms = new long[1024];
        long first = 1;
        long last;
        HardState hardState = HardState.EMPTY;

        Model copy() {
            Model m = new Model();
            m.terms = terms.clone();
            m.first = first;
            m.last = last;
            m.hardState = hardState;
            return m;
        }

        void apply(Write w) {
            if (w instanceof Save save) {
                long end = save.start() + save.count() - 1;
                reserve(end);
                Arrays.fill(terms, (int) save.start(), (int) end + 1, save.term());
                last = end;
                hardState = new HardState(save.term(), 1, save.commit());
            } else if (w instanceof Compact compact) {
                first = Math.max(first, compact.through() + 1);
            } else if (w instanceof Install install) { // the whole log goes; the hard state stays
                reserve(install.index());
                terms[(int) install.index()] = install.term();
                first = install.index() + 1;
                last = install.index();
            }
        }

        private void reserve(long index) {
            if (index >= terms.length) {
                terms = Arrays.copyOf(terms, (int) Math.max(terms.length * 2L, index + 1));
            }
        }

        @Override
        public String toString() {
            return "entries " + first + ".." + last + " after term " + terms[(int) first - 1] + ", " + hardState;
        }
    }

    /** A write the child announced, in the order it made them: {@code seq} counts them from 0 in each run. */
    private sealed interface Write permits Save, Compact, Install {
        int seq();
    }

    /** {@code save(new HardState(term, 1, commit), entries [start, start + count) of term, sync)}. */
    private record Save(int seq, long start, long count, long term, long commit, boolean sync) implements Write {
    }

    /** {@code compact(through)}, unsynced. */
    private record Compact(int seq, long through) implements Write {
    }

    /** {@code installSnapshot(index, term)}, unsynced. */
    private record Install(int seq, long index, long term) implements Write {
    }

    @Test
    void everyAcknowledgedWriteSurvivesSigkillAndNothingElseAppears() throws Exception {
        int runs = Integer.getInteger("flotilla.crash.runs", 20);
        long seed = Long.getLong("flotilla.crash.seed", System.nanoTime());
        System.out.println("crash test: " + runs + " runs, -Dflotilla.crash.seed=" + seed);
        SplittableRandom random = new SplittableRandom(seed);
        Path dir = root.resolve("store");
        Model model = new Model();
        int kills = 0;
        int tornTails = 0;
        long entryChecks = 0;
        long acknowledged = 0;
        long compactions = 0;
        long installs = 0;
        for (int run = 0; run < runs; run++) {
            String context = "run " + run + " (seed " + seed + ")";
            int acksBeforeKill = random.nextInt(-1, MAX_ACKS_BEFORE_KILL + 1); // -1: kill while it opens the store
            ChildRun child = runAndKillChild(dir, random.nextLong(), acksBeforeKill, root.resolve("child-" + run + ".err"), context);
            kills += child.killed() ? 1 : 0;
            acknowledged += child.acks();
            compactions += child.writes().stream().filter(w -> w instanceof Compact).count();
            installs += child.writes().stream().filter(w -> w instanceof Install).count();

            RocksDbLogStore store = reopenAfterCrash(dir, context);
            tornTails += store.repairedTornTail() ? 1 : 0;
            try (store) {
                model = checkIsAPrefixState(store, model, child.writes(), child.lastAcked(), context);
                entryChecks += store.lastIndex() - store.firstIndex() + 1;
            }
        }
        System.out.println("crash test: " + kills + " kills, " + acknowledged + " acknowledged writes, " + compactions
                + " compactions and " + installs + " snapshot installs announced, " + tornTails + " torn WAL tails repaired, "
                + entryChecks + " entries read back and checked, final log: " + model);
        assertThat(kills).isEqualTo(runs);
    }

    /** What the child announced: its writes in order, the last acknowledged one (-1 if none), and whether it was killed. */
    private record ChildRun(List<Write> writes, int lastAcked, int acks, boolean killed) {
    }

    /**
     * Starts a child, reads its lines until the kill point (once it prints {@code opening} if
     * {@code acksBeforeKill < 0}, else after that many acknowledgements), kills it, and reads what it printed
     * before it died. Every wait is bounded by {@link #RUN_TIMEOUT}.
     */
    private static ChildRun runAndKillChild(Path dir, long seed, int acksBeforeKill, Path stderr, String context)
            throws IOException, InterruptedException {
        Process child = startChild(dir, seed, stderr);
        BlockingQueue<String> lines = readLines(child);
        List<Write> writes = new ArrayList<>();
        int lastAcked = -1;
        int acks = 0;
        boolean opening = false;
        boolean killed = false;
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        for (int read = 0; read <= 4 * CrashTestWriter.MAX_WRITES + 4; read++) {
            if (!killed && (acksBeforeKill < 0 ? opening : acks >= acksBeforeKill)) {
                // SIGKILL. Through the ProcessHandle: Process.destroyForcibly() also closes our end of the
                // child's stdout, losing the lines it printed just before it died.
                child.toHandle().destroyForcibly();
                killed = true;
            }
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                child.destroyForcibly();
                fail(context + ": the child's run did not end within " + RUN_TIMEOUT + "; stderr: " + Files.readString(stderr));
            }
            if (line.equals(EOF)) {
                break;
            }
            assertThat(line).as(context).doesNotStartWith(READER_FAILED);
            String[] f = line.split(" ");
            if (line.equals("opening")) {
                opening = true;
            } else if (f[0].equals("write") && f.length == 8 && f[7].equals("end")) {
                writes.add(new Save(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]), Boolean.parseBoolean(f[6])));
                assertThat(writes.get(writes.size() - 1).seq()).as(context).isEqualTo(writes.size() - 1);
            } else if (f[0].equals("compact") && f.length == 4 && f[3].equals("end")) {
                writes.add(new Compact(Integer.parseInt(f[1]), Long.parseLong(f[2])));
                assertThat(writes.get(writes.size() - 1).seq()).as(context).isEqualTo(writes.size() - 1);
            } else if (f[0].equals("snapshot") && f.length == 5 && f[4].equals("end")) {
                writes.add(new Install(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                assertThat(writes.get(writes.size() - 1).seq()).as(context).isEqualTo(writes.size() - 1);
            } else if (f[0].equals("ack") && f.length == 3 && f[2].equals("end")) {
                lastAcked = Integer.parseInt(f[1]);
                acks++;
            }
        }
        assertThat(child.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as(context + ": child exits").isTrue();
        if (!killed) {
            assertThat(child.exitValue()).as(context + ": child ran out of writes; stderr: " + Files.readString(stderr)).isZero();
        }
        return new ChildRun(writes, lastAcked, acks, killed);
    }

    /**
     * Opens the store strictly; a kill inside a {@code write(2)} may leave an incomplete last WAL record,
     * which the strict open must refuse with the repair hint and the repair option must then discard.
     */
    private static RocksDbLogStore reopenAfterCrash(Path dir, String context) {
        try {
            return RocksDbLogStore.open(dir, CrashTestWriter.OPTIONS);
        } catch (LogStoreException e) {
            assertThat(e.getMessage()).as(context + ": only a torn WAL tail may fail a strict open after SIGKILL")
                    .contains("repairTornTail");
            RocksDbLogStore store = RocksDbLogStore.open(dir, CrashTestWriter.OPTIONS.withRepairTornTail(true));
            assertThat(store.repairedTornTail()).as(context).isTrue();
            return store;
        }
    }

    /**
     * The store must hold the state after writes {@code [0, j]} for some {@code j >= lastAcked} (j = -1: none
     * of them). Returns that state, the start of the next run.
     */
    private static Model checkIsAPrefixState(RocksDbLogStore store, Model before, List<Write> writes, int lastAcked,
                                             String context) {
        Model candidate = before.copy();
        List<String> tried = new ArrayList<>();
        for (int j = -1; j < writes.size(); j++) {
            if (j >= 0) {
                candidate.apply(writes.get(j));
            }
            if (j < lastAcked) {
                continue;
            }
            if (matches(store, candidate)) {
                checkEveryEntryIntact(store, candidate, context);
                return candidate;
            }
            tried.add("after write " + j + ": " + candidate);
        }
        throw new AssertionError(context + ": the reopened store (entries " + store.firstIndex() + ".." + store.lastIndex()
                + ", " + store.hardState()
                + ") is not the state after any prefix of the writes that includes the last acknowledged one ("
                + lastAcked + "); candidates: " + tried);
    }

    private static boolean matches(RocksDbLogStore store, Model m) {
        if (store.firstIndex() != m.first || store.lastIndex() != m.last || !store.hardState().equals(m.hardState)) {
            return false;
        }
        for (long i = m.first - 1; i <= m.last; i++) {
            if (store.term(i) != m.terms[(int) i]) {
                return false;
            }
        }
        return true;
    }

    private static void checkEveryEntryIntact(RocksDbLogStore store, Model m, String context) {
        long next = store.firstIndex();
        while (next <= store.lastIndex()) {
            for (Entry e : store.entries(next, store.lastIndex() + 1, 4 << 20)) {
                assertThat(e.index()).as(context).isEqualTo(next);
                assertThat(e.term()).as(context + ": term at " + next).isEqualTo(m.terms[(int) next]);
                assertThat(e.data()).as(context + ": payload at " + next).isEqualTo(CrashTestWriter.payload(next, e.term()));
                next++;
            }
        }
    }

    // ---------------------------------------------------------------- child process

    private static final String EOF = "\u0000eof";
    private static final String READER_FAILED = "\u0000reading the child's stdout failed: ";

    private static Process startChild(Path dir, long seed, Path stderr) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), CrashTestWriter.class.getName(),
                dir.toString(), Long.toString(seed), Long.toString(CHILD_MAX_MILLIS))
                .redirectError(stderr.toFile())
                .start();
    }

    /** A thread that moves the child's stdout into a queue, line by line, then {@link #EOF}; it ends with the pipe. */
    private static BlockingQueue<String> readLines(Process child) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add(READER_FAILED + e);
            } finally {
                lines.add(EOF);
            }
        }, "crash-child-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
