package dev.hftp.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running HFTP server, as returned by {@link HftpServerBootstrap#start()}. Thread-safe.
 */
public final class HftpServer implements AutoCloseable {

    private final Channel channel;
    private final EventLoopGroup group;
    private final Path directory;
    private final HftpTransport transport;
    private final AtomicBoolean closed = new AtomicBoolean();

    HftpServer(Channel channel, EventLoopGroup group, Path directory, HftpTransport transport) {
        this.channel = channel;
        this.group = group;
        this.directory = directory;
        this.transport = transport;
    }

    /** The address the server listens on, with the port actually bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The port actually bound, also when port 0 was asked for. */
    public int port() {
        return localAddress().getPort();
    }

    /** The served directory, with links resolved. */
    public Path directory() {
        return directory;
    }

    /** The socket layer in use. */
    public HftpTransport transport() {
        return transport;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Stops listening, closes every connection and releases the threads; returns when done. Calling it
     * again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitClose();
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Waits until the server is closed (by {@link #close()} from another thread, e.g. a shutdown hook). */
    public void awaitClose() {
        channel.closeFuture().syncUninterruptibly();
        group.terminationFuture().syncUninterruptibly();
    }
}
