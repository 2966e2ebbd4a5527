package dev.hftp.it.bench;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.HftpServerConfig;
import dev.hftp.server.HftpTransport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The real HFTP server, embedded through {@link HftpServerBootstrap}, with the knobs a benchmark turns;
 * runs until SIGTERM/SIGINT. (The server's own jar, {@code hftp-server/target/hftp-server.jar}, does the
 * same from its command line; this one also sets the chunk size.)
 */
@Command(name = "bench-server", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Starts the HFTP server embedded, for benchmarks.")
public final class BenchServer implements Callable<Integer> {

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "Address (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--port", defaultValue = "0", description = "Port; 0 picks one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--dir", required = true, description = "Directory to serve.")
    Path directory;

    @Option(names = "--io-threads", defaultValue = "0", description = "Event-loop threads; 0: twice the cores.")
    int ioThreads;

    @Option(names = "--transport", description = "${COMPLETION-CANDIDATES} (default: the server's, nio).")
    HftpTransport transport;

    @Option(names = "--max-connections", defaultValue = "" + HftpServerConfig.DEFAULT_MAX_CONNECTIONS,
            description = "Connections open at once (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--chunk-size", defaultValue = "0",
            description = "Bytes per base64 chunk, a multiple of 3; 0: the server's default.")
    int chunkSize;

    @Option(names = "--write-buffer", defaultValue = "0", description = "Write buffer high water mark; 0: default.")
    int writeBuffer;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchServer()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        HftpServerBootstrap bootstrap = new HftpServerBootstrap()
                .directory(directory)
                .address(address)
                .port(port)
                .ioThreads(ioThreads)
                .maxConnections(maxConnections)
                .idleTimeout(Duration.ZERO)
                .shutdownGrace(Duration.ofSeconds(1));
        if (transport != null) {
            bootstrap.transport(transport);
        }
        if (chunkSize > 0) {
            bootstrap.chunkSize(chunkSize);
        }
        if (writeBuffer > 0) {
            bootstrap.writeBufferHighWaterMark(writeBuffer);
        }
        HftpServer server = bootstrap.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bench-server-shutdown"));
        System.out.println(String.format(Locale.ROOT, "BenchServer listening on %s:%d (%s), serving %s, pid %d",
                address, server.port(), server.transport().name().toLowerCase(Locale.ROOT), server.directory(),
                ProcessHandle.current().pid()));
        System.out.flush();
        server.awaitClose();
        return 0;
    }
}
