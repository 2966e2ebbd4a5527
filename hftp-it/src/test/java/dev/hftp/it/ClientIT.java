package dev.hftp.it;

import dev.hftp.client.HftpClient;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link HftpClient} against the real server over loopback: every command, every error it can meet, pipelining,
 * and slices far larger than anything the client may hold, checked by digest.
 */
@Timeout(120)
class ClientIT {

    @TempDir
    Path dir;
    @TempDir
    Path out;

    private HftpServer server;
    private final byte[] small = "!Que calor que hace hoy, pinta una birra!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("archivo.txt"), small);
        Files.write(dir.resolve("empty"), new byte[0]);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private HftpClient connect() throws IOException {
        return HftpClient.connect("127.0.0.1", server.port());
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(60, TimeUnit.SECONDS);
    }

    private static HftpStatus statusOf(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(HftpException.class, e.getCause()).status();
    }

    @Test
    void shouldListSizeAndFetchSlicesInBothForms() throws Exception {
        try (HftpClient client = connect()) {
            assertEquals(List.of("archivo.txt", "empty"), get(client.list()).stream().sorted().toList());
            assertEquals(41L, get(client.size("archivo.txt")));
            assertEquals(0L, get(client.size("empty")));
            Path base64 = out.resolve("b64");
            assertEquals(20L, get(client.slice("archivo.txt", 5, 20, base64, false)));
            assertEquals("calor que hace hoy, ", Files.readString(base64));
            Path raw = out.resolve("raw");
            assertEquals(41L, get(client.slice("archivo.txt", 0, 41, raw, true)));
            assertArrayEquals(small, Files.readAllBytes(raw));
            Path none = out.resolve("none");
            assertEquals(0L, get(client.slice("empty", 0, 0, none, false)));
            assertEquals(0L, get(client.slice("empty", 0, 0, none, true)));
            assertEquals(0L, Files.size(none));
        }
    }

    @Test
    void shouldFailWithTheServersStatusAndKeepTheConnection() throws Exception {
        try (HftpClient client = connect()) {
            assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(client.size("missing")));
            assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(client.slice("missing", 0, 1, out.resolve("m"), true)));
            assertEquals(HftpStatus.BAD_OFFSET, statusOf(client.slice("archivo.txt", 40, 2, out.resolve("o"), false)));
            assertEquals(HftpStatus.BAD_OFFSET, statusOf(client.slice("archivo.txt", 42, 0, out.resolve("o"), true)));
            // Errors are not fatal: the same connection goes on.
            assertEquals(41L, get(client.size("archivo.txt")));
        }
    }

    @Test
    void shouldRefuseNamesThatAreNotHftpNamesBeforeSending() throws Exception {
        try (HftpClient client = connect()) {
            assertThrows(IllegalArgumentException.class, () -> client.size("../etc/passwd"));
            assertThrows(IllegalArgumentException.class, () -> client.size("a b"));
            assertThrows(IllegalArgumentException.class, () -> client.size(""));
            assertEquals(41L, get(client.size("archivo.txt")));
        }
    }

    @Test
    void shouldPairPipelinedRepliesWithTheirRequests() throws Exception {
        try (HftpClient client = connect()) {
            List<CompletableFuture<?>> calls = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                calls.add(switch (i % 4) {
                    case 0 -> client.size("archivo.txt");
                    case 1 -> client.size("missing");
                    case 2 -> client.list();
                    default -> client.slice("archivo.txt", i % 41, 0, out.resolve("p" + i), i % 8 == 3);
                });
            }
            for (int i = 0; i < calls.size(); i++) {
                switch (i % 4) {
                    case 0 -> assertEquals(41L, get(calls.get(i)));
                    case 1 -> assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(calls.get(i)));
                    case 2 -> assertEquals(2, ((List<?>) get(calls.get(i))).size());
                    default -> assertEquals(0L, get(calls.get(i)));
                }
            }
        }
    }

    @Test
    void shouldStreamLargeSlicesToDiskByteExact() throws Exception {
        Path big = dir.resolve("big.bin");
        byte[] block = new byte[1 << 20];
        Random random = new Random(42);
        try (var file = Files.newOutputStream(big)) {
            for (int i = 0; i < 96; i++) {
                random.nextBytes(block);
                file.write(block);
            }
        }
        long size = Files.size(big);
        try (HftpClient client = connect()) {
            AtomicLong progress = new AtomicLong();
            Path base64 = out.resolve("big.b64");
            try (var channel = java.nio.channels.FileChannel.open(base64, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                long offset = 12_345;
                assertEquals(size - offset, get(client.slice("big.bin", offset, size - offset, channel, false,
                        progress::addAndGet)));
                assertEquals(size - offset, progress.get(), "progress adds up to the slice");
            }
            Path raw = out.resolve("big.raw");
            assertEquals(size, get(client.slice("big.bin", 0, size, raw, true)));
            assertEquals(TestFiles.sha256Hex(big), TestFiles.sha256Hex(raw));
            InputStream afterOffset = Files.newInputStream(big);
            afterOffset.skipNBytes(12_345);
            assertEquals(TestFiles.sha256Hex(afterOffset), TestFiles.sha256Hex(base64));
        }
    }

    @Test
    void shouldFailCallsWhenTheServerGoesAway() throws Exception {
        HftpClient client = connect();
        assertEquals(41L, get(client.size("archivo.txt")));
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.size("archivo.txt").get(10, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        client.close();
    }

    @Test
    void shouldReportARefusedConnection() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        int closedPort = port;
        assertThrows(ConnectException.class, () -> HftpClient.connect("127.0.0.1", closedPort));
    }

}
