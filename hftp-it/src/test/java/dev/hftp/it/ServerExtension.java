package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Servers in the test's own JVM, on 127.0.0.1 and a free port, closed after each test whatever its outcome
 * (before a {@code @TempDir} they serve is deleted: extensions registered in a field run after the test's own
 * {@code @AfterEach}, and before the temporary directory's cleanup).
 *
 * <pre>{@code
 * @RegisterExtension
 * final ServerExtension servers = new ServerExtension();
 * ...
 * HftpServer server = servers.start(dir);
 * }</pre>
 */
final class ServerExtension implements AfterEachCallback {

    private final List<HftpServer> started = new ArrayList<>();

    /** A server of {@code directory} with the defaults, on 127.0.0.1 and a free port. */
    HftpServer start(Path directory) throws IOException {
        return start(on(directory));
    }

    /** A server as {@code bootstrap} configures it. */
    HftpServer start(HftpServerBootstrap bootstrap) throws IOException {
        HftpServer server = bootstrap.start();
        started.add(server);
        return server;
    }

    /** A bootstrap for {@code directory} on 127.0.0.1 and a free port, to configure further. */
    static HftpServerBootstrap on(Path directory) {
        return new HftpServerBootstrap().directory(directory).address("127.0.0.1").port(0);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (HftpServer server : started) {
            server.close();
        }
        started.clear();
    }
}
