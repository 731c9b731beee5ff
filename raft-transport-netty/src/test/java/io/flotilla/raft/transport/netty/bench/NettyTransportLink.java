package io.flotilla.raft.transport.netty.bench;

import io.flotilla.raft.message.AppendEntries;
import io.flotilla.raft.message.AppendResponse;
import io.flotilla.raft.transport.netty.NettyTransport;
import io.flotilla.raft.transport.netty.NettyTransportConfig;
import io.flotilla.raft.transport.netty.TransportStats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;

/**
 * The transport under test: two {@link NettyTransport}s with default settings on 127.0.0.1, node 1 sending the
 * same {@link AppendEntries} again and again to node 2. One way, node 2 counts what it receives; for the round
 * trip, node 2 answers each with an {@link AppendResponse} through its own transport and node 1 counts those.
 */
final class NettyTransportLink implements Link {
    private final AppendEntries message;
    private final NettyTransport one;
    private final NettyTransport two;
    private final Delivered delivered = new Delivered();

    NettyTransportLink(AppendEntries message, boolean roundTrip) {
        this.message = message;
        Map<Long, String> addresses = freeLoopbackAddresses();
        one = new NettyTransport(NettyTransportConfig.of("bench", 1, addresses.get(1L), addresses));
        two = new NettyTransport(NettyTransportConfig.of("bench", 2, addresses.get(2L), addresses));
        AppendResponse ack = reply(message);
        try {
            one.start(m -> delivered.increment());
            two.start(roundTrip ? m -> two.send(ack) : m -> delivered.increment());
            await("both connections").atMost(Duration.ofSeconds(10))
                    .until(() -> one.stats().connectionsOpened() == 1 && two.stats().connectionsOpened() == 1);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Node 2's answer to {@code m}, as a follower's acknowledgement. */
    static AppendResponse reply(AppendEntries m) {
        return AppendResponse.accept(m.groupId(), m.to(), m.from(), m.term(), m.lastIndex());
    }

    @Override
    public void send() {
        one.send(message);
    }

    @Override
    public Delivered delivered() {
        return delivered;
    }

    @Override
    public long dropped() {
        return drops(one.stats()) + drops(two.stats());
    }

    private static long drops(TransportStats s) {
        return s.droppedQueueFull() + s.droppedTooLarge() + s.droppedUnknownDestination() + s.spoofedMessages()
                + s.misaddressedMessages();
    }

    @Override
    public long flushes() {
        return one.stats().flushes();
    }

    @Override
    public void close() {
        one.close();
        two.close();
    }

    /** Two loopback ports, reserved by binding and releasing them (another process could take one in between). */
    private static Map<Long, String> freeLoopbackAddresses() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 1, loopback); ServerSocket b = new ServerSocket(0, 1, loopback)) {
            return new TreeMap<>(Map.of(1L, "127.0.0.1:" + a.getLocalPort(), 2L, "127.0.0.1:" + b.getLocalPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
