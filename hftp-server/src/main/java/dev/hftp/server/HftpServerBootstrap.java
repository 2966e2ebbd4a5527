package dev.hftp.server;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.HftpLineDecoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.internal.ObjectUtil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Configures and starts an HFTP server; the entry point for embedding one in an application.
 *
 * <pre>{@code
 * try (HftpServer server = new HftpServerBootstrap()
 *         .directory(Path.of("files"))
 *         .address("127.0.0.1")
 *         .port(0)
 *         .start()) {
 *     System.out.println("listening on " + server.port());
 * }
 * }</pre>
 *
 * <p>A bootstrap is a mutable builder, not thread-safe; it may start several servers.
 */
public final class HftpServerBootstrap {

    /** The port of the protocol, 19500. */
    public static final int DEFAULT_PORT = 19500;
    /** Every interface. */
    public static final String DEFAULT_ADDRESS = "0.0.0.0";
    /** {@code testdata}, relative to the working directory. */
    public static final Path DEFAULT_DIRECTORY = Path.of("testdata");

    private Path directory = DEFAULT_DIRECTORY;
    private String address = DEFAULT_ADDRESS;
    private int port = DEFAULT_PORT;
    private int maxLineLength = HftpLineDecoder.DEFAULT_MAX_LINE_LENGTH;
    private int chunkSize = Base64ChunkedInput.DEFAULT_CHUNK_SIZE;
    private int ioThreads;
    private HftpTransport transport;

    /** The directory to serve (default {@code testdata}); it must exist when the server starts. */
    public HftpServerBootstrap directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** The address to listen on, a host name or IP literal (default {@code 0.0.0.0}). */
    public HftpServerBootstrap address(String address) {
        this.address = Objects.requireNonNull(address, "address");
        return this;
    }

    /** The TCP port to listen on (default 19500); 0 picks a free port, see {@link HftpServer#port()}. */
    public HftpServerBootstrap port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
        this.port = port;
        return this;
    }

    /** The longest request line buffered (default 64 KiB); longer ones are answered without buffering. */
    public HftpServerBootstrap maxLineLength(int maxLineLength) {
        this.maxLineLength = ObjectUtil.checkPositive(maxLineLength, "maxLineLength");
        return this;
    }

    /** Bytes of file read per base64 chunk (default 48 KiB); a multiple of 3. */
    public HftpServerBootstrap chunkSize(int chunkSize) {
        ObjectUtil.checkPositive(chunkSize, "chunkSize");
        if (chunkSize % 3 != 0) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: a multiple of 3)");
        }
        this.chunkSize = chunkSize;
        return this;
    }

    /** The number of event-loop threads (default 0: Netty's default, twice the cores). */
    public HftpServerBootstrap ioThreads(int ioThreads) {
        this.ioThreads = ObjectUtil.checkPositiveOrZero(ioThreads, "ioThreads");
        return this;
    }

    /** The socket layer (default: the best available, see {@link HftpTransport#best()}). */
    public HftpServerBootstrap transport(HftpTransport transport) {
        if (!transport.isAvailable()) {
            throw new IllegalArgumentException("transport: " + transport + " (not available here)");
        }
        this.transport = transport;
        return this;
    }

    /**
     * Binds and returns the running server once it is listening.
     *
     * @throws java.nio.file.NoSuchFileException if the directory does not exist
     * @throws java.nio.file.NotDirectoryException if it is not a directory
     * @throws java.net.BindException if the address cannot be bound (e.g. the port is in use)
     */
    public HftpServer start() throws IOException {
        FileStore store = new FileStore(directory);
        HftpTransport chosen = transport != null ? transport : HftpTransport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, chosen.ioHandlerFactory());
        boolean started = false;
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(chosen.serverChannelClass())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new HftpServerInitializer(store, maxLineLength, chunkSize));
            ChannelFuture bind = bootstrap.bind(new InetSocketAddress(address, port)).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                throw asIOException(bind.cause());
            }
            Channel channel = bind.channel();
            started = true;
            return new HftpServer(channel, group, store.root(), chosen);
        } finally {
            if (!started) {
                group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    private IOException asIOException(Throwable cause) {
        if (cause instanceof IOException io) {
            String message = "cannot listen on " + address + ":" + port + ": " + cause.getMessage();
            if (cause instanceof java.net.BindException) {
                java.net.BindException bind = new java.net.BindException(message);
                bind.initCause(cause);
                return bind;
            }
            return new IOException(message, io);
        }
        return new IOException("cannot listen on " + address + ":" + port, cause);
    }
}
