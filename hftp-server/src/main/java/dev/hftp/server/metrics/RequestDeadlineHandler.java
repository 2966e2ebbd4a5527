package dev.hftp.server.metrics;

import dev.hftp.server.proxy.ClientAddress;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request is not whole (its head, and its body if it has one) within a deadline:
 * a client that sends half a request and then nothing, or a request a byte at a time, holds its connection
 * that long at most.
 *
 * <p>The clock runs from the moment the request has begun (its first byte, which an
 * {@link HttpRequestStartDecoder} before this handler reports) and the server has asked for it (a
 * {@code read()} passing here), whichever comes last. So a connection kept open between requests is not timed
 * (the idle timeout bounds that), and neither is a request pipelined behind replies the client does not read:
 * the server does not read it then, and the delay is its own.
 */
public final class RequestDeadlineHandler extends ChannelDuplexHandler {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(RequestDeadlineHandler.class);

    private final long deadlineMillis;
    /** Set from the first byte of a request until it is whole. */
    private boolean started;
    /** Set from a read() until the request it asked for is whole. */
    private boolean asked;
    /** Null while the clock is not running. */
    private ScheduledFuture<?> expiry;

    RequestDeadlineHandler(Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
        }
        this.deadlineMillis = deadline.toMillis();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HttpRequestStartDecoder.REQUEST_STARTED) {
            started = true;
            startClockIfDue(ctx);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        asked = true;
        startClockIfDue(ctx);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
            started = false;
            asked = false;
            stopClock();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopClock();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopClock();
    }

    private void startClockIfDue(ChannelHandlerContext ctx) {
        if (started && asked && expiry == null) {
            expiry = ctx.executor().schedule(() -> expire(ctx), deadlineMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void stopClock() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        expiry = null;
        logger.debug("{} metrics connection closed: no whole request {} ms after it began",
                ClientAddress.text(ctx.channel().remoteAddress()), deadlineMillis);
        ctx.close();
    }
}
