package dev.hftp.server;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.metrics.MetricsEndpoint;
import dev.hftp.server.metrics.ServerMetrics;
import dev.hftp.server.pipeline.AcceptFailureHandler;
import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.HftpConnectionHandler;
import dev.hftp.server.pipeline.HftpServerInitializer;
import dev.hftp.server.pipeline.MemoryBudget;
import dev.hftp.server.tls.TlsFiles;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Starts a server from its checked {@link HftpServerConfig}: the file store, the file threads, the event loops,
 * the admission on the listening channel, the metrics endpoint, and Netty's {@link ServerBootstrap} with the
 * options every connection gets; on a failure, whatever was started is stopped again.
 */
final class ServerStart {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpServerBootstrap.class);

    /** Threads left to file calls that outlived their timeout, beyond which file requests get 199 at once. */
    static final int MAX_STUCK_FILE_CALLS = 32;

    private ServerStart() {
    }

    /** Opens the directory and loads the TLS files as {@link #start} does, then lets them go. */
    static void check(HftpServerConfig config) throws IOException {
        new FileStore(config.directory()).close();
        tls(config);
    }

    static HftpServer start(HftpServerConfig config) throws IOException {
        InetSocketAddress listen = new InetSocketAddress(config.address(), config.port());
        MemoryBudget budget = new MemoryBudget(config.memoryBudget());
        ConnectionAdmission admission = ConnectionAdmission.limiting(connectionLimit(config, budget), budget);
        FileStore store = new FileStore(config.directory());
        HftpServerInitializer.Tls tls = tls(config);
        FileCalls files = new FileCalls(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
                config.fileTimeout(), MAX_STUCK_FILE_CALLS);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                config.transport().ioHandlerFactory());
        ChannelGroup channels = new DefaultChannelGroup("hftp-connections", GlobalEventExecutor.INSTANCE);
        ServerMetrics metrics = config.metricsPort() == null ? null : new ServerMetrics(admission);
        if (metrics != null) {
            metrics.watch(budget);
        }
        MetricsEndpoint endpoint = null;
        boolean started = false;
        try {
            if (metrics != null) {
                endpoint = MetricsEndpoint.start(config.metricsAddress(), config.metricsPort(), metrics);
            }
            HftpServerInitializer.Limits limits = new HftpServerInitializer.Limits(config.maxLineLength(),
                    config.chunkSize(), config.idleTimeout().toMillis());
            ServerBootstrap bootstrap = serverBootstrap(config, group, admission)
                    .childHandler(new HftpServerInitializer(store, files, new HftpConnectionHandler(channels),
                            limits, tls, metrics, config.proxyProtocol(), config.proxyProtocolFrom(), budget));
            ChannelFuture bind = bootstrap.bind(listen).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                throw cannotListen(config, bind.cause());
            }
            started = true;
            return new HftpServer(bind.channel(), group, channels, admission, store, files, config.transport(),
                    config.shutdownGrace(), tls != null, endpoint);
        } finally {
            if (!started) {
                if (endpoint != null) {
                    endpoint.close();
                }
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
                files.close();
                store.close();
            }
        }
    }

    private static ServerBootstrap serverBootstrap(HftpServerConfig config, EventLoopGroup group,
                                                   ConnectionAdmission admission) {
        int high = config.writeBufferHighWaterMark();
        return new ServerBootstrap()
                .group(group)
                .channel(config.transport().serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Both before Netty's acceptor: a refused connection never gets a pipeline.
                .handler(new ChannelInitializer<ServerChannel>() {
                    @Override
                    protected void initChannel(ServerChannel server) {
                        server.pipeline().addLast("acceptFailures", new AcceptFailureHandler());
                        server.pipeline().addLast("admission", admission);
                    }
                })
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Netty 4.2's default (adaptive) allocator makes each framed request line a new slice object;
                // the pooled one recycles them, which halved the Java time per request (docs/BENCHMARKS.md).
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                // With auto-read off a read() takes one buffer of at most this: what the budget's floor counts.
                .childOption(ChannelOption.RECVBUF_ALLOCATOR,
                        new AdaptiveRecvByteBufAllocator(64, 2048, MemoryBudget.MAX_READ))
                // A client's FIN ends its requests, not its replies (HftpHandler closes after them).
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high));
    }

    /**
     * {@code maxConnections}, or fewer if the direct memory the budget leaves free cannot hold that many
     * connections' floors: refusing a connection is better than failing them all with OutOfMemoryError.
     */
    private static int connectionLimit(HftpServerConfig config, MemoryBudget budget) {
        int wanted = config.maxConnections();
        int fit = MemoryBudget.connectionsThatFit(budget.limit(), config.chunkSize());
        if (fit >= wanted) {
            return wanted;
        }
        String message = "at most {} connections are served, not {}: each may need {} KiB of direct memory beside "
                + "the memory budget of {} MiB, and the JVM has {} MiB; raise -XX:MaxDirectMemorySize (or -Xmx) to "
                + "serve more";
        Object[] figures = {fit, wanted, MemoryBudget.connectionFloor(config.chunkSize()) / 1024,
                budget.limit() >> 20, MemoryBudget.maxDirectMemory() >> 20};
        if (wanted == HftpServerConfig.DEFAULT_MAX_CONNECTIONS) {
            // The default on a small JVM: worth knowing, not a mistake.
            logger.info(message, figures);
        } else {
            logger.warn(message, figures);
        }
        return fit;
    }

    /** The TLS of the connections, loaded from the files now; null for plaintext. */
    private static HftpServerInitializer.Tls tls(HftpServerConfig config) throws IOException {
        SslContext context = config.sslContext();
        if (context == null && config.tlsCertChain() != null) {
            context = TlsFiles.serverContext(config.tlsCertChain(), config.tlsKey());
        }
        return context == null ? null
                : new HftpServerInitializer.Tls(context, config.tlsHandshakeTimeout().toMillis());
    }

    /** A failed bind as a {@link BindException}, as Java's own sockets report it; native transports do not. */
    private static IOException cannotListen(HftpServerConfig config, Throwable cause) {
        String message = "cannot listen on " + config.address() + ":" + config.port() + ": " + cause.getMessage();
        IOException e = cause instanceof IOException ? new BindException(message) : new IOException(message);
        e.initCause(cause);
        return e;
    }
}
