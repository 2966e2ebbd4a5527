package dev.hftp.it.bench;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The socket layer of the load generator and of the limit server: the same choices as the HFTP server's. */
enum BenchTransport {
    EPOLL(Epoll::isAvailable, EpollIoHandler::newFactory, EpollSocketChannel.class, EpollServerSocketChannel.class),
    IO_URING(IoUring::isAvailable, IoUringIoHandler::newFactory, IoUringSocketChannel.class,
            IoUringServerSocketChannel.class),
    NIO(() -> true, NioIoHandler::newFactory, NioSocketChannel.class, NioServerSocketChannel.class);

    private final BooleanSupplier available;
    private final Supplier<IoHandlerFactory> factory;
    final Class<? extends SocketChannel> socketChannel;
    final Class<? extends ServerChannel> serverChannel;

    BenchTransport(BooleanSupplier available, Supplier<IoHandlerFactory> factory,
                   Class<? extends SocketChannel> socketChannel, Class<? extends ServerChannel> serverChannel) {
        this.available = available;
        this.factory = factory;
        this.socketChannel = socketChannel;
        this.serverChannel = serverChannel;
    }

    boolean isAvailable() {
        return available.getAsBoolean();
    }

    IoHandlerFactory ioHandlerFactory() {
        return factory.get();
    }

    /** The given transport, checked, or the best available (epoll, else NIO) when null. */
    static BenchTransport resolve(BenchTransport wanted) {
        if (wanted == null) {
            return EPOLL.isAvailable() ? EPOLL : NIO;
        }
        if (!wanted.isAvailable()) {
            throw new IllegalArgumentException("transport " + wanted + " is not available here");
        }
        return wanted;
    }
}
