package io.flotilla.raft.examples.kv;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.NodeStatus;
import io.flotilla.raft.node.RaftException;
import io.flotilla.raft.node.RaftNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One client connection, the last handler of its pipeline: takes decoded commands, runs them and writes the replies.
 * Runs on the connection's Netty event loop only; the Raft futures complete elsewhere and hop back onto it.
 *
 * <p><b>One command at a time.</b> Commands of one connection run in the order they were sent, each after the
 * previous one is answered, so a pipelined {@code SET} then {@code GET} reads its own write (a read issued while
 * the write was still in flight could be ordered before it). Concurrency comes from many connections; commands that
 * wait meanwhile are queued, and reading from the socket pauses while more than {@link #MAX_QUEUED} commands or
 * {@code 2 × maxCommandBytes} wait.
 *
 * <p><b>Failures.</b> A {@link RaftException} becomes {@code -TRYAGAIN <why>}: for a write it says whether the write
 * may have taken effect ({@link RaftException#mayHaveTakenEffect()}), since after a timeout the outcome is unknown.
 * A protocol error is answered with {@code -ERR Protocol error: ...} and closes the connection.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    static final int MAX_QUEUED = 1024;

    private final RaftNode node;
    private final ServerMetrics metrics;
    private final long maxQueuedBytes;
    /** Null except in the test-only {@code --unsafe-local-reads} mode: then reads skip ReadIndex. */
    private final UnsafeLocalReads localReads;
    private final ArrayDeque<Object> queue = new ArrayDeque<>(); // List<byte[]> arguments, or a Reply.Error
    private long queuedBytes;
    private boolean busy;
    private boolean closing;

    ClientConnection(RaftNode node, ServerMetrics metrics, long maxCommandBytes, UnsafeLocalReads localReads) {
        this.node = node;
        this.localReads = localReads;
        this.metrics = metrics;
        this.maxQueuedBytes = 2 * maxCommandBytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        closing = true;
        queue.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Object command;
        try {
            command = arguments(msg);
        } catch (RespLimits.ProtocolError e) {
            protocolError(ctx, e.getMessage());
            return;
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (command == null || closing) {
            return; // an empty command, ignored as Redis does
        }
        queue.add(command);
        queuedBytes += sizeOf(command);
        if (queue.size() >= MAX_QUEUED || queuedBytes > maxQueuedBytes) {
            ctx.channel().config().setAutoRead(false);
        }
        pump(ctx);
    }

    /** The command's arguments, a Reply.Error for a command that is refused as a whole, or null to ignore. */
    private static Object arguments(Object msg) {
        if (msg instanceof InlineCommandRedisMessage inline) {
            List<byte[]> args = new ArrayList<>();
            for (String word : inline.content().trim().split("[ \t]+")) {
                if (!word.isEmpty()) {
                    args.add(word.getBytes(StandardCharsets.UTF_8));
                }
            }
            return args.isEmpty() ? null : args;
        }
        if (!(msg instanceof ArrayRedisMessage array)) {
            throw new RespLimits.ProtocolError("expected a command (an array of bulk strings), got "
                    + msg.getClass().getSimpleName().replace("RedisMessage", "").toLowerCase(Locale.ROOT));
        }
        if (array.isNull() || array.children().isEmpty()) {
            return null;
        }
        List<byte[]> args = new ArrayList<>(array.children().size());
        for (RedisMessage child : array.children()) {
            if (child instanceof RespLimits.TooLong tooLong) {
                return Reply.err(tooLong.reason());
            }
            if (!(child instanceof FullBulkStringRedisMessage bulk) || bulk.isNull()) {
                throw new RespLimits.ProtocolError("expected a bulk string, got "
                        + (child instanceof FullBulkStringRedisMessage ? "a null bulk string"
                        : child.getClass().getSimpleName()));
            }
            args.add(ByteBufUtil.getBytes(bulk.content()));
        }
        return args;
    }

    private static long sizeOf(Object command) {
        if (command instanceof List<?> args) {
            long n = 0;
            for (Object a : args) {
                n += ((byte[]) a).length + 16;
            }
            return n;
        }
        return 64;
    }

    /** Runs queued commands until one has to wait for the cluster or the queue is empty. */
    private void pump(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!busy && !closing && !queue.isEmpty()) {
            Object command = queue.poll();
            queuedBytes -= sizeOf(command);
            wrote = true;
            if (command instanceof Reply.Error refused) {
                reply(ctx, "unknown", refused);
                continue;
            }
            @SuppressWarnings("unchecked")
            List<byte[]> args = (List<byte[]>) command;
            run(ctx, RedisCommands.parse(args));
        }
        if (wrote) {
            ctx.flush();
        }
        if (!busy && queue.size() < MAX_QUEUED / 4 && queuedBytes <= maxQueuedBytes / 4
                && !closing && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void run(ChannelHandlerContext ctx, RedisCommands.Request request) {
        if (request instanceof RedisCommands.Local local) {
            reply(ctx, local.name(), local.reply());
        } else if (request instanceof RedisCommands.Info) {
            reply(ctx, "info", new Reply.Bulk(Payload.ofUtf8(info(node.status()))));
        } else if (request instanceof RedisCommands.Quit) {
            closing = true;
            metrics.answered("quit", Reply.OK);
            ctx.writeAndFlush(encode(Reply.OK)).addListener(ChannelFutureListener.CLOSE);
        } else {
            boolean write = request instanceof RedisCommands.Write;
            Command command = write ? ((RedisCommands.Write) request).command()
                    : ((RedisCommands.Read) request).command();
            if (!write && localReads != null) {
                reply(ctx, request.name(), Reply.decode(localReads.localRead(command.encode()))); // stale: test only
                return;
            }
            busy = true;
            long start = System.nanoTime();
            CompletableFuture<Payload> future = write ? node.propose(command.encode()) : node.read(command.encode());
            future.whenComplete((result, error) -> ctx.executor().execute(() -> {
                metrics.replicated(write, System.nanoTime() - start);
                busy = false;
                reply(ctx, request.name(), error == null ? Reply.decode(result) : failure(error, write));
                pump(ctx);
                ctx.flush();
            }));
        }
    }

    /**
     * The reply for a request the cluster did not answer: {@code TRYAGAIN} for the node's typed failures, saying for a
     * write whether it may have been applied.
     */
    static Reply.Error failure(Throwable error, boolean write) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof RaftException re) {
            String outcome = !write ? "" : re.mayHaveTakenEffect()
                    ? " (outcome unknown: the write may or may not have been applied; check before retrying it)"
                    : " (the write was not applied; safe to retry)";
            return new Reply.Error("TRYAGAIN " + re.getMessage() + outcome);
        }
        log.warn("unexpected failure of a client command", e);
        return Reply.err("internal error: " + e);
    }

    /** INFO's text: this node's view of the cluster, as {@code field:value} lines (not a linearizable read). */
    static String info(NodeStatus s) {
        return "# Flotilla\r\n"
                + "node_id:" + s.id() + "\r\n"
                + "role:" + s.role().name().toLowerCase(Locale.ROOT) + "\r\n"
                + "term:" + s.term() + "\r\n"
                + "leader_id:" + s.leaderId() + "\r\n"
                + "commit_index:" + s.commitIndex() + "\r\n"
                + "applied_index:" + s.applied() + "\r\n"
                + "last_index:" + s.lastIndex() + "\r\n"
                + "snapshot_index:" + s.snapshotIndex() + "\r\n"
                + "healthy:" + (s.healthy() ? "yes" : "no (" + (s.running() ? s.stall() : "stopped") + ")") + "\r\n";
    }

    private void reply(ChannelHandlerContext ctx, String command, Reply reply) {
        metrics.answered(command, reply);
        ctx.write(encode(reply), ctx.voidPromise());
    }

    /** The RESP message for {@code reply}. */
    static RedisMessage encode(Reply reply) {
        if (reply instanceof Reply.Simple s) {
            return new SimpleStringRedisMessage(s.text());
        } else if (reply instanceof Reply.Error e) {
            return new ErrorRedisMessage(e.message());
        } else if (reply instanceof Reply.Int i) {
            return new IntegerRedisMessage(i.value());
        } else if (reply instanceof Reply.Bulk b) {
            return bulk(b.value());
        }
        List<RedisMessage> children = new ArrayList<>();
        for (Payload v : ((Reply.Multi) reply).values()) {
            children.add(bulk(v));
        }
        return new ArrayRedisMessage(children);
    }

    private static FullBulkStringRedisMessage bulk(Payload value) {
        if (value == null) {
            return FullBulkStringRedisMessage.NULL_INSTANCE;
        }
        ByteBuf content = Unpooled.wrappedBuffer(value.asReadOnlyByteBuffer());
        return new FullBulkStringRedisMessage(content);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable e = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (e instanceof IOException) {
            ctx.close(); // the client went away
        } else if (e instanceof RespLimits.ProtocolError || cause instanceof DecoderException
                || e instanceof io.netty.handler.codec.CodecException) {
            protocolError(ctx, e.getMessage());
        } else {
            log.warn("closing client connection {} after an unexpected error", ctx.channel().remoteAddress(), e);
            ctx.close();
        }
    }

    private void protocolError(ChannelHandlerContext ctx, String why) {
        if (closing) {
            return;
        }
        closing = true;
        queue.clear();
        ctx.channel().config().setAutoRead(false);
        metrics.answered("unknown", Reply.err("Protocol error"));
        ctx.writeAndFlush(encode(Reply.err("Protocol error: " + why))).addListener(ChannelFutureListener.CLOSE);
    }
}
