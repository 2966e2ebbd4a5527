package dev.hftp.server.pipeline;

import dev.hftp.server.logging.RateLimitedLog;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * On the listening channel, in front of Netty's acceptor: each accepted connection is admitted or refused before
 * any of its handlers exists (no TLS engine, no buffer), as Armeria's {@code ConnectionLimitingHandler} does.
 * Refused: one more than {@code maxConnections} open, or the server's {@link MemoryBudget} full. A refused
 * connection is closed at once (the client reads the end of the stream), counted, and logged at WARN in one
 * line a second at most however many are refused.
 */
@Sharable
public final class ConnectionAdmission extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(ConnectionAdmission.class);

    private final int maxConnections;
    private final MemoryBudget budget;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** A client reconnecting in a loop past the limit is refused thousands of times a second. */
    private final RateLimitedLog refusals;

    public ConnectionAdmission(int maxConnections, MemoryBudget budget) {
        this.maxConnections = maxConnections;
        this.budget = budget;
        this.refusals = new RateLimitedLog(logger, "{} more connection(s) refused in the last {} s (limit "
                + maxConnections + " open, or the memory budget full); last from {}");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refuse(child, maxConnections + " connections already open (limit)");
            return;
        }
        if (budget.full()) {
            open.decrementAndGet();
            refuse(child, "the memory budget is full (" + budget.used() + " of " + budget.limit()
                    + " bytes buffered)");
            return;
        }
        accepted.incrementAndGet();
        child.closeFuture().addListener(closed -> open.decrementAndGet());
        ctx.fireChannelRead(child);
    }

    private void refuse(Channel child, String why) {
        refused.incrementAndGet();
        SocketAddress client = child.remoteAddress();
        if (refusals.admit(client)) {
            logger.warn("{} refused: {}", client, why);
        }
        // Not registered with an event loop yet, so it cannot be closed through its pipeline; the JDK socket
        // closes with a FIN, as Netty's acceptor closes a child it cannot register.
        child.unsafe().closeForcibly();
    }

    public int openConnections() {
        return open.get();
    }

    public long acceptedConnections() {
        return accepted.get();
    }

    public long refusedConnections() {
        return refused.get();
    }
}
