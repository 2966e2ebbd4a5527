package dev.hftp.server;

import dev.hftp.server.proxy.ProxyProtocolPeers;

import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * <p>A bootstrap is a mutable builder, not thread-safe; it may start several servers. Every limit has a safe
 * default; the values are checked together when the {@link HftpServerConfig} is built ({@link #config()},
 * {@link #start()}), where the defaults and the rules live.
 */
public final class HftpServerBootstrap {

    // Read by HftpServerConfig, which checks them all when it is built.
    Path directory = HftpServerConfig.DEFAULT_DIRECTORY;
    String address = HftpServerConfig.DEFAULT_ADDRESS;
    int port = HftpServerConfig.DEFAULT_PORT;
    int maxLineLength = HftpServerConfig.DEFAULT_MAX_LINE_LENGTH;
    int chunkSize = HftpServerConfig.DEFAULT_CHUNK_SIZE;
    int maxConnections = HftpServerConfig.DEFAULT_MAX_CONNECTIONS;
    Duration idleTimeout = HftpServerConfig.DEFAULT_IDLE_TIMEOUT;
    int writeBufferHighWaterMark = HftpServerConfig.DEFAULT_WRITE_BUFFER_HIGH;
    /** 0: half the JVM's direct memory. */
    long memoryBudget;
    Duration fileTimeout = HftpServerConfig.DEFAULT_FILE_TIMEOUT;
    Duration shutdownGrace = HftpServerConfig.DEFAULT_SHUTDOWN_GRACE;
    int ioThreads;
    /** Null: the best available. */
    HftpTransport transport;
    /** Null: no metrics. */
    Integer metricsPort;
    String metricsAddress = HftpServerConfig.DEFAULT_METRICS_ADDRESS;
    Path tlsCertChain;
    Path tlsKey;
    SslContext sslContext;
    Duration tlsHandshakeTimeout = HftpServerConfig.DEFAULT_TLS_HANDSHAKE_TIMEOUT;
    boolean proxyProtocol;
    /** Null: any peer may send the header (allowed only on a loopback address). */
    ProxyProtocolPeers proxyProtocolFrom;

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
        this.port = port;
        return this;
    }

    /** The longest request line buffered (default 64 KiB); longer ones are answered without buffering. */
    public HftpServerBootstrap maxLineLength(int maxLineLength) {
        this.maxLineLength = maxLineLength;
        return this;
    }

    /** Bytes of file read per base64 chunk (default 48 KiB); a multiple of 3. */
    public HftpServerBootstrap chunkSize(int chunkSize) {
        this.chunkSize = chunkSize;
        return this;
    }

    /**
     * Connections open at once (default 10,000); one more is accepted and closed at once, logged at WARN. Fewer
     * are served if the JVM's direct memory cannot hold that many (see {@link #memoryBudget(long)}).
     */
    public HftpServerBootstrap maxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
        return this;
    }

    /** Closes a connection with no traffic either way for this long (default 5 minutes); zero never does. */
    public HftpServerBootstrap idleTimeout(Duration idleTimeout) {
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
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
        return this;
    }

    /**
     * Bytes queued for one client (default 256 KiB) beyond which the server stops reading its requests and
     * stops reading files for it, until half of that has been sent.
     */
    public HftpServerBootstrap writeBufferHighWaterMark(int bytes) {
        this.writeBufferHighWaterMark = bytes;
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
        this.memoryBudget = bytes;
        return this;
    }

    /**
     * How long a file call (opening a file, listing the directory, following a link) may take (default 5 s):
     * those run on file threads, never on an event loop; one that takes longer is answered {@code 199} and its
     * connection closed, and its thread is replaced.
     */
    public HftpServerBootstrap fileTimeout(Duration fileTimeout) {
        this.fileTimeout = Objects.requireNonNull(fileTimeout, "fileTimeout");
        return this;
    }

    /**
     * How long {@link HftpServer#close()} lets transfers in flight finish (default 10 s); it returns at the
     * latest {@link HftpServer#FORCED_CLOSE_TIMEOUT} after that, even with an event loop stuck.
     */
    public HftpServerBootstrap shutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        return this;
    }

    /** The number of event-loop threads (default 0: Netty's default, twice the cores). */
    public HftpServerBootstrap ioThreads(int ioThreads) {
        this.ioThreads = ioThreads;
        return this;
    }

    /** The socket layer (default: the best available, see {@link HftpTransport#best()}). */
    public HftpServerBootstrap transport(HftpTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
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
     * see {@link HftpServer#metricsAddress()}. It listens on loopback ({@value HftpServerConfig#DEFAULT_METRICS_ADDRESS}) unless
     * {@link #metricsAddress(String)} says otherwise.
     */
    public HftpServerBootstrap metricsPort(int port) {
        this.metricsPort = port;
        return this;
    }

    /**
     * The address of the metrics endpoint (default {@value HftpServerConfig#DEFAULT_METRICS_ADDRESS}), e.g. a private one for a
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
     * takes effect when the server is started again. Both go together ({@link #config()} refuses one alone).
     */
    public HftpServerBootstrap tls(Path certChainPem, Path keyPem) {
        this.tlsCertChain = certChainPem;
        this.tlsKey = keyPem;
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
        this.tlsHandshakeTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * These settings, checked: the first problem found is thrown, naming the setting.
     *
     * @throws InvalidSettingException if a value is out of its range, the TLS files are not given together, the
     *         memory budget is not below the JVM's direct memory, or the PROXY protocol is on without
     *         {@link #proxyProtocolFrom} on an address other than loopback (or the list is set with it off)
     */
    public HftpServerConfig config() {
        return new HftpServerConfig(this);
    }

    /**
     * Checks the settings ({@link #config()}), binds, and returns the running server once it is listening.
     *
     * @throws InvalidSettingException as {@link #config()}
     * @throws java.nio.file.NoSuchFileException if the directory does not exist
     * @throws java.nio.file.NotDirectoryException if it is not a directory
     * @throws java.net.BindException if the address cannot be bound (e.g. the port is in use)
     * @throws IOException {@code cannot load TLS key FILE: ...} (or certificate) if a TLS file is missing,
     *         unreadable, of an unsupported format, or the key is not the certificate's
     */
    public HftpServer start() throws IOException {
        return ServerStart.start(config());
    }

    /**
     * Checks what {@link #start()} would, short of listening: the settings, the directory and the TLS files
     * (what {@code hftp-server --print-config} does before it says the configuration is good).
     *
     * @throws InvalidSettingException as {@link #config()}
     * @throws IOException as {@link #start()}, except a port in use, which only binding shows
     */
    public HftpServerConfig check() throws IOException {
        HftpServerConfig config = config();
        ServerStart.check(config);
        return config;
    }
}
