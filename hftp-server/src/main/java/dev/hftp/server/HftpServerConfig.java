package dev.hftp.server;

import dev.hftp.server.pipeline.MemoryBudget;
import dev.hftp.server.proxy.ProxyProtocolPeers;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpWire;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one server, immutable and checked: the defaults and every rule about the values are here and
 * nowhere else. {@link HftpServerBootstrap} builds one ({@link HftpServerBootstrap#config()}) and starts the server
 * from it; the command line builds one through the bootstrap and reports a {@link InvalidSettingException} as a
 * usage error, in the words of its options.
 */
public final class HftpServerConfig {

    /** The port of the protocol, 19500. */
    public static final int DEFAULT_PORT = HftpWire.DEFAULT_PORT;
    /** Every interface. */
    public static final String DEFAULT_ADDRESS = "0.0.0.0";
    /**
     * Loopback only, whatever the HFTP address: the metrics endpoint has no authentication, so exposing it is
     * a choice ({@link HftpServerBootstrap#metricsAddress(String)}).
     */
    public static final String DEFAULT_METRICS_ADDRESS = "127.0.0.1";
    /** {@code testdata}, relative to the working directory. */
    public static final Path DEFAULT_DIRECTORY = Path.of("testdata");
    /** The longest request line buffered, 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = HftpLineDecoder.DEFAULT_MAX_LINE_LENGTH;
    /** Bytes of file read per chunk, 48 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = Base64ChunkedInput.DEFAULT_CHUNK_SIZE;
    /** Connections open at once beyond which new ones are closed at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** A connection with no traffic either way for this long is closed. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Bytes queued for a client beyond which the server stops reading from it (and streaming to it). */
    public static final int DEFAULT_WRITE_BUFFER_HIGH = 256 * 1024;
    /** A file call (open, listing) that takes longer is answered 199 and its connection closed. */
    public static final Duration DEFAULT_FILE_TIMEOUT = Duration.ofSeconds(5);
    /** How long {@link HftpServer#close()} lets transfers in flight finish. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /** How long a client has to complete its TLS handshake (Netty's default, 10 s). */
    public static final Duration DEFAULT_TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Path directory;
    private final String address;
    private final int port;
    private final int maxLineLength;
    private final int chunkSize;
    private final int maxConnections;
    private final Duration idleTimeout;
    private final int writeBufferHighWaterMark;
    private final long memoryBudget;
    private final Duration fileTimeout;
    private final Duration shutdownGrace;
    private final int ioThreads;
    private final HftpTransport transport;
    private final Integer metricsPort;
    private final String metricsAddress;
    private final Path tlsCertChain;
    private final Path tlsKey;
    private final SslContext sslContext;
    private final Duration tlsHandshakeTimeout;
    private final boolean proxyProtocol;
    private final ProxyProtocolPeers proxyProtocolFrom;

    /** The bootstrap's settings, checked; the first problem found is thrown. */
    HftpServerConfig(HftpServerBootstrap b) {
        directory = Objects.requireNonNull(b.directory, "directory");
        address = Objects.requireNonNull(b.address, "address");
        port = port("port", b.port);
        maxLineLength = positive("maxLineLength", b.maxLineLength);
        chunkSize = positive("chunkSize", b.chunkSize);
        if (chunkSize % 3 != 0) {
            throw new InvalidSettingException("chunkSize", "{chunkSize}: " + chunkSize + " (expected: a multiple of 3)");
        }
        maxConnections = positive("maxConnections", b.maxConnections);
        idleTimeout = notNegative("idleTimeout", b.idleTimeout);
        writeBufferHighWaterMark = positive("writeBufferHighWaterMark", b.writeBufferHighWaterMark);
        memoryBudget = memoryBudget(b.memoryBudget);
        fileTimeout = notNegative("fileTimeout", b.fileTimeout);
        if (fileTimeout.isZero()) {
            throw new InvalidSettingException("fileTimeout", "{fileTimeout}: " + seconds(fileTimeout)
                    + " (expected: > 0)");
        }
        shutdownGrace = notNegative("shutdownGrace", b.shutdownGrace);
        if (b.ioThreads < 0) {
            throw new InvalidSettingException("ioThreads", "{ioThreads}: " + b.ioThreads + " (expected: >= 0)");
        }
        ioThreads = b.ioThreads;
        if (b.transport != null && !b.transport.isAvailable()) {
            throw new InvalidSettingException("transport", "{transport}: " + b.transport + " (not available here)");
        }
        transport = b.transport != null ? b.transport : HftpTransport.best();
        metricsPort = b.metricsPort == null ? null : port("metricsPort", b.metricsPort);
        metricsAddress = Objects.requireNonNull(b.metricsAddress, "metricsAddress");
        if ((b.tlsCertChain == null) != (b.tlsKey == null)) {
            throw new InvalidSettingException("tlsCertChain", "{tlsCertChain} and {tlsKey} go together: give both "
                    + "(TLS) or neither (plaintext)");
        }
        tlsCertChain = b.tlsCertChain;
        tlsKey = b.tlsKey;
        sslContext = b.sslContext;
        tlsHandshakeTimeout = notNegative("tlsHandshakeTimeout", b.tlsHandshakeTimeout);
        proxyProtocol = b.proxyProtocol;
        proxyProtocolFrom = b.proxyProtocolFrom;
        checkProxyProtocol();
    }

    /**
     * Refuses the PROXY protocol where a client could use it to choose the address the logs show: on an address
     * other clients can reach, without the list of balancers; and a list of balancers without the protocol.
     */
    private void checkProxyProtocol() {
        if (proxyProtocolFrom != null && !proxyProtocol) {
            throw new InvalidSettingException("proxyProtocolFrom", "{proxyProtocolFrom} is set but {proxyProtocol} "
                    + "is off: turn it on, or drop the list");
        }
        if (proxyProtocol && proxyProtocolFrom == null && !isLoopback(address)) {
            throw new InvalidSettingException("proxyProtocol", "{proxyProtocol} on " + address + " would let any "
                    + "client that reaches the port choose the address the logs show: name the balancers with "
                    + "{proxyProtocolFrom} CIDR[,CIDR...], or listen on a loopback address only");
        }
    }

    /** Whether {@code address} (a host name or IP literal) is a loopback address, reachable from this host only. */
    public static boolean isLoopback(String address) {
        InetSocketAddress resolved = new InetSocketAddress(address, 0);
        // An unresolved name is not known to be loopback; the bind would fail on it anyway.
        return !resolved.isUnresolved() && resolved.getAddress().isLoopbackAddress();
    }

    private static long memoryBudget(long bytes) {
        if (bytes < 0) {
            throw new InvalidSettingException("memoryBudget", "{memoryBudget}: " + bytes
                    + " (expected: >= 0, 0 for the default)");
        }
        long direct = MemoryBudget.maxDirectMemory();
        if (bytes >= direct) {
            throw new InvalidSettingException("memoryBudget", "a {memoryBudget} of " + bytes + " bytes is not below "
                    + "the JVM's direct memory (" + direct + " bytes): lower it, or raise -XX:MaxDirectMemorySize "
                    + "(or -Xmx)");
        }
        return bytes > 0 ? bytes : MemoryBudget.defaultLimit();
    }

    private static int port(String setting, int port) {
        if (port < 0 || port > 65535) {
            throw new InvalidSettingException(setting, "{" + setting + "}: " + port + " (expected: 0-65535)");
        }
        return port;
    }

    private static int positive(String setting, int value) {
        if (value <= 0) {
            throw new InvalidSettingException(setting, "{" + setting + "}: " + value + " (expected: > 0)");
        }
        return value;
    }

    private static Duration notNegative(String setting, Duration value) {
        if (Objects.requireNonNull(value, setting).isNegative()) {
            throw new InvalidSettingException(setting, "{" + setting + "}: " + seconds(value) + " (expected: >= 0)");
        }
        return value;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** The directory to serve; it must exist when the server starts. */
    public Path directory() {
        return directory;
    }

    /** The address to listen on, a host name or IP literal. */
    public String address() {
        return address;
    }

    /** The TCP port to listen on; 0 for a free one. */
    public int port() {
        return port;
    }

    public int maxLineLength() {
        return maxLineLength;
    }

    public int chunkSize() {
        return chunkSize;
    }

    /** Connections open at once, before the memory budget lowers it (see docs/RELIABILITY.md). */
    public int maxConnections() {
        return maxConnections;
    }

    /** Zero: never. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    public int writeBufferHighWaterMark() {
        return writeBufferHighWaterMark;
    }

    /** In bytes, the default (half the JVM's direct memory) already worked out. */
    public long memoryBudget() {
        return memoryBudget;
    }

    public Duration fileTimeout() {
        return fileTimeout;
    }

    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** Zero: Netty's default, twice the cores. */
    public int ioThreads() {
        return ioThreads;
    }

    /** The socket layer, the best available unless one was chosen. */
    public HftpTransport transport() {
        return transport;
    }

    /** Null: no metrics endpoint. */
    public Integer metricsPort() {
        return metricsPort;
    }

    public String metricsAddress() {
        return metricsAddress;
    }

    /** The PEM certificate chain; null unless TLS comes from files. */
    public Path tlsCertChain() {
        return tlsCertChain;
    }

    /** The PEM key of {@link #tlsCertChain()}. */
    public Path tlsKey() {
        return tlsKey;
    }

    /** The application's own server context; null unless it gave one. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** Whether the connections are TLS. */
    public boolean isTls() {
        return sslContext != null || tlsCertChain != null;
    }

    public Duration tlsHandshakeTimeout() {
        return tlsHandshakeTimeout;
    }

    public boolean proxyProtocol() {
        return proxyProtocol;
    }

    /** The balancers allowed to send the PROXY protocol header; null: any peer (loopback only). */
    public ProxyProtocolPeers proxyProtocolFrom() {
        return proxyProtocolFrom;
    }
}
