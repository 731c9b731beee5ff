package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.Payload;
import io.flotilla.raft.message.AppendEntries;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Messages/s and MB/s between two {@code NettyTransport}s, next to plain Netty with the same framing measured in the
 * same run (docs/benchmarks.md has the method and results). Skipped unless {@code -Dflotilla.bench=true}:
 * <pre>
 * mvn -B -pl raft-transport-netty test -Dtest=TransportBenchmark -Dflotilla.bench=true
 * </pre>
 * For each payload size S, four measurements, each on fresh connections, a warm-up then a timed run:
 * <ul>
 *   <li>one way, baseline then transport: node 1 sends an AppendEntries carrying one entry of S bytes as fast as the
 *       link takes it, at most {@code window} outstanding; the baseline sends frames of the same encoded size;</li>
 *   <li>round trip, baseline then transport: one message outstanding; node 2 answers each AppendEntries with an
 *       AppendResponse, the baseline server each frame with a frame of the AppendResponse's size.</li>
 * </ul>
 * Options: {@code flotilla.bench.warmup} and {@code flotilla.bench.seconds} (3 and 5 s per measurement),
 * {@code flotilla.bench.window} (1,024, the transport's default outboundQueueCapacity, so its queue cannot overflow)
 * and {@code flotilla.bench.sizes} (128,16384 bytes).
 */
class TransportBenchmark {
    private static final Duration DRAIN = Duration.ofSeconds(10);

    private record Settings(Duration warmup, Duration measure, int window, List<Integer> sizes) {
        static Settings fromSystemProperties() {
            return new Settings(Duration.ofSeconds(Long.getLong("flotilla.bench.warmup", 3)),
                    Duration.ofSeconds(Long.getLong("flotilla.bench.seconds", 5)),
                    Integer.getInteger("flotilla.bench.window", 1024),
                    Arrays.stream(System.getProperty("flotilla.bench.sizes", "128,16384").split(","))
                            .map(String::trim).map(Integer::valueOf).toList());
        }
    }

    @Test
    void transportThroughputNextToRawNetty() {
        assumeTrue(Boolean.getBoolean("flotilla.bench"), "a benchmark: run with -Dflotilla.bench=true");
        Settings s = Settings.fromSystemProperties();
        StringBuilder out = new StringBuilder(String.format("%nTransportBenchmark %s, JDK %s (%s), %s %s, %d CPUs, %s,"
                        + " warm-up %d s + %d s per measurement, window %d%n",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), Epoll.isAvailable() ? "epoll" : "nio",
                s.warmup().toSeconds(), s.measure().toSeconds(), s.window()));
        out.append(String.format("%-9s %-7s %-22s %12s %10s %11s %7s %8s%n",
                "payload", "frame", "measurement", "msgs/s", "MB/s", "msgs/flush", "drops", "ratio"));
        for (int size : s.sizes()) {
            AppendEntries message = appendEntries(size);
            byte[] body = MessageCodec.encode(message);
            int replyBytes = MessageCodec.encode(NettyTransportLink.reply(message)).length;
            String payload = size + " B";
            String frame = (4 + body.length) + " B";
            Window.Sample raw = measure(() -> new RawNettyLink(body, 0), s.window(), s);
            Window.Sample transport = measure(() -> new NettyTransportLink(message, false), s.window(), s);
            Window.Sample rawRoundTrip = measure(() -> new RawNettyLink(body, replyBytes), 1, s);
            Window.Sample roundTrip = measure(() -> new NettyTransportLink(message, true), 1, s);
            row(out, payload, frame, "raw Netty, one way", raw, size, Double.NaN);
            row(out, payload, frame, "transport, one way", transport, size, transport.perSecond() / raw.perSecond());
            row(out, payload, frame, "raw Netty, round trip", rawRoundTrip, size, Double.NaN);
            row(out, payload, frame, "transport, round trip", roundTrip, size,
                    roundTrip.perSecond() / rawRoundTrip.perSecond());
            out.append(String.format("%-9s round trip: raw Netty %.1f us, transport %.1f us (mean)%n", payload,
                    1e6 / rawRoundTrip.perSecond(), 1e6 / roundTrip.perSecond()));
        }
        System.out.print(out);
    }

    /** A warm-up, then the timed run; then every message sent must have been delivered or counted as dropped. */
    private static Window.Sample measure(Supplier<Link> links, int windowSize, Settings s) {
        try (Link link = links.get()) {
            Window window = new Window(link, windowSize);
            window.run(s.warmup());
            Window.Sample sample = window.run(s.measure());
            assertThat(window.drain(DRAIN)).as("every message sent was delivered or counted as dropped within %s",
                    DRAIN).isTrue();
            return sample;
        }
    }

    private static void row(StringBuilder out, String payload, String frame, String name, Window.Sample sample,
                            int payloadBytes, double ratio) {
        out.append(String.format("%-9s %-7s %-22s %,12.0f %10.1f %11.1f %7d %8s%n", payload, frame, name,
                sample.perSecond(), sample.perSecond() * payloadBytes / 1e6, sample.perFlush(), sample.dropped(),
                Double.isNaN(ratio) ? "" : String.format("%.2f", ratio)));
    }

    /** An AppendEntries from node 1 to node 2 carrying one entry of {@code payloadBytes} seeded random bytes. */
    private static AppendEntries appendEntries(int payloadBytes) {
        byte[] data = new byte[payloadBytes];
        new Random(payloadBytes).nextBytes(data);
        return new AppendEntries(1, 1, 2, 1, 0, 0, List.of(Entry.command(1, 1, Payload.copyOf(data))), 0);
    }
}
