package dev.hftp.server.cli;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.HftpTransport;
import dev.hftp.server.metrics.MetricsHttpHandler;
import dev.hftp.server.proxy.ProxyProtocolPeers;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The {@code hftp-server} command: serves a directory over HFTP until interrupted.
 */
@Command(name = "hftp-server", mixinStandardHelpOptions = true, versionProvider = HftpServerMain.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Serves the files of a directory over HFTP (Home-made File Transfer Protocol).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by a signal (SIGINT, SIGTERM); at the latest --shutdown-grace + 7 s after it",
            "1:could not start (directory missing, address in use, TLS certificate or key unusable, ...)",
            "2:invalid command line"})
public final class HftpServerMain implements Callable<Integer> {

    @Option(names = {"-a", "--address"}, paramLabel = "ADDR", defaultValue = HftpServerBootstrap.DEFAULT_ADDRESS,
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String address;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "" + HftpServerBootstrap.DEFAULT_PORT,
            description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = {"-d", "--datadir"}, paramLabel = "DIR", defaultValue = "testdata",
            description = "Directory to serve (default: ${DEFAULT-VALUE}).")
    private Path directory;

    @Option(names = "--max-line-length", defaultValue = "65536", paramLabel = "BYTES",
            description = "Longest request line buffered; longer lines are answered without buffering "
                    + "(default: ${DEFAULT-VALUE}).")
    private int maxLineLength;

    @Option(names = "--max-connections", defaultValue = "" + HftpServerBootstrap.DEFAULT_MAX_CONNECTIONS,
            paramLabel = "N", description = "Connections open at once; more are closed at once and logged "
                    + "(default: ${DEFAULT-VALUE}).")
    private int maxConnections;

    @Option(names = "--idle-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Close a connection with no traffic for this long; 0 never does (default: ${DEFAULT-VALUE}).")
    private long idleTimeoutSeconds;

    /** Accepted so that older command lines and config files still start; requests are now read on demand. */
    @Option(names = "--max-pending-requests", hidden = true, paramLabel = "N",
            description = "Deprecated and ignored: requests are read one at a time, when the connection can take them.")
    private Integer maxPendingRequests;

    @Option(names = "--write-buffer", defaultValue = "" + HftpServerBootstrap.DEFAULT_WRITE_BUFFER_HIGH,
            paramLabel = "BYTES", description = "Bytes queued for a client beyond which the server stops reading "
                    + "from it and streaming to it (default: ${DEFAULT-VALUE}).")
    private int writeBuffer;

    @Option(names = "--memory-budget", defaultValue = "0", paramLabel = "BYTES",
            description = "Bytes all connections together may hold buffered (queued replies, unfinished lines); "
                    + "past half of it transfers slow down to one chunk in flight, at it new connections are refused; "
                    + "0 means half the JVM's direct memory, see docs/RELIABILITY.md (default: ${DEFAULT-VALUE}).")
    private long memoryBudget;

    @Option(names = "--file-timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "A file call (opening a file, listing the directory) that takes longer is answered 199 and "
                    + "its connection closed; file calls never run on the event loops (default: ${DEFAULT-VALUE}).")
    private long fileTimeoutSeconds;

    @Option(names = "--shutdown-grace", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM/SIGINT, how long transfers in flight may finish; the process exits at the "
                    + "latest 7 s after it, even with a thread stuck (default: ${DEFAULT-VALUE}).")
    private long shutdownGraceSeconds;

    @Option(names = "--transport", paramLabel = "TRANSPORT",
            description = "Socket layer: ${COMPLETION-CANDIDATES} (default: nio, see docs/BENCHMARKS.md).")
    private HftpTransport transport;

    @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N",
            description = "Event-loop threads; 0 means twice the cores (default: ${DEFAULT-VALUE}).")
    private int ioThreads;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDR:PORT/metrics; 0 picks a free port (default: off).")
    private Integer metricsPort;

    @Option(names = "--metrics-address", defaultValue = HftpServerBootstrap.DEFAULT_METRICS_ADDRESS,
            paramLabel = "ADDR", description = "Address of the metrics endpoint: loopback unless a Prometheus on "
                    + "another host must reach it (default: ${DEFAULT-VALUE}).")
    private String metricsAddress;
    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve TLS only (TLS 1.3 and 1.2), with this PEM certificate chain: the server's "
                    + "certificate first, then its intermediates. Needs --tls-key.")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert: unencrypted PKCS#8 PEM ('BEGIN PRIVATE KEY'); convert "
                    + "others with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8.")
    private Path tlsKey;

    @Option(names = "--proxy-protocol", arity = "0..1", fallbackValue = "true", paramLabel = "BOOLEAN",
            description = "Behind a balancer that sends the PROXY protocol (HAProxy send-proxy, v1 or v2): log the "
                    + "client addresses it gives. Connections without the header are closed (default: false).")
    private boolean proxyProtocol;

    @Option(names = "--proxy-protocol-from", paramLabel = "CIDR[,CIDR...]",
            description = "The balancers allowed to send the PROXY protocol header: IPv4/IPv6 addresses or CIDR "
                    + "blocks, comma-separated (e.g. 10.0.0.0/8,2001:db8::/32); connections from other peers are "
                    + "closed. Required with --proxy-protocol unless --address is a loopback address.")
    private ProxyProtocolPeers proxyProtocolFrom;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings from a properties file (port=19500, ...) or a YAML one (FILE.yaml: "
                    + "port: 19500). Precedence: command line, then environment (HFTP_PORT, "
                    + "HFTP_MAX_CONNECTIONS, ...), then this file.")
    private Path config;

    @Option(names = "--print-config",
            description = "Print the effective settings (properties, usable as --config) and exit.")
    private boolean printConfig;

    @Option(names = {"-v", "--verbose"},
            description = "More logging: -v for DEBUG (one line per connection), -vv for TRACE.")
    private boolean[] verbosity = new boolean[0];

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        System.exit(run(args, System.getenv()));
    }

    /** Runs the command with {@code environment} as the process's environment; returns the exit code. */
    static int run(String[] args, Map<String, String> environment) {
        return commandLine(args, environment, new PrintWriter(System.out), new PrintWriter(System.err));
    }

    static int commandLine(String[] args, Map<String, String> environment, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new HftpServerMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .registerConverter(ProxyProtocolPeers.class, HftpServerMain::proxyProtocolPeers);
        commandLine.setOut(out);
        commandLine.setErr(err);
        Properties file = new Properties();
        Path configFile = configFile(args);
        if (configFile != null) {
            try {
                file = ConfigDefaults.load(configFile);
            } catch (IOException | IllegalArgumentException e) {
                err.println("hftp-server: cannot read the config file " + configFile + ": " + describe(e));
                err.flush();
                return 2;
            }
        }
        ConfigDefaults defaults = new ConfigDefaults(environment, file);
        Set<String> unknown = defaults.unknownKeys(commandLine.getCommandSpec());
        if (!unknown.isEmpty()) {
            err.println("hftp-server: unknown settings in " + configFile + ": " + String.join(", ", unknown));
            err.flush();
            return 2;
        }
        commandLine.setDefaultValueProvider(defaults);
        return commandLine.execute(args);
    }

    private static ProxyProtocolPeers proxyProtocolPeers(String value) {
        try {
            return ProxyProtocolPeers.parse(value);
        } catch (IllegalArgumentException e) {
            // Picocli puts this message after "Invalid value for option '--proxy-protocol-from': ".
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e instanceof IllegalArgumentException ? e.getMessage() : e.toString();
    }

    /** The file of {@code --config FILE} or {@code --config=FILE}, read before the other options are parsed. */
    private static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    @Override
    public Integer call() {
        validate();
        String proxyProtocolProblem = proxyProtocolProblem();
        if (proxyProtocolProblem != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("hftp-server: " + proxyProtocolProblem);
            err.flush();
            return 2;
        }
        if (printConfig) {
            printConfig(spec.commandLine().getOut());
            return 0;
        }
        if (verbosity.length > 0) {
            Configurator.setLevel("dev.hftp", verbosity.length == 1 ? Level.DEBUG : Level.TRACE);
        }
        PrintWriter err = spec.commandLine().getErr();
        HftpServer server;
        try {
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
                    .ioThreads(ioThreads);
            if (transport != null) {
                bootstrap.transport(transport);
            }
            if (metricsPort != null) {
                bootstrap.metricsPort(metricsPort);
            }
            bootstrap.metricsAddress(metricsAddress);
            bootstrap.proxyProtocol(proxyProtocol);
            if (proxyProtocolFrom != null) {
                bootstrap.proxyProtocolFrom(proxyProtocolFrom);
            }
            if (tlsCert != null) {
                bootstrap.tls(tlsCert, tlsKey);
            }
            server = bootstrap.start();
        } catch (NoSuchFileException e) {
            err.println("hftp-server: directory not found: " + directory);
            return 1;
        } catch (NotDirectoryException e) {
            err.println("hftp-server: not a directory: " + directory);
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            // A port in use arrives here as a BindException, with the address in its message.
            err.println("hftp-server: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
        ShutdownWatchdog watchdog = new ShutdownWatchdog(
                ShutdownWatchdog.deadlineAfter(Duration.ofSeconds(shutdownGraceSeconds)));
        Runnable stop = () -> {
            watchdog.start();
            server.close();
        };
        stopOnSignals(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "hftp-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Serving " + server.directory() + " on " + address + ":" + server.port()
                + (server.isTls() ? " over TLS" : ""));
        if (server.metricsAddress() != null) {
            out.println("Metrics at http://" + metricsAddress + ":"
                    + server.metricsAddress().getPort() + MetricsHttpHandler.PATH);
        }
        out.flush();
        server.awaitClose();
        return 0;
    }

    /** Every setting with its effective value, as {@code key=value} lines a config file can hold. */
    private void printConfig(PrintWriter out) {
        for (CommandLine.Model.OptionSpec option : spec.options()) {
            String key = ConfigDefaults.key(option);
            if (key == null || option.hidden()) {
                continue;
            }
            Object value = option.getValue();
            if (option.longestName().equals("--transport") && value == null) {
                value = HftpTransport.best();
            }
            String text = value == null ? "" : value.toString();
            out.println(key + "=" + (value instanceof Enum<?> ? text.toLowerCase(java.util.Locale.ROOT) : text));
        }
        out.flush();
    }

    /** Values picocli parsed but that are out of range: a usage error (exit code 2), like a bad flag. */
    private void validate() {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--port': " + port + " (expected: 0-65535)");
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--metrics-port': " + metricsPort + " (expected: 0-65535)");
        }
        positive(maxLineLength, "--max-line-length");
        positive(maxConnections, "--max-connections");
        positive(writeBuffer, "--write-buffer");
        positive(fileTimeoutSeconds, "--file-timeout");
        if (memoryBudget < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--memory-budget': " + memoryBudget + " (expected: >= 0)");
        }
        if (idleTimeoutSeconds < 0 || shutdownGraceSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value: --idle-timeout and --shutdown-grace must be >= 0");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tls-cert and --tls-key go together: give both (TLS) or neither (plaintext)");
        }
        if (ioThreads < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--io-threads': " + ioThreads + " (expected: >= 0)");
        }
    }

    /**
     * A PROXY protocol setting the server must not run with, in the words of the options (the bootstrap would
     * refuse it too, in its own); null if there is none.
     */
    private String proxyProtocolProblem() {
        if (proxyProtocolFrom != null && !proxyProtocol) {
            return "--proxy-protocol-from is set but --proxy-protocol is off: turn it on, or drop the list";
        }
        if (proxyProtocol && proxyProtocolFrom == null && !HftpServerBootstrap.isLoopback(address)) {
            return "--proxy-protocol on " + address + " would let any client that reaches the port choose the "
                    + "address the logs show: name the balancers with --proxy-protocol-from CIDR[,CIDR...], or "
                    + "listen on a loopback address only";
        }
        return null;
    }

    private void positive(long value, String option) {
        if (value <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '" + option + "': " + value + " (expected: > 0)");
        }
    }

    /**
     * SIGTERM and SIGINT close the server and let {@code main} return normally, so the exit code is 0;
     * a shutdown hook alone would leave the JVM to exit with 128 + the signal number.
     */
    @SuppressWarnings("sunapi")
    private static void stopOnSignals(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
            } catch (IllegalArgumentException e) {
                // This platform has no such signal; the shutdown hook still closes the server.
            }
        }
    }

    private static String nettyVersion() {
        io.netty.util.Version common = io.netty.util.Version.identify().get("netty-common");
        return common == null ? "unknown" : common.artifactVersion();
    }

    /** Reads the version Maven wrote into the jar. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = HftpServerMain.class.getResourceAsStream("/hftp-server-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {
                "hftp-server " + properties.getProperty("version", "unknown"),
                "Netty " + nettyVersion(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
