package dev.hftp.server.metrics;

import dev.hftp.server.pipeline.ConnectionAdmission;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP endpoint that Prometheus scrapes, {@code http://ADDRESS:PORT/metrics}. It runs on a thread of its
 * own, so that a scrape (which walks the JVM's MXBeans) never delays a transfer, and a slow scraper never
 * competes with HFTP clients for an event loop.
 *
 * <p>It is exposed to whoever can reach it, so it is bounded as the HFTP port is: a connection reads a request
 * only when it has written the reply before it, a request must be whole within seconds of its first byte, an
 * idle connection is closed, and a new connection past the limit evicts an old one rather than being refused
 * (pipeline: {@link MetricsEndpointInitializer}). It listens on loopback unless told otherwise.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /**
     * Connections open at once: a few scrapers need a few, and a client that opens many must not take the
     * descriptors that the HFTP port shares. Past it a new connection evicts an old one
     * ({@link EvictingConnectionLimiter}).
     */
    static final int MAX_CONNECTIONS = 32;
    /**
     * The largest socket read: what a client pipelines waits in the kernel, not decoded here, beyond a few
     * requests (a scrape's request is a few hundred bytes; longer heads take several reads).
     */
    private static final int MAX_READ_BYTES = 4096;

    private final Channel channel;
    private final EventLoopGroup group;

    private MetricsEndpoint(Channel channel, EventLoopGroup group) {
        this.channel = channel;
        this.group = group;
    }

    /** Listens on {@code address:port} (port 0 picks a free one) and serves the metrics of {@code metrics}. */
    public static MetricsEndpoint start(String address, int port, ServerMetrics metrics) throws IOException {
        // One thread, which the EvictingConnectionLimiter relies on: its state is kept without locks.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hftp-metrics", true),
                NioIoHandler.newFactory());
        EvictingConnectionLimiter connections = new EvictingConnectionLimiter(MAX_CONNECTIONS);
        // The HFTP port's admission code, with this endpoint's policy: evict, never refuse.
        ConnectionAdmission admission = new ConnectionAdmission(connections, "never: an old one is evicted");
        MetricsEndpointInitializer initializer = new MetricsEndpointInitializer(connections,
                new MetricsHttpHandler(metrics.registry()));
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(admission)
                // The HFTP port's allocator: one pool for the process, whose use the tests measure.
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 1024,
                        MAX_READ_BYTES))
                .childHandler(initializer)
                .bind(new InetSocketAddress(address, port))
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            BindException e = new BindException("cannot listen for metrics on " + address + ":" + port + ": "
                    + bind.cause().getMessage());
            e.initCause(bind.cause());
            throw e;
        }
        return new MetricsEndpoint(bind.channel(), group);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        close(TimeUnit.SECONDS.toMillis(4));
    }

    /**
     * Closes the endpoint, waiting at most {@code timeoutMillis} for it (its thread is a daemon: if it is stuck,
     * it stops with the process).
     */
    public void close(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        channel.close().awaitUninterruptibly(timeoutMillis);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
}
