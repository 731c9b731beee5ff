package io.flotilla.raft.jmh;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.Message;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link MessageCodec} on the message a transport carries most: an {@link AppendEntries} of {@link #entries}
 * command entries of {@link #entryBytes} seeded random bytes each (incompressible, all distinct). One operation is
 * one whole message encoded to bytes, or decoded from them into a record, as a transport does per frame.
 *
 * <p>Run by JMH only ({@code mvn -B -o -Pjmh -pl raft-core test-compile exec:exec}, docs/benchmarks.md); the
 * message and its encoding are built once per trial, outside the timed code. The class name keeps it out of
 * Surefire's test patterns.
 */
public class MessageCodecBenchmark extends BenchmarkDefaults {
    /** Entries in the AppendEntries. */
    @Param({"1", "64"})
    public int entries;

    /** Payload bytes of each entry. */
    @Param({"128", "4096"})
    public int entryBytes;

    private AppendEntries message;
    private byte[] encoded;

    /** The leader's AppendEntries: term 3, entries from index 1,001, commit index 1,000. */
    @Setup
    public void build() {
        List<Payload> payloads = Payloads.random(entries, entryBytes, 42);
        List<Entry> batch = new ArrayList<>(entries);
        for (Payload p : payloads) {
            batch.add(Entry.command(1001 + batch.size(), 3, p));
        }
        message = new AppendEntries(1, 1, 2, 3, 1000, 3, batch, 1000, 17);
        encoded = MessageCodec.encode(message);
        if (!MessageCodec.decode(encoded).equals(message)) {
            throw new IllegalStateException("the codec does not round-trip the benchmark's message");
        }
    }

    /** The sender's side: record to {@code Envelope} bytes. */
    @Benchmark
    public byte[] encode() {
        return MessageCodec.encode(message);
    }

    /** The receiver's side: {@code Envelope} bytes to a checked record. */
    @Benchmark
    public Message decode() {
        return MessageCodec.decode(encoded);
    }
}
