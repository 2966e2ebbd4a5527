package dev.hftp.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running HFTP server, as returned by {@link HftpServerBootstrap#start()}. Thread-safe.
 */
public final class HftpServer implements AutoCloseable {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpServer.class);

    private final Channel channel;
    private final EventLoopGroup group;
    private final ChannelGroup connections;
    private final HftpConnectionHandler connectionHandler;
    private final FileStore store;
    private final FileCalls files;
    private final HftpTransport transport;
    private final Duration shutdownGrace;
    private final boolean tls;
    /** Null when the server exports no metrics. */
    private final MetricsEndpoint metrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    HftpServer(Channel channel, EventLoopGroup group, ChannelGroup connections, HftpConnectionHandler connectionHandler,
               FileStore store, FileCalls files, HftpTransport transport, Duration shutdownGrace, boolean tls,
               MetricsEndpoint metrics) {
        this.channel = channel;
        this.group = group;
        this.connections = connections;
        this.connectionHandler = connectionHandler;
        this.store = store;
        this.files = files;
        this.transport = transport;
        this.shutdownGrace = shutdownGrace;
        this.tls = tls;
        this.metrics = metrics;
    }

    /** Whether the connections are TLS (see {@link HftpServerBootstrap#tls(Path, Path)}). */
    public boolean isTls() {
        return tls;
    }

    /** The address the server listens on, with the port actually bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The port actually bound, also when port 0 was asked for. */
    public int port() {
        return localAddress().getPort();
    }

    /** The address of the Prometheus endpoint ({@code http://HOST:PORT/metrics}), or null if there is none. */
    public InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.localAddress();
    }

    /** The served directory, with links resolved. */
    public Path directory() {
        return store.root();
    }

    /** The socket layer in use. */
    public HftpTransport transport() {
        return transport;
    }

    /** Connections open now. */
    public int openConnections() {
        return connectionHandler.openConnections();
    }

    /** Connections accepted and served since the start. */
    public long acceptedConnections() {
        return connectionHandler.acceptedConnections();
    }

    /** Connections closed at once because the limit of open connections was reached. */
    public long refusedConnections() {
        return connectionHandler.refusedConnections();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Stops accepting, lets the transfers in flight finish for up to the shutdown grace period (idle
     * connections are closed at once, held requests are not answered), then closes every connection and
     * releases the threads; returns when done. Calling it again waits for the first call to finish.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitClose();
            return;
        }
        channel.close().syncUninterruptibly();
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(HftpHandler.DRAIN);
        }
        if (!connections.newCloseFuture().awaitUninterruptibly(shutdownGrace.toMillis())) {
            logger.warn("{} connection(s) still busy after the shutdown grace of {}; closing them",
                    connections.size(), shutdownGrace);
        }
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        files.close();
        store.close();
        // Last, so that a final scrape sees the connections closed.
        if (metrics != null) {
            metrics.close();
        }
    }

    /** Waits until the server is closed (by {@link #close()} from another thread, e.g. a shutdown hook). */
    public void awaitClose() {
        channel.closeFuture().syncUninterruptibly();
        group.terminationFuture().syncUninterruptibly();
    }
}
