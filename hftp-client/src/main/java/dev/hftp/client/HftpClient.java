package dev.hftp.client;

import dev.hftp.codec.HftpClientCodec;
import dev.hftp.codec.HftpFileNames;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpWire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import javax.net.ssl.SSLHandshakeException;

/**
 * A connection to an HFTP server. Requests are pipelined: each method sends its request at once and returns
 * a future completed by its reply, in the order sent. A reply with an error status completes the future
 * exceptionally with {@link dev.hftp.codec.HftpException} carrying that status; a lost connection with an
 * {@link IOException}. Slices are streamed to their destination as they arrive, never held whole in memory.
 *
 * <p>Thread-safe. Connections share a small pool of daemon I/O threads; a slice's destination is written on
 * its connection's I/O thread.
 */
public final class HftpClient implements AutoCloseable {

    /** The port of {@code hftp-server} when none is given. */
    public static final int DEFAULT_PORT = HftpWire.DEFAULT_PORT;

    private static final long QUIT_TIMEOUT_MILLIS = 5_000;

    /**
     * How long to wait for a connection, and for a server that owes a reply to send anything: a server that
     * accepts and then says nothing fails the calls waiting on it ({@link ReplyTimeoutException}) instead of
     * holding them for ever. A slow transfer is not silent: any byte of a reply restarts the wait.
     */
    public record Timeouts(Duration connect, Duration reply) {
        /** 10 s to connect, 30 s of silence while a reply is owed. */
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30));

        public Timeouts {
            if (connect.isNegative() || connect.isZero() || reply.isNegative() || reply.isZero()) {
                throw new IllegalArgumentException("timeouts: " + connect + ", " + reply + " (expected: > 0)");
            }
        }
    }

    /** Daemon threads: an application that forgets to close a client can still exit. */
    private static final class Shared {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("hftp-client", true), NioIoHandler.newFactory());

        static {
            sharedStarted = true;
        }
    }

    /**
     * Readies, on a thread of its own, what a first connection needs: the shared event loops and Netty's channel and
     * buffer classes, whose loading and initialisation are most of a connection's cost in a fresh JVM. A short-lived
     * program calls it first and does its own start-up (parsing its arguments) meanwhile; {@link #connect} waits for
     * nothing but what it still needs.
     */
    public static void prepareInBackground() {
        Thread prepare = new Thread(() -> {
            try {
                Shared.GROUP.next();
                NioSocketChannel channel = new NioSocketChannel();
                channel.config().getAllocator().buffer(1).release();
                channel.unsafe().closeForcibly();
            } catch (RuntimeException | LinkageError e) {
                // Only a head start: the connection itself meets the same failure and reports it.
            }
        }, "hftp-client-prepare");
        prepare.setDaemon(true);
        prepare.start();
    }

    /** Whether {@link Shared} has started its threads: stopping them must not start them. */
    private static volatile boolean sharedStarted;

    /**
     * Stops the event-loop threads that all clients share, if a client started them, waiting at most {@code
     * timeout} for them to end; no client can connect afterwards. For a program about to exit: the JVM's exit
     * waits up to 300 ms for threads blocked in a native call, as these are in {@code epoll_wait} between events
     * (measured: a third of {@code hftp stat}'s time).
     */
    public static void shutdownSharedThreads(Duration timeout) {
        if (sharedStarted) {
            Shared.GROUP.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private final Channel channel;
    private final HftpClientHandler handler;

    private HftpClient(Channel channel, HftpClientHandler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    /** Connects to {@code host:port} in plaintext; blocks until connected or failed. */
    public static HftpClient connect(String host, int port) throws IOException {
        return connect(host, port, null);
    }

    /**
     * Connects to {@code host:port} over TLS with {@code tls} (plaintext if null); blocks until the handshake is
     * done or failed.
     *
     * @throws ConnectException if the server cannot be reached
     * @throws SSLHandshakeException if the TLS handshake fails, with the reason in its message: the certificate
     *         is not trusted or names another host, the server does not speak TLS, or it did not answer in time
     */
    public static HftpClient connect(String host, int port, HftpClientTls tls) throws IOException {
        return connect(host, port, tls, Timeouts.DEFAULT);
    }

    /**
     * {@link #connect(String, int, HftpClientTls)} with {@code timeouts}.
     *
     * @throws java.net.SocketTimeoutException (a {@link ConnectException}'s cause) if no connection came in time
     */
    public static HftpClient connect(String host, int port, HftpClientTls tls, Timeouts timeouts)
            throws IOException {
        Objects.requireNonNull(host, "host");
        HftpClientHandler handler = new HftpClientHandler(timeouts.reply());
        // Kept here, not looked up in the pipeline later: a server that closes at once empties the pipeline.
        AtomicReference<SslHandler> ssl = new AtomicReference<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(Shared.GROUP)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        timeouts.connect().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ssl.set(tls.newHandler(ch.alloc(), host, port));
                            ch.pipeline().addLast("ssl", ssl.get());
                        }
                        ch.pipeline().addLast("codec", new HftpClientCodec());
                        ch.pipeline().addLast("handler", handler);
                    }
                });
        ChannelFuture connect = bootstrap.connect(host, port).awaitUninterruptibly();
        if (!connect.isSuccess()) {
            Throwable cause = connect.cause();
            if (cause instanceof IOException io) {
                ConnectException failed = new ConnectException(host + ":" + port + ": " + io.getMessage());
                failed.initCause(io);
                throw failed;
            }
            throw new IOException("cannot connect to " + host + ":" + port, cause);
        }
        Channel channel = connect.channel();
        if (tls != null) {
            awaitHandshake(channel, ssl.get(), host, port);
        }
        return new HftpClient(channel, handler);
    }

    /** Waits for the handshake, bounded by the SslHandler's own timeout (10 s); on failure closes and throws. */
    private static void awaitHandshake(Channel channel, SslHandler ssl, String host, int port)
            throws SSLHandshakeException {
        Future<Channel> handshake = ssl.handshakeFuture().awaitUninterruptibly();
        if (handshake.isSuccess()) {
            return;
        }
        channel.close().awaitUninterruptibly();
        SSLHandshakeException failed = new SSLHandshakeException("TLS handshake with " + host + ":" + port
                + " failed: " + HandshakeFailure.describe(handshake.cause()));
        failed.initCause(handshake.cause());
        throw failed;
    }

    /** The names of the served files ({@code get_file_listing}). */
    public CompletableFuture<List<String>> list() {
        HftpClientHandler.ValueCall<?, List<String>> call = HftpClientHandler.ValueCall.names();
        handler.send(channel, HftpRequest.GET_FILE_LISTING, call);
        return call.result();
    }

    /** The size in bytes of the file {@code name} ({@code get_metadata}). */
    public CompletableFuture<Long> size(String name) {
        HftpClientHandler.ValueCall<?, Long> call = HftpClientHandler.ValueCall.size();
        handler.send(channel, new HftpRequest.GetMetadata(checkName(name)), call);
        return call.result();
    }

    /**
     * Streams {@code size} bytes of {@code name} from {@code offset} into {@code out} ({@code get_slice}, with
     * {@code raw} the server's raw form, else base64 decoded here); completes with the number of bytes written.
     * {@code progress} (may be null) receives each increment, on the connection's I/O thread.
     */
    public CompletableFuture<Long> slice(String name, long offset, long size, WritableByteChannel out, boolean raw,
                                         LongConsumer progress) {
        Objects.requireNonNull(out, "out");
        HftpClientHandler.SliceCall call = new HftpClientHandler.SliceCall(size, out, progress);
        handler.send(channel, new HftpRequest.GetSlice(checkName(name), offset, size, raw), call);
        return call.result();
    }

    /** {@link #slice(String, long, long, WritableByteChannel, boolean, LongConsumer)} into a new file. */
    public CompletableFuture<Long> slice(String name, long offset, long size, Path file, boolean raw) {
        FileChannel out;
        try {
            out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return slice(name, offset, size, out, raw, null).whenComplete((n, e) -> {
            try {
                out.close();
            } catch (IOException ignored) {
                // The outcome is already decided; a failed close of a written file shows in its content.
            }
        });
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Sends {@code quit} if the connection is open, waits briefly for the server to close, and closes. */
    @Override
    public void close() {
        if (channel.isActive()) {
            HftpClientHandler.QuitCall call = new HftpClientHandler.QuitCall();
            handler.send(channel, HftpRequest.QUIT, call);
            channel.closeFuture().awaitUninterruptibly(QUIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        channel.close().awaitUninterruptibly();
    }

    /** A name is checked here: one the server cannot take would be a request line of another meaning. */
    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!HftpFileNames.isValid(name)) {
            throw new IllegalArgumentException("not an HFTP file name: " + name);
        }
        return name;
    }
}
