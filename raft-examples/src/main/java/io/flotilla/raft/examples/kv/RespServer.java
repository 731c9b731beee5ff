package io.flotilla.raft.examples.kv;

import io.flotilla.raft.node.RaftNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;

import java.net.InetSocketAddress;

/**
 * The client port: RESP2 over TCP with Netty's Redis codec. Each connection's pipeline is
 * {@code RespLimits.front → RedisDecoder (inline commands on) → RespLimits.back → RedisBulkStringAggregator →
 * RedisArrayAggregator → ClientConnection}, with {@code RedisEncoder} for the replies. Built and closed by
 * {@link KvServer}; the event loops are the server's. {@code localReads} is null except in the test-only
 * {@code --unsafe-local-reads} mode ({@link UnsafeLocalReads}).
 */
final class RespServer implements AutoCloseable {
    /** The longest inline command, or length line, accepted (Redis's own limit for inline commands). */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private final Channel channel;

    RespServer(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress address, RaftNode node,
               ServerMetrics metrics, KvServerConfig config, UnsafeLocalReads localReads)
            throws InterruptedException {
        channel = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RespLimits limits = new RespLimits(config.maxArgs(), config.maxArgBytes(),
                                config.maxCommandBytes(), MAX_LINE_BYTES);
                        ch.pipeline().addLast(limits.front(),
                                new RedisDecoder(MAX_LINE_BYTES, FixedRedisMessagePool.INSTANCE, true),
                                limits.back(),
                                new RedisBulkStringAggregator(),
                                new RedisArrayAggregator(),
                                new RedisEncoder(),
                                new ClientConnection(node, metrics, config.maxCommandBytes(),
                                        localReads));
                    }
                })
                .bind(address).sync().channel();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
