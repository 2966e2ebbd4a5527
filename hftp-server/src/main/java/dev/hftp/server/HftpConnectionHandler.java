package dev.hftp.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The life of every connection of one server: counts them, refuses those over the limit or past a full memory
 * budget (closed at once,
 * logged at WARN, in one line a second at most however many are refused), closes those idle too long, and logs
 * each event once at DEBUG, TLS handshakes included. Shared by all the connections of a server.
 */
@Sharable
final class HftpConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpConnectionHandler.class);
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf(HftpConnectionHandler.class, "counted");

    private final int maxConnections;
    private final MemoryBudget budget;
    private final ChannelGroup channels;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** A client reconnecting in a loop past the limit is refused thousands of times a second. */
    private final RateLimitedLog refusals;

    HftpConnectionHandler(int maxConnections, MemoryBudget budget, ChannelGroup channels) {
        this.maxConnections = maxConnections;
        this.budget = budget;
        this.channels = channels;
        this.refusals = new RateLimitedLog(logger, "{} more connection(s) refused in the last {} s (limit "
                + maxConnections + " open, or the memory budget full); last from {}");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refuse(ctx, maxConnections + " connections already open (limit)");
            return;
        }
        if (budget.full()) {
            open.decrementAndGet();
            refuse(ctx, "the memory budget is full (" + budget.used() + " of " + budget.limit()
                    + " bytes buffered)");
            return;
        }
        ctx.channel().attr(COUNTED).set(Boolean.TRUE);
        accepted.incrementAndGet();
        channels.add(ctx.channel());
        logger.debug("{} connected", ctx.channel().remoteAddress());
        ctx.fireChannelActive();
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        refused.incrementAndGet();
        SocketAddress client = ctx.channel().remoteAddress();
        if (refusals.admit(client)) {
            logger.warn("{} refused: {}", client, why);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
            open.decrementAndGet();
            logger.debug("{} disconnected", ClientAddress.of(ctx.channel()));
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            logHandshake(ctx, handshake);
        }
        if (evt instanceof IdleStateEvent idle) {
            if (idle.isFirst() && hasPendingOutput(ctx)) {
                // IdleStateHandler weighs output progress only from its second event on, and a raw slice is one
                // write that completes at its end: a transfer still being sent is not idle. A stalled one is
                // closed at the next event.
                return;
            }
            logger.debug("{} idle too long, closing", ClientAddress.of(ctx.channel()));
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A failed handshake (a plaintext client, an unknown CA, a timeout) is the client's business and anyone's
     * to cause: DEBUG, never WARN. The SslHandler has already closed the connection.
     */
    private static void logHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent handshake) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        if (handshake.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String session = ssl == null ? "" : ssl.engine().getSession().getProtocol() + " "
                    + ssl.engine().getSession().getCipherSuite();
            logger.debug("{} TLS handshake done: {}", ClientAddress.of(ctx.channel()), session);
        } else {
            logger.debug("{} TLS handshake failed: {}", ClientAddress.of(ctx.channel()),
                    handshake.cause().toString());
        }
    }

    private static boolean hasPendingOutput(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() > 0;
    }

    int openConnections() {
        return open.get();
    }

    long acceptedConnections() {
        return accepted.get();
    }

    long refusedConnections() {
        return refused.get();
    }
}
