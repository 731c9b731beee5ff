package io.flotilla.raft.storage.rocksdb.jmh;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.InMemoryLogStore;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Entries per second appended to a {@link LogStore} the way the node's event loop persists a leader's Ready:
 * {@code save(null, entries, sync)}, one call per batch of 1 or {@value #BATCH} command entries of
 * {@value #ENTRY_BYTES} B. One operation is one entry. {@link #store} picks a {@link RocksDbLogStore} (a fresh
 * directory under {@code java.io.tmpdir} each iteration) or the {@link InMemoryLogStore} baseline; {@link #sync}
 * says whether each call fsyncs (the {@code mustSync} of a Ready with entries), a no-op for the in-memory store.
 *
 * <p>The entries are built inside the timed code (a record each, the payload shared), as a Ready's are. Every
 * {@value #COMPACT_EVERY} entries the benchmark saves a hard state committing them all and compacts the log through
 * the last one, as a node does after a snapshot; this keeps the in-memory store's heap bounded, and costs both
 * stores one small unsynced write per {@value #COMPACT_EVERY} entries.
 *
 * <p>Run by JMH only ({@code mvn -B -o -Pjmh -pl raft-storage-rocksdb test-compile exec:exec}, docs/benchmarks.md),
 * on one thread per fork; the class name keeps it out of Surefire's test patterns. The settings are raft-core's
 * {@code io.flotilla.raft.jmh.BenchmarkDefaults}, repeated: this module's benchmarks depend on no test class of
 * raft-core, whose test-jar in the local repository may be older than this tree.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LogStoreAppendBenchmark {
    static final int ENTRY_BYTES = 128;
    static final int BATCH = 64;
    static final long COMPACT_EVERY = 1 << 16;

    /** {@code rocksdb} or {@code memory}. */
    @Param({"rocksdb", "memory"})
    public String store;

    /** Whether each save fsyncs. */
    @Param({"true", "false"})
    public boolean sync;

    private final Payload payload = randomPayload();
    private Path dir;
    private LogStore log;
    /** The index of the next entry to append. */
    private long next;

    /** A fresh, empty store for each iteration. */
    @Setup(Level.Iteration)
    public void open() throws IOException {
        switch (store) {
            case "rocksdb" -> {
                dir = Files.createTempDirectory("flotilla-jmh-logstore-");
                log = RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStore.Options.of(1, 1));
            }
            case "memory" -> log = new InMemoryLogStore();
            default -> throw new IllegalArgumentException("store must be rocksdb or memory, was " + store);
        }
        next = 1;
    }

    /** Closes the store and deletes its directory, if any. */
    @TearDown(Level.Iteration)
    public void close() throws IOException {
        log.close();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(LogStoreAppendBenchmark::delete);
            }
            dir = null;
        }
    }

    /** One entry per save: a Ready holding a single proposal. */
    @Benchmark
    public long appendOne() {
        return append(1);
    }

    /** {@value #BATCH} entries per save: group commit, one write (and fsync) for the whole batch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendBatchOf64() {
        return append(BATCH);
    }

    private long append(int n) {
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(Entry.command(next + i, 1, payload));
        }
        log.save(null, entries, sync);
        next += n;
        long last = next - 1;
        if (last % COMPACT_EVERY == 0) {
            log.saveHardState(new HardState(1, 1, last));
            log.compact(last);
        }
        return last;
    }

    private static Payload randomPayload() {
        byte[] bytes = new byte[ENTRY_BYTES];
        new SplittableRandom(42).nextBytes(bytes);
        return Payload.copyOf(bytes);
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
