package io.flotilla.raft.jmh;

import io.flotilla.raft.log.Payload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** Command payloads for the benchmarks of this package, made in their setup (never timed). */
final class Payloads {
    private Payloads() {
    }

    /** {@code n} distinct payloads of {@code size} bytes each, random from {@code seed}. */
    static List<Payload> random(int n, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Payload> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            out.add(Payload.copyOf(bytes));
        }
        return Collections.unmodifiableList(out);
    }
}
