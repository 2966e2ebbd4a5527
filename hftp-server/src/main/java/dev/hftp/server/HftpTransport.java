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

    /**
     * The transport a server runs on unless told otherwise: NIO. On the benchmarks of docs/BENCHMARKS.md it
     * serves as fast as epoll (io_uring was slower), and it is correct where Netty 4.2.18's epoll is not: when
     * a client half-closes while a slice is being sent, epoll can drop the socket from its interest set
     * (epoll_ctl DEL once no event is wanted, then MOD fails with ENOENT) and the reply is cut short
     * (HalfCloseIT shows it). Epoll and io_uring stay available through
     * {@link HftpServerBootstrap#transport(HftpTransport)} and {@code --transport}.
     */
    public static HftpTransport best() {
        return NIO;
    }
}
