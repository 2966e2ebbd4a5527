package dev.hftp.server.pipeline;

import dev.hftp.server.proxy.ClientAddress;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection on which nothing happened for the idle timeout: nothing read, no reply written, and no
 * progress of the output still queued (a slow reader of a long slice is not idle, a reader that stopped is).
 *
 * <p>Netty's {@code IdleStateHandler} with {@code observeOutput} would do, but it adds a listener to the promise
 * of every write to time its completion, which took a tenth of the server's time on pipelined one-line requests
 * (docs/BENCHMARKS.md). Here a write only sets a flag, a read takes the time once per socket read, and the queued
 * output is compared at each check, as {@code observeOutput} compares it. A write is dated at the first check
 * after it, so a connection whose last act was a write is closed up to one timeout later than its exact idle
 * time: never sooner. Unlike {@code IdleStateHandler}, queued output is weighed from the first check, so one
 * long raw slice (a single write that completes at its end) is never taken for idleness while it moves.
 */
final class IdleTimeoutHandler extends ChannelDuplexHandler {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(IdleTimeoutHandler.class);

    private final long timeoutNanos;

    private Ticker ticker;
    private Future<?> check;
    /** When the connection was last seen active, by {@link #ticker}. */
    private long lastActivity;
    private boolean wroteSinceCheck;
    /** The output queued at the last check: the message being sent, how much of it is sent, how much is left. */
    private int lastMessage;
    private long lastProgress;
    private long lastPending;
    private boolean stopped;

    IdleTimeoutHandler(long timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis: " + timeoutMillis + " (expected: > 0)");
        }
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
        super.channelRegistered(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ticker != null) {
            lastActivity = ticker.nanoTime();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        wroteSinceCheck = true;
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (ticker != null || stopped) {
            return;
        }
        ticker = ctx.executor().ticker();
        lastActivity = ticker.nanoTime();
        outputChanged(ctx);
        check = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        stopped = true;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long now = ticker.nanoTime();
        if (outputChanged(ctx) | wroteSinceCheck) {
            wroteSinceCheck = false;
            lastActivity = now;
        }
        long idle = now - lastActivity;
        if (idle >= timeoutNanos) {
            logger.debug("{} idle too long, closing", ClientAddress.textOf(ctx.channel()));
            ctx.close();
            return;
        }
        check = ctx.executor().schedule(() -> check(ctx), timeoutNanos - idle, TimeUnit.NANOSECONDS);
    }

    /** Whether the queued output changed since the last call: another message, more of it sent, more or less left. */
    private boolean outputChanged(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer == null) {
            return false;
        }
        // Its identity, not the message: a reply sent and released is not kept reachable here.
        int message = System.identityHashCode(buffer.current());
        long progress = buffer.currentProgress();
        long pending = buffer.totalPendingWriteBytes();
        boolean changed = message != lastMessage || progress != lastProgress || pending != lastPending;
        lastMessage = message;
        lastProgress = progress;
        lastPending = pending;
        return changed;
    }
}
