package dev.hftp.server.pipeline;

import dev.hftp.server.logging.RateLimitedLog;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * On the listening channel: an accept that fails (EMFILE when the process has no descriptor left, ENFILE when
 * the system has none) stops accepting for a second, then accepting resumes, as Netty's {@code ServerBootstrap}
 * would do; it is logged in one line at WARN, at most one a second, instead of the stack trace that the end of
 * the pipeline logs for every exception it receives. Running out of descriptors is expected of a loaded server,
 * and the message says all there is to say; anything else keeps its stack trace.
 */
public final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(AcceptFailureHandler.class);

    /** How long accepting stops after a failure: connections closing meanwhile may free descriptors. */
    static final long PAUSE_MILLIS = 1_000;

    private final RateLimitedLog failures =
            new RateLimitedLog(logger, "accept", "{} failed in the last {} s; last: {}");

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            // Without a pause the accept would fail again at once, as long as the listening socket has a client
            // waiting: a busy loop on the acceptor's thread.
            config.setAutoRead(false);
            ctx.executor().schedule(() -> config.setAutoRead(true), PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (failures.admit(cause)) {
            if (cause instanceof IOException) {
                logger.warn("cannot accept connections: {}; accepting again in {} ms", cause.toString(),
                        PAUSE_MILLIS);
            } else {
                logger.warn("cannot accept connections; accepting again in {} ms", PAUSE_MILLIS, cause);
            }
        }
    }
}
