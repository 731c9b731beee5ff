package io.flotilla.raft.examples.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.PeerStatus;
import io.flotilla.raft.node.RaftNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admin port: HTTP/1.1 with Netty's HTTP codec. Routes, all {@code GET}:
 * <ul>
 *   <li>{@code /status}: this node as JSON — id, role, term, leader, commit, applied, last and first index, snapshot
 *       index, health, and on the leader each peer's match index, next index, state and lag;</li>
 *   <li>{@code /cluster}: every node of {@code --admin-peers}, each one's {@code /status} fetched by this server
 *       (so the page needs no cross-origin requests), or the error that prevented it;</li>
 *   <li>{@code /metrics}: Prometheus text format ({@link ServerMetrics});</li>
 *   <li>{@code /}: the live status page, which polls {@code /cluster} every second.</li>
 * </ul>
 * Requests run on the server's Netty event loops; {@code /cluster} completes on the HTTP client's threads. Nothing
 * here changes the node.
 */
final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PEER_TIMEOUT = Duration.ofMillis(800);

    private final Channel channel;
    private final RaftNode node;
    private final ServerMetrics metrics;
    private final Map<Long, String> adminPeers;
    private final String clientAddress;
    private final byte[] page;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PEER_TIMEOUT).build();

    AdminServer(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress address, RaftNode node,
                ServerMetrics metrics, Map<Long, String> adminPeers, String clientAddress) throws InterruptedException {
        this.node = node;
        this.metrics = metrics;
        this.adminPeers = adminPeers;
        this.clientAddress = clientAddress;
        this.page = resource("status.html");
        channel = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(8192),
                                new Handler());
                    }
                })
                .bind(address).sync().channel();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This node's status as JSON (the {@code /status} document). */
    ObjectNode status() {
        NodeStatus s = node.status();
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("role", s.role().name());
        o.put("term", s.term());
        o.put("leader", s.leaderId());
        o.put("commit", s.commitIndex());
        o.put("applied", s.applied());
        o.put("lastIndex", s.lastIndex());
        o.put("firstIndex", s.firstIndex());
        o.put("snapshotIndex", s.snapshotIndex());
        o.put("healthy", s.healthy());
        o.put("stall", s.stall());
        o.put("client", clientAddress);
        ArrayNode peers = o.putArray("peers");
        for (PeerStatus p : node.peers()) {
            ObjectNode po = peers.addObject();
            po.put("id", p.id());
            po.put("voter", p.voter());
            po.put("match", p.matchIndex());
            po.put("next", p.nextIndex());
            po.put("state", p.state());
            po.put("lag", p.lag());
        }
        return o;
    }

    /** Every node's status (the {@code /cluster} document): fetched from each admin peer, this node's own locally. */
    CompletableFuture<ObjectNode> cluster() {
        long self = node.id();
        List<CompletableFuture<ObjectNode>> parts = new ArrayList<>();
        if (!adminPeers.containsKey(self)) {
            parts.add(CompletableFuture.completedFuture(entry(self, localAddress().getHostString() + ":"
                    + localAddress().getPort()).set("status", status())));
        }
        adminPeers.forEach((id, address) -> {
            ObjectNode e = entry(id, address);
            if (id == self) {
                e.set("status", status());
                parts.add(CompletableFuture.completedFuture(e));
                return;
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/status"))
                    .timeout(PEER_TIMEOUT).GET().build();
            parts.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, error) -> {
                try {
                    if (error != null) {
                        e.put("error", "unreachable: " + (error.getCause() != null ? error.getCause() : error));
                    } else if (r.statusCode() != 200) {
                        e.put("error", "HTTP " + r.statusCode());
                    } else {
                        JsonNode status = JSON.readTree(r.body());
                        e.set("status", status);
                    }
                } catch (IOException | RuntimeException bad) {
                    e.put("error", "bad answer: " + bad.getMessage());
                }
                return e;
            }));
        });
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            ObjectNode o = JSON.createObjectNode();
            o.put("self", self);
            ArrayNode nodes = o.putArray("nodes");
            parts.stream().map(CompletableFuture::join)
                    .sorted(java.util.Comparator.comparingLong(n -> n.get("id").asLong()))
                    .forEach(nodes::add);
            return o;
        });
    }

    private static ObjectNode entry(long id, String address) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", id);
        e.put("admin", address);
        return e;
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                send(ctx, false, HttpResponseStatus.BAD_REQUEST, "text/plain", bytes("bad request\n"));
                return;
            }
            if (!request.method().equals(HttpMethod.GET)) {
                send(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", bytes("GET only\n"));
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            switch (path) {
                case "/", "/index.html" -> send(ctx, keepAlive, HttpResponseStatus.OK, "text/html; charset=utf-8", page);
                case "/status" -> send(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                        JSON.writeValueAsBytes(status()));
                case "/metrics" -> send(ctx, keepAlive, HttpResponseStatus.OK, metrics.contentType(),
                        metrics.scrape());
                case "/cluster" -> cluster().whenComplete((doc, e) -> {
                    try {
                        send(ctx, keepAlive, HttpResponseStatus.OK, "application/json", JSON.writeValueAsBytes(doc));
                    } catch (IOException | RuntimeException bad) {
                        send(ctx, false, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain", bytes(bad + "\n"));
                    }
                });
                default -> send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "text/plain",
                        bytes("not found; try /, /status, /cluster or /metrics\n"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
                             String contentType, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
