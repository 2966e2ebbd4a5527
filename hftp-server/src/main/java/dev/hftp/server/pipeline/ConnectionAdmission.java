package dev.hftp.server.pipeline;

import dev.hftp.server.proxy.ClientAddress;
import dev.hftp.server.logging.RateLimitedLog;
import dev.hftp.server.logging.Wording;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * On the listening channel, in front of Netty's acceptor: each accepted connection is admitted or refused by a
 * {@link Policy} before any of its handlers exists (no TLS engine, no buffer), as Armeria's
 * {@code ConnectionLimitingHandler} does. The HFTP port refuses one more than {@code maxConnections} open, or any
 * while the server's {@link MemoryBudget} is full ({@link #limiting}); the metrics endpoint admits every
 * connection and evicts an old one instead ({@code EvictingConnectionLimiter}). A refused connection is closed at
 * once (the client reads the end of the stream), counted, and logged at WARN in one line a second at most however
 * many are refused.
 */
@Sharable
public final class ConnectionAdmission extends ChannelInboundHandlerAdapter {

    /** Who comes in. Runs on the listening channel's event loop, one connection at a time. */
    public interface Policy {
        /**
         * Null to admit {@code child}, which is not registered yet and has no handler, with {@code open}
         * connections open before it; else why it is refused.
         */
        String admit(Channel child, int open);
    }

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(ConnectionAdmission.class);

    private final Policy policy;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** A client reconnecting in a loop past the limit is refused thousands of times a second. */
    private final RateLimitedLog refusals;

    /** {@code limits} says, in the WARN line that counts refusals, what refuses them. */
    public ConnectionAdmission(Policy policy, String limits) {
        this.policy = policy;
        this.refusals = new RateLimitedLog(logger, "connection", "{} refused in the last {} s (" + limits
                + "); last from {}");
    }

    /** The HFTP port's: at most {@code maxConnections} open, none while {@code budget} is full. */
    public static ConnectionAdmission limiting(int maxConnections, MemoryBudget budget) {
        return new ConnectionAdmission((child, open) -> {
            if (open >= maxConnections) {
                return Wording.count(maxConnections, "connection") + " already open (limit)";
            }
            return budget.full() ? "the memory budget is full (" + budget.used() + " of " + budget.limit()
                    + " bytes buffered)" : null;
        }, "limit " + maxConnections + " open, or the memory budget full");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        // Counted first: the connections that close meanwhile only lower it, so the limit holds.
        String refusal = policy.admit(child, open.getAndIncrement());
        if (refusal != null) {
            open.decrementAndGet();
            refuse(child, refusal);
            return;
        }
        accepted.incrementAndGet();
        child.closeFuture().addListener(closed -> open.decrementAndGet());
        ctx.fireChannelRead(child);
    }

    private void refuse(Channel child, String why) {
        refused.incrementAndGet();
        String client = ClientAddress.text(child.remoteAddress());
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
