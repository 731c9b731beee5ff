package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.Payload;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child process of {@link RocksDbLogStoreCrashTest}: opens the store and writes a stream of batches as a
 * node's event loop would, most of them synced, until it is killed (or a count and a deadline run out).
 *
 * <p>Protocol on stdout, one line each, flushed at once: {@code opening} before the store is opened;
 * {@code open} after; {@code write <seq> <start> <count> <term> <commit> <sync> end} <em>before</em> each
 * {@code save} (every entry of a batch has the same term; the hard state is {@code (term, 1, commit)});
 * {@code compact <seq> <through> end} before a {@code compact(through)}; {@code snapshot <seq> <index> <term> end}
 * before an {@code installSnapshot(index, term)}; and {@code ack <seq> end} after a synced {@code save}
 * returned, i.e. once the batch, and every write before it, is durable. The trailing {@code end} lets the
 * parent ignore a line cut short by the kill.
 *
 * <p>The writes look like Raft's: terms never decrease; a new term may overwrite the log after the commit
 * index (a new leader replacing an uncommitted suffix); the commit index never passes a durable entry
 * and never decreases; compactions stay within the commit index (a snapshot holds only committed state);
 * a snapshot from the leader ends at or after the commit index, inside this log or beyond it. Arguments:
 * {@code <dir> <seed> <maxMillis>}.
 */
public final class CrashTestWriter {
    static final RocksDbLogStore.Options OPTIONS = RocksDbLogStore.Options.of(42, 3);
    static final int MAX_WRITES = 100_000;
    static final int MAX_BATCH = 16;
    static final int MAX_PAYLOAD = 3000;

    private CrashTestWriter() {
    }

    /** The payload of the entry at {@code index} written in {@code term}: any copy can be checked against it. */
    static Payload payload(long index, long term) {
        SplittableRandom r = new SplittableRandom(index * 1_000_003L + term);
        byte[] bytes = new byte[r.nextInt(MAX_PAYLOAD + 1)];
        r.nextBytes(bytes);
        return Payload.copyOf(bytes);
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000L;
        PrintStream out = System.out;
        out.println("opening");
        out.flush();
        try (RocksDbLogStore store = RocksDbLogStore.open(dir, OPTIONS)) {
            out.println("open");
            out.flush();
            long last = store.lastIndex();
            long term = Math.max(store.hardState().term(), store.term(last));
            long commit = store.hardState().commit();
            long durable = last; // the parent's reopen flushed everything that survived
            for (int seq = 0; seq < MAX_WRITES && System.nanoTime() < deadline; seq++) {
                int kind = seq == 0 ? -1 : random.nextInt(32);
                if (kind == 0) { // a snapshot from the leader replaces the whole log (Figure 13, rule 7)
                    long index = last > commit + 1 && random.nextBoolean()
                            ? commit + 1 + random.nextLong(last - commit - 1)  // inside: entries after it must go too
                            : last + 1 + random.nextLong(40);                  // beyond: a follower far behind
                    term += random.nextInt(2);
                    out.println("snapshot " + seq + " " + index + " " + term + " end");
                    out.flush();
                    store.installSnapshot(index, term);
                    last = index;
                    durable = Math.min(durable, index);
                    continue;
                }
                if (kind <= 2 && commit >= store.firstIndex()) { // a snapshot taken here: compact what it covers
                    long through = store.firstIndex() + random.nextLong(commit - store.firstIndex() + 1);
                    out.println("compact " + seq + " " + through + " end");
                    out.flush();
                    store.compact(through);
                    continue;
                }
                long start = last + 1;
                if (seq == 0 || random.nextInt(8) == 0) { // a new leader: maybe replace an uncommitted suffix
                    term++;
                    start = Math.max(store.firstIndex(), commit + 1 + random.nextLong(last - commit + 1));
                }
                int count = 1 + random.nextInt(MAX_BATCH);
                boolean sync = random.nextInt(3) != 0;
                commit = Math.max(commit, Math.min(durable, start - 1));
                List<Entry> batch = new ArrayList<>(count);
                for (long i = start; i < start + count; i++) {
                    batch.add(Entry.command(i, term, payload(i, term)));
                }
                out.println("write " + seq + " " + start + " " + count + " " + term + " " + commit + " " + sync + " end");
                out.flush();
                store.save(new HardState(term, 1, commit), batch, sync);
                last = start + count - 1;
                durable = sync ? last : Math.min(durable, start - 1);
                if (sync) {
                    out.println("ack " + seq + " end");
                    out.flush();
                }
            }
        }
        out.println("done");
        out.flush();
    }
}
