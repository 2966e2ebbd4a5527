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
import dev.hftp.server.proxy.ProxyProtocolPeers;
import dev.hftp.server.tls.TlsFiles;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpWire;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

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
 * <p>A bootstrap is a mutable builder, not thread-safe; it may start several servers. Every limit has a
 * safe default.
 */
public final class HftpServerBootstrap {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpServerBootstrap.class);

    /** The port of the protocol, 19500. */
    public static final int DEFAULT_PORT = HftpWire.DEFAULT_PORT;
    /** Every interface. */
    public static final String DEFAULT_ADDRESS = "0.0.0.0";
    /**
     * Loopback only, whatever the HFTP address: the metrics endpoint has no authentication, so exposing it is
     * a choice ({@link #metricsAddress(String)}).
     */
    public static final String DEFAULT_METRICS_ADDRESS = "127.0.0.1";
    /** {@code testdata}, relative to the working directory. */
    public static final Path DEFAULT_DIRECTORY = Path.of("testdata");
    /** Connections open at once beyond which new ones are closed at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** A connection with no traffic either way for this long is closed. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Bytes queued for a client beyond which the server stops reading from it (and streaming to it). */
    public static final int DEFAULT_WRITE_BUFFER_HIGH = 256 * 1024;
    /** A file call (open, listing) that takes longer is answered 199 and its connection closed. */
    public static final Duration DEFAULT_FILE_TIMEOUT = Duration.ofSeconds(5);
    /** Threads left to file calls that outlived their timeout, beyond which file requests get 199 at once. */
    static final int MAX_STUCK_FILE_CALLS = 32;
    /** How long {@link HftpServer#close()} lets transfers in flight finish. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

    /** How long a client has to complete its TLS handshake (Netty's default, 10 s). */
    public static final Duration DEFAULT_TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private Path directory = DEFAULT_DIRECTORY;
    private String address = DEFAULT_ADDRESS;
    private int port = DEFAULT_PORT;
    private int maxLineLength = HftpLineDecoder.DEFAULT_MAX_LINE_LENGTH;
    private int chunkSize = Base64ChunkedInput.DEFAULT_CHUNK_SIZE;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int writeBufferHigh = DEFAULT_WRITE_BUFFER_HIGH;
    /** 0: half the JVM's direct memory. */
    private long memoryBudget;
    private Duration fileTimeout = DEFAULT_FILE_TIMEOUT;
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
    private int ioThreads;
    private HftpTransport transport;
    /** Null: no metrics. */
    private Integer metricsPort;
    private String metricsAddress = DEFAULT_METRICS_ADDRESS;
    private Path tlsCertChain;
    private Path tlsKey;
    private SslContext sslContext;
    private Duration tlsHandshakeTimeout = DEFAULT_TLS_HANDSHAKE_TIMEOUT;
    private boolean proxyProtocol;
    /** Null: any peer may send the header (allowed only on a loopback address). */
    private ProxyProtocolPeers proxyProtocolFrom;

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

    /**
     * Connections open at once (default 10,000); one more is accepted and closed at once, logged at WARN. Fewer
     * are served if the JVM's direct memory cannot hold that many (see {@link #memoryBudget(long)}).
     */
    public HftpServerBootstrap maxConnections(int maxConnections) {
        this.maxConnections = ObjectUtil.checkPositive(maxConnections, "maxConnections");
        return this;
    }

    /** Closes a connection with no traffic either way for this long (default 5 minutes); zero never does. */
    public HftpServerBootstrap idleTimeout(Duration idleTimeout) {
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: >= 0)");
        }
        this.idleTimeout = idleTimeout;
        return this;
    }

    /**
     * Accepted and ignored, for the applications that set it: requests are now read one at a time, when the
     * connection can take them, so none is decoded ahead of a transfer beyond one socket read.
     *
     * @deprecated no longer has an effect
     */
    @Deprecated
    public HftpServerBootstrap maxPendingRequests(int maxPendingRequests) {
        ObjectUtil.checkPositive(maxPendingRequests, "maxPendingRequests");
        return this;
    }

    /**
     * Bytes queued for one client (default 256 KiB) beyond which the server stops reading its requests and
     * stops reading files for it, until half of that has been sent.
     */
    public HftpServerBootstrap writeBufferHighWaterMark(int bytes) {
        this.writeBufferHigh = ObjectUtil.checkPositive(bytes, "writeBufferHighWaterMark");
        return this;
    }

    /**
     * The bytes all connections together may hold buffered: replies queued for clients and unfinished request
     * lines (default 0: half the JVM's direct memory, {@code -XX:MaxDirectMemorySize} or else the heap's maximum).
     * Past half of it, transfers keep one chunk in flight and connections holding a long unfinished line are not
     * read; at it, new connections are refused. It must leave direct memory free for the connections' floors:
     * at most {@code maxConnections} connections are open, and never more than the free part holds (about
     * 180 KiB each, see docs/RELIABILITY.md).
     */
    public HftpServerBootstrap memoryBudget(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memoryBudget: " + bytes + " (expected: >= 0, 0 for the default)");
        }
        this.memoryBudget = bytes;
        return this;
    }

    /**
     * How long a file call (opening a file, listing the directory, following a link) may take (default 5 s):
     * those run on file threads, never on an event loop; one that takes longer is answered {@code 199} and its
     * connection closed, and its thread is replaced.
     */
    public HftpServerBootstrap fileTimeout(Duration fileTimeout) {
        if (fileTimeout.isNegative() || fileTimeout.isZero()) {
            throw new IllegalArgumentException("fileTimeout: " + fileTimeout + " (expected: > 0)");
        }
        this.fileTimeout = fileTimeout;
        return this;
    }

    /**
     * How long {@link HftpServer#close()} lets transfers in flight finish (default 10 s); it returns at the
     * latest {@link HftpServer#FORCED_CLOSE_TIMEOUT} after that, even with an event loop stuck.
     */
    public HftpServerBootstrap shutdownGrace(Duration shutdownGrace) {
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace: " + shutdownGrace + " (expected: >= 0)");
        }
        this.shutdownGrace = shutdownGrace;
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
     * Expects every connection to start with a PROXY protocol header (v1 or v2), as HAProxy sends with
     * {@code send-proxy}, and logs the client address it gives instead of the balancer's (default: off).
     * Connections without a valid header are closed unanswered. A header chooses the address the logs show, so
     * name the balancers with {@link #proxyProtocolFrom}: without it, {@link #start()} refuses unless the server
     * listens on a loopback address only.
     */
    public HftpServerBootstrap proxyProtocol(boolean proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
        return this;
    }

    /**
     * The peers allowed to connect when {@link #proxyProtocol(boolean) the PROXY protocol} is on: the balancers,
     * each an IPv4 or IPv6 address or CIDR block ({@code 10.0.0.0/8}, {@code 192.0.2.7},
     * {@code 2001:db8::/32}); host names are refused. A connection from any other peer is closed at once, before
     * its header is read (logged at DEBUG). Required with the PROXY protocol unless the server listens on a
     * loopback address only.
     *
     * @throws IllegalArgumentException if none is given, or one is not an IP address or CIDR block
     */
    public HftpServerBootstrap proxyProtocolFrom(String... blocks) {
        this.proxyProtocolFrom = ProxyProtocolPeers.of(List.of(blocks));
        return this;
    }

    /** The same, already parsed (the command line's). */
    public HftpServerBootstrap proxyProtocolFrom(ProxyProtocolPeers peers) {
        this.proxyProtocolFrom = Objects.requireNonNull(peers, "peers");
        return this;
    }

    /**
     * Exports Prometheus metrics at {@code http://ADDRESS:PORT/metrics} (default: none); 0 picks a free port,
     * see {@link HftpServer#metricsAddress()}. It listens on loopback ({@value #DEFAULT_METRICS_ADDRESS}) unless
     * {@link #metricsAddress(String)} says otherwise.
     */
    public HftpServerBootstrap metricsPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("metricsPort: " + port + " (expected: 0-65535)");
        }
        this.metricsPort = port;
        return this;
    }

    /**
     * The address of the metrics endpoint (default {@value #DEFAULT_METRICS_ADDRESS}), e.g. a private one for a
     * Prometheus on another host, or {@code 0.0.0.0} for every interface.
     */
    public HftpServerBootstrap metricsAddress(String address) {
        this.metricsAddress = Objects.requireNonNull(address, "metricsAddress");
        return this;
    }

    /**
     * Serves TLS only (from the first byte: plaintext clients are refused) with the certificate chain of
     * {@code certChainPem} (the server's certificate first, then its intermediates) and the unencrypted PKCS#8
     * key of {@code keyPem}; TLS 1.3 and 1.2. The files are read by {@link #start()}: a renewed certificate
     * takes effect when the server is started again.
     */
    public HftpServerBootstrap tls(Path certChainPem, Path keyPem) {
        this.tlsCertChain = Objects.requireNonNull(certChainPem, "certChainPem");
        this.tlsKey = Objects.requireNonNull(keyPem, "keyPem");
        this.sslContext = null;
        return this;
    }

    /** Serves TLS only, with a server context the application built (its own key store, provider, ciphers). */
    public HftpServerBootstrap tls(SslContext serverContext) {
        Objects.requireNonNull(serverContext, "serverContext");
        if (!serverContext.isServer()) {
            throw new IllegalArgumentException(
                    "serverContext: a client context (expected: SslContextBuilder.forServer)");
        }
        this.sslContext = serverContext;
        this.tlsCertChain = null;
        this.tlsKey = null;
        return this;
    }

    /** How long a TLS client has to complete its handshake before it is closed (default 10 s); zero never. */
    public HftpServerBootstrap tlsHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("tlsHandshakeTimeout: " + timeout + " (expected: >= 0)");
        }
        this.tlsHandshakeTimeout = timeout;
        return this;
    }

    /**
     * Binds and returns the running server once it is listening.
     *
     * @throws java.nio.file.NoSuchFileException if the directory does not exist
     * @throws java.nio.file.NotDirectoryException if it is not a directory
     * @throws BindException if the address cannot be bound (e.g. the port is in use)
     * @throws IOException {@code cannot load TLS key FILE: ...} (or certificate) if a TLS file is missing,
     *         unreadable, of an unsupported format, or the key is not the certificate's
     * @throws IllegalStateException if the PROXY protocol is on without {@link #proxyProtocolFrom} on an
     *         address other than loopback, or {@code proxyProtocolFrom} is set with the protocol off
     * @throws IllegalArgumentException if the memory budget is not below the JVM's direct memory
     */
    public HftpServer start() throws IOException {
        InetSocketAddress listen = new InetSocketAddress(address, port);
        checkProxyProtocol(listen);
        MemoryBudget budget = budget();
        int connectionLimit = connectionLimit(budget);
        FileStore store = new FileStore(directory);
        HftpServerInitializer.Tls tls = tls();
        FileCalls files = new FileCalls(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), fileTimeout,
                MAX_STUCK_FILE_CALLS);
        HftpTransport chosen = transport != null ? transport : HftpTransport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, chosen.ioHandlerFactory());
        ChannelGroup channels = new DefaultChannelGroup("hftp-connections", GlobalEventExecutor.INSTANCE);
        ConnectionAdmission admission = new ConnectionAdmission(connectionLimit, budget);
        HftpConnectionHandler connections = new HftpConnectionHandler(channels);
        HftpServerInitializer.Limits limits = new HftpServerInitializer.Limits(maxLineLength, chunkSize, idleTimeout.toMillis());
        ServerMetrics metrics = metricsPort == null ? null : new ServerMetrics(admission);
        if (metrics != null) {
            metrics.watch(budget);
        }
        MetricsEndpoint endpoint = null;
        boolean started = false;
        try {
            if (metrics != null) {
                endpoint = MetricsEndpoint.start(metricsAddress, metricsPort, metrics);
            }
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(chosen.serverChannelClass())
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
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                            new AdaptiveRecvByteBufAllocator(64, 2048, MemoryBudget.MAX_READ))
                    // A client's FIN ends its requests, not its replies (HftpHandler closes after them).
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(writeBufferHigh / 2, writeBufferHigh))
                    .childHandler(new HftpServerInitializer(store, files, connections, limits, tls, metrics,
                            proxyProtocol, proxyProtocolFrom, budget));
            ChannelFuture bind = bootstrap.bind(listen).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                throw cannotListen(bind.cause());
            }
            started = true;
            return new HftpServer(bind.channel(), group, channels, admission, store, files, chosen, shutdownGrace,
                    tls != null, endpoint);
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

    private MemoryBudget budget() {
        long direct = MemoryBudget.maxDirectMemory();
        if (memoryBudget >= direct) {
            throw new IllegalArgumentException("a memory budget of " + memoryBudget + " bytes is not below the "
                    + "JVM's direct memory (" + direct + " bytes): lower it, or raise -XX:MaxDirectMemorySize (or -Xmx)");
        }
        return new MemoryBudget(memoryBudget > 0 ? memoryBudget : MemoryBudget.defaultLimit());
    }

    /**
     * {@code maxConnections}, or fewer if the direct memory the budget leaves free cannot hold that many
     * connections' floors: refusing a connection is better than failing them all with OutOfMemoryError.
     */
    private int connectionLimit(MemoryBudget budget) {
        int fit = MemoryBudget.connectionsThatFit(budget.limit(), chunkSize);
        if (fit >= maxConnections) {
            return maxConnections;
        }
        String message = "at most {} connections are served, not {}: each may need {} KiB of direct memory beside "
                + "the memory budget of {} MiB, and the JVM has {} MiB; raise -XX:MaxDirectMemorySize (or -Xmx) to "
                + "serve more";
        Object[] figures = {fit, maxConnections, MemoryBudget.connectionFloor(chunkSize) / 1024, budget.limit() >> 20,
                MemoryBudget.maxDirectMemory() >> 20};
        if (maxConnections == DEFAULT_MAX_CONNECTIONS) {
            // The default on a small JVM: worth knowing, not a mistake.
            logger.info(message, figures);
        } else {
            logger.warn(message, figures);
        }
        return fit;
    }

    /**
     * Refuses the PROXY protocol where a client could use it to choose the address the logs show: on an address
     * other clients can reach, without the list of balancers; and a list of balancers without the protocol.
     */
    private void checkProxyProtocol(InetSocketAddress listen) {
        if (proxyProtocolFrom != null && !proxyProtocol) {
            throw new IllegalStateException("proxyProtocolFrom(" + proxyProtocolFrom + ") is set but the PROXY "
                    + "protocol is off: call proxyProtocol(true), or drop the list");
        }
        if (proxyProtocol && proxyProtocolFrom == null && !isLoopback(listen)) {
            throw new IllegalStateException("proxyProtocol(true) on " + address + " would let any client that "
                    + "reaches the port choose the address the logs show: name the balancers with "
                    + "proxyProtocolFrom(CIDR...), or listen on a loopback address only");
        }
    }

    /** Whether {@code address} (a host name or IP literal) is a loopback address, reachable from this host only. */
    public static boolean isLoopback(String address) {
        return isLoopback(new InetSocketAddress(address, 0));
    }

    private static boolean isLoopback(InetSocketAddress address) {
        // An unresolved name is not known to be loopback; the bind would fail on it anyway.
        return !address.isUnresolved() && address.getAddress().isLoopbackAddress();
    }

    /** The TLS of the connections, loaded from the files now; null for plaintext. */
    private HftpServerInitializer.Tls tls() throws IOException {
        SslContext context = sslContext;
        if (context == null && tlsCertChain != null) {
            context = TlsFiles.serverContext(tlsCertChain, tlsKey);
        }
        return context == null ? null : new HftpServerInitializer.Tls(context, tlsHandshakeTimeout.toMillis());
    }

    /** A failed bind as a {@link BindException}, as Java's own sockets report it; native transports do not. */
    private IOException cannotListen(Throwable cause) {
        String message = "cannot listen on " + address + ":" + port + ": " + cause.getMessage();
        IOException e = cause instanceof IOException ? new BindException(message) : new IOException(message);
        e.initCause(cause);
        return e;
    }
}
