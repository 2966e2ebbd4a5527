package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.HftpTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedding API: {@code HftpServerBootstrap.start()} and {@code HftpServer}'s port and close.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddingIT {

    @TempDir
    Path dir;

    private HftpServer start(Path directory) throws IOException {
        return new HftpServerBootstrap().directory(directory).address("127.0.0.1").port(0).start();
    }

    @Test
    void portZeroServesAndCloseTwiceFreesThePort() throws IOException {
        Files.writeString(dir.resolve("hello.txt"), "hello, world");
        HftpServer server = start(dir);
        int port;
        try {
            port = server.port();
            assertTrue(port > 0 && port <= 65535, "bound port: " + port);
            assertEquals(port, server.localAddress().getPort());
            assertEquals(InetAddress.getByName("127.0.0.1"), server.localAddress().getAddress());
            assertFalse(server.isClosed());
            try (HftpTestClient client = new HftpTestClient(port)) {
                assertEquals("0 OK", client.command("get_file_listing").toString());
                assertEquals(List.of("hello.txt"), client.readLines());
                assertEquals("0 OK", client.command("get_metadata hello.txt").toString());
                assertEquals("12", client.readLine());
            }
        } finally {
            server.close();
        }
        assertTrue(server.isClosed());
        // The second close is a no-op: it returns at once, without an exception.
        assertTimeout(Duration.ofSeconds(5), server::close);
        assertTrue(server.isClosed());

        // Nothing listens any more: a connect is refused ...
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }
        });
        // ... and the port can be bound again. SO_REUSEADDR, as any server restarting on its port sets
        // it: it tolerates connections in TIME_WAIT but not a socket still listening on the port.
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress("127.0.0.1", port));
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void closeEndsOpenConnectionsAndAwaitCloseReturns() throws Exception {
        HftpServer server = start(dir);
        try (HftpTestClient client = new HftpTestClient(server.port(), 10_000)) {
            assertEquals("0 OK", client.command("help").toString());
            client.readLines();
            Thread waiter = new Thread(server::awaitClose, "await-close");
            waiter.start();
            server.close();
            waiter.join(10_000);
            assertFalse(waiter.isAlive(), "awaitClose() must return once the server is closed");
            // The connection that was open is closed by the server, not left hanging.
            assertTrue(client.isClosedByServer(), "an open connection must be closed by close()");
        } finally {
            server.close();
        }
    }

    @Test
    void missingDirectoryThrowsNoSuchFileException() {
        Path missing = dir.resolve("does-not-exist");
        assertThrows(NoSuchFileException.class, () -> start(missing).close());
    }

    @Test
    void regularFileAsDirectoryThrowsNotDirectoryException() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertThrows(NotDirectoryException.class, () -> start(file).close());
    }

    /** Documented by {@code start()}: a port in use is a {@link BindException}, whatever the transport. */
    @ParameterizedTest
    @EnumSource(HftpTransport.class)
    void portInUseByAnotherSocketThrowsBindException(HftpTransport transport) throws IOException {
        assumeTrue(transport.isAvailable(), transport + " is not available here");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            HftpServerBootstrap bootstrap = new HftpServerBootstrap().directory(dir).address("127.0.0.1")
                    .port(taken.getLocalPort()).transport(transport);
            BindException e = assertThrows(BindException.class, () -> bootstrap.start().close());
            assertTrue(e.getMessage().contains(Integer.toString(taken.getLocalPort())),
                    "the message should name the port: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(HftpTransport.class)
    void portInUseByAnotherServerThrowsBindExceptionAndTheFirstKeepsServing(HftpTransport transport)
            throws IOException {
        assumeTrue(transport.isAvailable(), transport + " is not available here");
        Files.writeString(dir.resolve("a"), "a");
        try (HftpServer first = start(dir)) {
            HftpServerBootstrap second = new HftpServerBootstrap().directory(dir).address("127.0.0.1")
                    .port(first.port()).transport(transport);
            assertThrows(BindException.class, () -> second.start().close());
            try (HftpTestClient client = new HftpTestClient(first.port())) {
                assertEquals("0 OK", client.command("get_file_listing").toString());
                assertEquals(List.of("a"), client.readLines());
            }
        }
    }

    @Test
    void twoServersSideBySide() throws IOException {
        Path one = Files.createDirectory(dir.resolve("one"));
        Path two = Files.createDirectory(dir.resolve("two"));
        Files.writeString(one.resolve("first"), "1");
        Files.writeString(two.resolve("second"), "22");
        HftpServer a = start(one);
        try {
            HftpServer b = start(two);
            try {
                assertNotEquals(a.port(), b.port());
                try (HftpTestClient ca = new HftpTestClient(a.port());
                     HftpTestClient cb = new HftpTestClient(b.port())) {
                    assertEquals("0 OK", ca.command("get_file_listing").toString());
                    assertEquals(List.of("first"), ca.readLines());
                    assertEquals("0 OK", cb.command("get_file_listing").toString());
                    assertEquals(List.of("second"), cb.readLines());
                    assertEquals("202 FILE NOT FOUND", ca.command("get_metadata second").toString());
                    assertEquals("0 OK", cb.command("get_slice second 0 2").toString());
                    assertEquals("22", new String(cb.readSlice(), StandardCharsets.US_ASCII));
                }
            } finally {
                b.close();
            }
            // Closing one leaves the other serving.
            try (HftpTestClient ca = new HftpTestClient(a.port())) {
                assertEquals("0 OK", ca.command("get_slice first 0 1").toString());
                assertEquals("1", new String(ca.readSlice(), StandardCharsets.US_ASCII));
            }
        } finally {
            a.close();
        }
    }
}
