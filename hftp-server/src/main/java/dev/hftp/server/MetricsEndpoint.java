package dev.hftp.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP endpoint that Prometheus scrapes, {@code http://ADDRESS:PORT/metrics}. It runs on a thread of its
 * own, so that a scrape (which walks the JVM's MXBeans) never delays a transfer, and a slow scraper never
 * competes with HFTP clients for an event loop.
 */
final class MetricsEndpoint implements AutoCloseable {

    /** Request heads and bodies beyond this are refused: a scrape is a bare GET. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** A scraper keeps its connection between scrapes (Prometheus's default interval is a minute). */
    private static final int IDLE_SECONDS = 5 * 60;
    /**
     * Connections open at once beyond which new ones are closed at once: a few scrapers need a few, and a
     * client that opens many must not take the descriptors that the HFTP port shares.
     */
    static final int MAX_CONNECTIONS = 32;

    private final Channel channel;
    private final EventLoopGroup group;

    private MetricsEndpoint(Channel channel, EventLoopGroup group) {
        this.channel = channel;
        this.group = group;
    }

    /** Listens on {@code address:port} (port 0 picks a free one) and serves the metrics of {@code metrics}. */
    static MetricsEndpoint start(String address, int port, ServerMetrics metrics) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hftp-metrics", true),
                NioIoHandler.newFactory());
        MetricsHttpHandler handler = new MetricsHttpHandler(metrics.registry());
        AtomicInteger open = new AtomicInteger();
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > MAX_CONNECTIONS) {
                            open.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(closed -> open.decrementAndGet());
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(4096, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES),
                                new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                handler);
                    }
                })
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

    InetSocketAddress localAddress() {
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
    void close(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        channel.close().awaitUninterruptibly(timeoutMillis);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
}
