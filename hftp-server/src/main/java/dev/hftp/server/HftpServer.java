package dev.hftp.server;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.logging.Wording;
import dev.hftp.server.metrics.MetricsEndpoint;
import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.HftpHandler;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running HFTP server, as returned by {@link HftpServerBootstrap#start()}. Thread-safe.
 */
public final class HftpServer implements AutoCloseable {

    /**
     * How long {@link #close()} waits, after the shutdown grace, for the connections to close and the event
     * loops to stop, before it returns without those that are stuck.
     */
    public static final Duration FORCED_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpServer.class);

    private final Channel channel;
    private final EventLoopGroup group;
    private final ChannelGroup connections;
    private final ConnectionAdmission admission;
    private final FileStore store;
    private final FileCalls files;
    private final HftpTransport transport;
    private final Duration shutdownGrace;
    private final boolean tls;
    /** Null when the server exports no metrics. */
    private final MetricsEndpoint metrics;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down when the first {@link #close()} returns. */
    private final CountDownLatch closeDone = new CountDownLatch(1);

    HftpServer(Channel channel, EventLoopGroup group, ChannelGroup connections, ConnectionAdmission admission,
               FileStore store, FileCalls files, HftpTransport transport, Duration shutdownGrace, boolean tls,
               MetricsEndpoint metrics) {
        this.channel = channel;
        this.group = group;
        this.connections = connections;
        this.admission = admission;
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
        return admission.openConnections();
    }

    /** Connections accepted and served since the start. */
    public long acceptedConnections() {
        return admission.acceptedConnections();
    }

    /** Connections closed at once because the limit of open connections was reached, or the memory budget was full. */
    public long refusedConnections() {
        return admission.refusedConnections();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Stops accepting, lets the transfers in flight finish for up to the shutdown grace period (idle
     * connections are closed at once, held requests are not answered), then closes every connection and
     * releases the threads; returns when done, and at the latest {@link #FORCED_CLOSE_TIMEOUT} after the grace,
     * even if an event loop is stuck in a task (its connections then close when it comes back, or with the
     * process). Calling it again waits for the first call to finish.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitClose();
            return;
        }
        try {
            shutDown();
        } finally {
            closeDone.countDown();
        }
    }

    /**
     * Every wait has a deadline: an event loop stuck in a task (a blocking file call, a log write to a full
     * pipe) runs none of the closes asked of it, and must not keep the server, or the process, from stopping.
     */
    private void shutDown() {
        long graceEnd = System.nanoTime() + shutdownGrace.toNanos();
        long deadline = graceEnd + FORCED_CLOSE_TIMEOUT.toNanos();
        ChannelFuture unbound = channel.close();
        awaitUntil(unbound, graceEnd);
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(HftpHandler.DRAIN);
        }
        if (!awaitUntil(connections.newCloseFuture(), graceEnd)) {
            logger.warn("{} still busy after the shutdown grace of {}; closing them",
                    Wording.count(connections.size(), "connection"), Wording.duration(shutdownGrace));
        }
        awaitUntil(connections.close(), deadline);
        Future<?> terminated = group.shutdownGracefully(0, FORCED_CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!awaitUntil(terminated, deadline)) {
            logger.warn("{} did not stop within {} after the shutdown grace (stuck in a task); "
                    + "returning without them, {} still open on them", Wording.count(stuckEventLoops(), "event loop"),
                    Wording.duration(FORCED_CLOSE_TIMEOUT), Wording.count(connections.size(), "connection"));
        }
        // Threads stuck in a file call are daemon threads: they do not hold the process.
        files.close();
        store.close();
        // Last, so that a final scrape sees the connections closed.
        if (metrics != null) {
            metrics.close(millisUntil(deadline));
        }
    }

    private int stuckEventLoops() {
        int stuck = 0;
        for (EventExecutor loop : group) {
            if (!loop.isTerminated()) {
                stuck++;
            }
        }
        return stuck;
    }

    /** Whether {@code future} completed by {@code deadline} (a {@link System#nanoTime()}). */
    private static boolean awaitUntil(Future<?> future, long deadline) {
        return future.awaitUninterruptibly(millisUntil(deadline));
    }

    private static long millisUntil(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** Waits until the server is closed (by {@link #close()} from another thread, e.g. a shutdown hook). */
    public void awaitClose() {
        boolean interrupted = false;
        while (true) {
            try {
                closeDone.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
