package io.flotilla.raft.examples.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The machine's floors, measured in the same run as the cluster so that results can be quoted as ratios to them:
 * how fast one durable write is on the data disk (append a record, {@code FileChannel.force}, in a loop), and how
 * long a loopback TCP round trip takes (one small message each way, {@code TCP_NODELAY}). A commit needs at least
 * one durable write on the leader and, concurrently, one round trip plus a durable write on a follower.
 *
 * @param fsyncLatency microseconds per append + force
 * @param roundTrip    microseconds per loopback round trip
 */
public record Floors(Histogram fsyncLatency, Histogram roundTrip) {
    /** Durable writes per second, one after another (1 / mean). */
    public double fsyncsPerSecond() {
        return 1e6 / fsyncLatency.getMean();
    }

    /** The least a commit can take, in microseconds: a durable write plus a round trip (p50 of each). */
    public double commitFloorMicros() {
        return fsyncLatency.getValueAtPercentile(50) + roundTrip.getValueAtPercentile(50);
    }

    /** A run's p50 commit latency ({@code p50Ms}) as a multiple of {@link #commitFloorMicros()}. */
    public double overFloor(double p50Ms) {
        return p50Ms * 1000 / commitFloorMicros();
    }

    /** How many commits a run completed per durable write's time, at {@code writesPerSecond}. */
    public double writesPerFsync(double writesPerSecond) {
        return writesPerSecond / fsyncsPerSecond();
    }

    /** Measures both, for about {@code each} apiece. */
    public static Floors measure(Path dataDir, int recordBytes, Duration each) throws IOException {
        return new Floors(fsync(dataDir, recordBytes, each), loopback(each));
    }

    /** Appends {@code recordBytes} and forces the file, over and over, for {@code time}. */
    static Histogram fsync(Path dir, int recordBytes, Duration time) throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "fsync-floor", ".dat");
        Histogram h = new Histogram(3);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer record = ByteBuffer.allocateDirect(recordBytes);
            long deadline = System.nanoTime() + time.toNanos();
            for (int i = 0; i < 1_000_000 && System.nanoTime() < deadline; i++) {
                long start = System.nanoTime();
                record.clear();
                while (record.hasRemaining()) {
                    ch.write(record);
                }
                ch.force(false);
                h.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return h;
    }

    /** Ping-pong of 64 bytes between two sockets on 127.0.0.1 for {@code time}. */
    static Histogram loopback(Duration time) throws IOException {
        Histogram h = new Histogram(3);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[64];
                    while (readFully(in, buf)) {
                        out.write(buf);
                    }
                } catch (IOException e) {
                    // the client closed: done
                }
            }, "bench-echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[64];
                long deadline = System.nanoTime() + time.toNanos();
                for (int i = 0; i < 10_000_000 && System.nanoTime() < deadline; i++) {
                    long start = System.nanoTime();
                    out.write(buf);
                    if (!readFully(in, buf)) {
                        throw new IOException("the echo side closed");
                    }
                    h.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                }
            }
        }
        return h;
    }

    private static boolean readFully(InputStream in, byte[] buf) throws IOException {
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                return false;
            }
            n += r;
        }
        return true;
    }
}
