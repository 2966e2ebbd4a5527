package dev.hftp.server.cli;

import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.HftpServerConfig;
import dev.hftp.server.HftpTransport;
import dev.hftp.server.proxy.ProxyProtocolPeers;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The settings of the {@code hftp-server} command, as options; each is also a key of a config file and an
 * {@code HFTP_*} variable ({@link ConfigDefaults}). They are checked where the embedding API's are, by
 * {@link HftpServerConfig}; {@link #optionName} turns the setting it names into the option.
 */
final class ServerOptions {

    /** The settings whose option is not their bootstrap method's name in kebab case. */
    private static final Map<String, String> OPTION_OF_SETTING = Map.of(
            "directory", "--datadir",
            "tlsCertChain", "--tls-cert",
            "writeBufferHighWaterMark", "--write-buffer");

    @Option(names = {"-a", "--address"}, paramLabel = "ADDR", defaultValue = HftpServerConfig.DEFAULT_ADDRESS,
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "" + HftpServerConfig.DEFAULT_PORT,
            description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-d", "--datadir"}, paramLabel = "DIR", defaultValue = "testdata",
            description = "Directory to serve (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--max-line-length", defaultValue = "" + HftpServerConfig.DEFAULT_MAX_LINE_LENGTH, paramLabel = "BYTES",
            description = "Longest request line buffered; longer lines are answered without buffering "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxLineLength;

    @Option(names = "--max-connections", defaultValue = "" + HftpServerConfig.DEFAULT_MAX_CONNECTIONS,
            paramLabel = "N", description = "Connections open at once; more are closed at once and logged "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--idle-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Close a connection with no traffic for this long; 0 never does (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds;

    /** Accepted so that older command lines and config files still start; requests are now read on demand. */
    @Option(names = "--max-pending-requests", hidden = true, paramLabel = "N",
            description = "Deprecated and ignored: requests are read one at a time, when the connection can take them.")
    Integer maxPendingRequests;

    @Option(names = "--write-buffer", defaultValue = "" + HftpServerConfig.DEFAULT_WRITE_BUFFER_HIGH,
            paramLabel = "BYTES", description = "Bytes queued for a client beyond which the server stops reading "
                    + "from it and streaming to it (default: ${DEFAULT-VALUE}).")
    int writeBuffer;

    @Option(names = "--memory-budget", defaultValue = "0", paramLabel = "BYTES",
            description = "Bytes all connections together may hold buffered (queued replies, unfinished lines); "
                    + "past half of it transfers slow down to one chunk in flight, at it new connections are refused; "
                    + "0 means half the JVM's direct memory, see docs/RELIABILITY.md (default: ${DEFAULT-VALUE}).")
    long memoryBudget;

    @Option(names = "--file-timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "A file call (opening a file, listing the directory) that takes longer is answered 199 and "
                    + "its connection closed; file calls never run on the event loops (default: ${DEFAULT-VALUE}).")
    long fileTimeoutSeconds;

    @Option(names = "--shutdown-grace", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM/SIGINT, how long transfers in flight may finish; the process exits at the "
                    + "latest 7 s after it, even with a thread stuck (default: ${DEFAULT-VALUE}).")
    long shutdownGraceSeconds;

    @Option(names = "--transport", paramLabel = "TRANSPORT",
            description = "Socket layer: ${COMPLETION-CANDIDATES} (default: nio, see docs/BENCHMARKS.md).")
    HftpTransport transport;

    @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N",
            description = "Event-loop threads; 0 means twice the cores (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDR:PORT/metrics; 0 picks a free port (default: off).")
    Integer metricsPort;

    @Option(names = "--metrics-address", defaultValue = HftpServerConfig.DEFAULT_METRICS_ADDRESS,
            paramLabel = "ADDR", description = "Address of the metrics endpoint: loopback unless a Prometheus on "
                    + "another host must reach it (default: ${DEFAULT-VALUE}).")
    String metricsAddress;
    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve TLS only (TLS 1.3 and 1.2), with this PEM certificate chain: the server's "
                    + "certificate first, then its intermediates. Needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert: unencrypted PKCS#8 PEM ('BEGIN PRIVATE KEY'); convert "
                    + "others with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8.")
    Path tlsKey;

    @Option(names = "--proxy-protocol", arity = "0..1", fallbackValue = "true", paramLabel = "BOOLEAN",
            description = "Behind a balancer that sends the PROXY protocol (HAProxy send-proxy, v1 or v2): log the "
                    + "client addresses it gives. Connections without the header are closed (default: false).")
    boolean proxyProtocol;

    @Option(names = "--proxy-protocol-from", paramLabel = "CIDR[,CIDR...]",
            description = "The balancers allowed to send the PROXY protocol header: IPv4/IPv6 addresses or CIDR "
                    + "blocks, comma-separated (e.g. 10.0.0.0/8,2001:db8::/32); connections from other peers are "
                    + "closed. Required with --proxy-protocol unless --address is a loopback address.")
    ProxyProtocolPeers proxyProtocolFrom;

    /** A bootstrap with these settings, unchecked until its {@code config()} is built. */
    HftpServerBootstrap bootstrap() {
        HftpServerBootstrap bootstrap = new HftpServerBootstrap()
                .directory(directory)
                .address(address)
                .port(port)
                .maxLineLength(maxLineLength)
                .maxConnections(maxConnections)
                .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
                .writeBufferHighWaterMark(writeBuffer)
                .memoryBudget(memoryBudget)
                .fileTimeout(Duration.ofSeconds(fileTimeoutSeconds))
                .shutdownGrace(Duration.ofSeconds(shutdownGraceSeconds))
                .ioThreads(ioThreads)
                .metricsAddress(metricsAddress)
                .proxyProtocol(proxyProtocol);
        if (tlsCert != null || tlsKey != null) {
            bootstrap.tls(tlsCert, tlsKey);
        }
        if (transport != null) {
            bootstrap.transport(transport);
        }
        if (metricsPort != null) {
            bootstrap.metricsPort(metricsPort);
        }
        if (proxyProtocolFrom != null) {
            bootstrap.proxyProtocolFrom(proxyProtocolFrom);
        }
        return bootstrap;
    }

    /** The option of a setting of {@link HftpServerConfig} ({@code maxConnections}: {@code --max-connections}). */
    static String optionName(String setting) {
        String option = OPTION_OF_SETTING.get(setting);
        return option != null ? option : "--" + setting.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
