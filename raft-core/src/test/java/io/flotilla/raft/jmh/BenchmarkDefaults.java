package io.flotilla.raft.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The JMH settings every Flotilla benchmark shares, inherited by its subclasses (JMH reads these annotations on
 * superclasses): throughput in operations per second, one thread, one fork with a fixed 2 GiB heap, 3 warm-up and
 * 5 measured iterations of 1 s each. Short on purpose, so that a whole module's benchmarks run in a couple of
 * minutes; {@code -Djmh.args="-f 3 -wi 5 -i 10"} asks for more (docs/benchmarks.md, "JMH: hot paths").
 *
 * <p>raft-storage-rocksdb's benchmark repeats these annotations rather than extend this class: it would then need
 * raft-core's test-jar from the local repository, which may be older than the tree being measured. Not in the
 * test-jar, like everything in this package.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class BenchmarkDefaults {
}
