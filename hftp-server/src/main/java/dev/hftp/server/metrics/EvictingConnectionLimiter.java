package dev.hftp.server.metrics;

import dev.hftp.server.proxy.ClientAddress;
import dev.hftp.server.pipeline.ConnectionAdmission;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics endpoint's admission policy ({@link ConnectionAdmission.Policy}, on its listening channel) and the
 * handler that follows each of its connections. It keeps at most {@code maxConnections} HTTP connections open by
 * closing one when a new one would go over:
 * the oldest that is not answering a request (it is idle between requests, or has sent only part of one),
 * else, when all are, the one whose reply has waited longest (its client does not read it). A new connection
 * is never refused, so clients that open connections and hold them, idle or with half a request, cannot keep
 * a scraper out: each new connection pushes one of theirs out.
 *
 * <p>Shared by the connections of one endpoint, which all run on its one event-loop thread: the state needs no
 * lock. Goes after the handler that reads one request at a time, so a request it sees is being answered.
 */
@Sharable
public final class EvictingConnectionLimiter extends ChannelDuplexHandler implements ConnectionAdmission.Policy {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(EvictingConnectionLimiter.class);

    private final int maxConnections;
    /**
     * The open connections, oldest first, each with the {@link System#nanoTime()} at which the request it is
     * answering arrived, or null when it is answering none.
     */
    private final Map<Channel, Long> open = new LinkedHashMap<>();

    EvictingConnectionLimiter(int maxConnections) {
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: > 0)");
        }
        this.maxConnections = maxConnections;
    }

    /** Admits every connection; one over the limit evicts an old one first. */
    @Override
    public String admit(Channel child, int openNow) {
        // Counted by the admission (some may not be active yet); evicted among the active ones.
        if (openNow >= maxConnections && !open.isEmpty()) {
            Channel victim = victim();
            open.remove(victim);
            logger.debug("{} metrics connection evicted for {}: {} open at most", ClientAddress.text(victim.remoteAddress()),
                    ClientAddress.text(child.remoteAddress()), maxConnections);
            victim.close();
        }
        return null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        open.put(ctx.channel(), null);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.remove(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        open.replace(ctx.channel(), System.nanoTime());
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            Channel channel = ctx.channel();
            promise = promise.unvoid();
            promise.addListener((ChannelFuture written) -> open.replace(channel, null));
        }
        ctx.write(msg, promise);
    }

    private Channel victim() {
        Channel longestAnswering = null;
        long since = 0;
        for (Map.Entry<Channel, Long> connection : open.entrySet()) {
            Long answeringSince = connection.getValue();
            if (answeringSince == null) {
                return connection.getKey();
            }
            if (longestAnswering == null || answeringSince - since < 0) {
                longestAnswering = connection.getKey();
                since = answeringSince;
            }
        }
        return longestAnswering;
    }
}
