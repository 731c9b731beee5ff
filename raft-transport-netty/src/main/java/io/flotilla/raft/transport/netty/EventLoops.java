package io.flotilla.raft.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.concurrent.ThreadFactory;

/**
 * The event loops of one transport and the channel classes that go with them: native epoll when its library loads
 * (Linux, with netty-transport-native-epoll on the class path), the JDK's NIO otherwise.
 */
record EventLoops(EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
                  Class<? extends Channel> channel, String name) {

    static EventLoops create(int threads, ThreadFactory threadFactory) {
        if (Epoll.isAvailable()) {
            return new EventLoops(new EpollEventLoopGroup(threads, threadFactory), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, "epoll");
        }
        return new EventLoops(new NioEventLoopGroup(threads, threadFactory), NioServerSocketChannel.class,
                NioSocketChannel.class, "nio");
    }
}
