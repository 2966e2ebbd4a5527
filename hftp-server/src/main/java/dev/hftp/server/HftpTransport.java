package dev.hftp.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The socket layer the server runs on: Linux's native epoll or io_uring, or Java NIO anywhere.
 */
public enum HftpTransport {
    /** Linux epoll through Netty's native library; zero-copy {@code sendfile} for raw slices. */
    EPOLL(Epoll::isAvailable, EpollIoHandler::newFactory, EpollServerSocketChannel.class),
    /** Linux io_uring through Netty's native library (kernel 5.14 or later, when not blocked). */
    IO_URING(IoUring::isAvailable, IoUringIoHandler::newFactory, IoUringServerSocketChannel.class),
    /** Java NIO: every platform. */
    NIO(() -> true, NioIoHandler::newFactory, NioServerSocketChannel.class);

    // Suppliers, so that a transport's native library is loaded only if that transport is asked about.
    private final BooleanSupplier available;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannelClass;

    HftpTransport(BooleanSupplier available, Supplier<IoHandlerFactory> ioHandlerFactory,
                  Class<? extends ServerChannel> serverChannelClass) {
        this.available = available;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannelClass = serverChannelClass;
    }

    /** Whether this transport can run in this JVM on this machine. */
    public boolean isAvailable() {
        return available.getAsBoolean();
    }

    IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return serverChannelClass;
    }

    /** The preferred transport that is available here: epoll, else NIO. */
    public static HftpTransport best() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }
}
