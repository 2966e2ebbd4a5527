package dev.hftp.it;

import dev.hftp.client.HftpClient;
import dev.hftp.codec.HftpException;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Prometheus endpoint of a running server, scraped over HTTP on loopback as Prometheus does, after
 * real traffic: the counters match the requests made, bytes are counted while a transfer is in flight, and
 * the endpoint lives and dies with the server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsIT {

    private static final int BIG = 8 * 1024 * 1024;
    /** MetricsEndpoint.MAX_CONNECTIONS, package-private in the server. */
    private static final int METRICS_CONNECTIONS = 32;

    @TempDir
    Path dir;

    private HftpServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        Files.writeString(dir.resolve("hello.txt"), "Hello, HFTP!");
        byte[] big = new byte[BIG];
        new Random(7).nextBytes(big);
        Files.write(dir.resolve("big.bin"), big);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)
                .maxConnections(2).metricsPort(0).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + server.metricsAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double sample(String series) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        for (String line : response.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + response.body());
    }

    private double requests(String command, int status) throws IOException, InterruptedException {
        return sample("hftp_requests_total{command=\"" + command + "\",status=\"" + status + "\"}");
    }

    /** Polls the sample until it reaches {@code atLeast} (10 s at most); returns the last value read. */
    private double awaitSample(String series, double atLeast) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double value;
        while ((value = sample(series)) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return value;
    }

    @Test
    void countersMatchTheTrafficServed() throws Exception {
        try (HftpClient client = HftpClient.connect("127.0.0.1", server.port())) {
            assertEquals(2, client.list().get().size());
            assertEquals(12L, client.size("hello.txt").get());
            ExecutionException missing = assertThrows(ExecutionException.class, () -> client.size("nope").get());
            assertEquals(202, ((HftpException) missing.getCause()).status().code());
            assertEquals((long) BIG, client.slice("big.bin", 0, BIG, new Discard(), false, null).get());
            assertEquals((long) BIG - 5, client.slice("big.bin", 5, BIG - 5, new Discard(), true, null).get());

            assertEquals(1, requests("get_file_listing", 0));
            assertEquals(1, requests("get_metadata", 0));
            assertEquals(1, requests("get_metadata", 202));
            assertEquals(2, requests("get_slice", 0));
            assertEquals(BIG, sample("hftp_slice_bytes_total{mode=\"base64\"}"));
            assertEquals(BIG - 5, sample("hftp_slice_bytes_total{mode=\"raw\"}"));
            assertEquals(1, sample("hftp_transfer_duration_seconds_count{mode=\"base64\"}"));
            assertEquals(1, sample("hftp_transfer_duration_seconds_count{mode=\"raw\"}"));
            assertEquals(1, sample("hftp_connections_open"));
            assertEquals(1, sample("hftp_connections_total"));

            // The limit is 2: one of the next two connections is refused, and counted. Which one depends on the
            // order in which the event loops see them.
            try (Socket second = new Socket("127.0.0.1", server.port());
                 Socket third = new Socket("127.0.0.1", server.port())) {
                assertEquals(1, awaitSample("hftp_connections_refused_total", 1));
                assertEquals(2, sample("hftp_connections_open"));
                assertEquals(1, (isClosedByServer(second) ? 1 : 0) + (isClosedByServer(third) ? 1 : 0),
                        "exactly one of the two is closed");
            }
        }
        assertEquals(1, requests("quit", 0), "HftpClient.close() sends quit");
        assertEquals(0, awaitZeroOpen());
    }

    /** Whether the server closed the socket (end of stream); an open, silent one times out after 1 s. */
    private static boolean isClosedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(1_000);
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    private double awaitZeroOpen() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double open;
        while ((open = sample("hftp_connections_open")) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return open;
    }

    @Test
    void bytesAreCountedWhileATransferIsInFlight() throws Exception {
        Path huge = dir.resolve("huge.bin");
        long size = 1L << 30;
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(size);
        }
        try (HftpTestClient reader = new HftpTestClient(server.port(), 10_000, 64 * 1024)) {
            // Read the status line and a little of the body, then stop reading: the transfer stalls midway.
            assertEquals("0 OK", reader.command("get_slice huge.bin 0 " + size + " raw").toString());
            reader.socket().getInputStream().readNBytes(1024);
            double sent = awaitSample("hftp_slice_bytes_total{mode=\"raw\"}", 1);
            assertTrue(sent > 0 && sent < size, "bytes counted midway: " + sent);
            assertEquals(0, sample("hftp_transfer_duration_seconds_count{mode=\"raw\"}"));
        }
        // The client left: the transfer ended, unfinished, and its duration is recorded.
        assertEquals(1, awaitSample("hftp_transfer_duration_seconds_count{mode=\"raw\"}", 1));
        assertTrue(sample("hftp_slice_bytes_total{mode=\"raw\"}") < size);
    }

    @Test
    void pastItsConnectionLimitTheEndpointEvictsItsOldestIdleConnection() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < METRICS_CONNECTIONS; i++) {
                sockets.add(new Socket("127.0.0.1", server.metricsAddress().getPort()));
            }
            // Each one is served: a scrape on the last one gets an answer.
            Socket last = sockets.get(sockets.size() - 1);
            assertEquals("HTTP/1.1 200 OK", scrapeStatus(last));
            try (Socket over = new Socket("127.0.0.1", server.metricsAddress().getPort())) {
                // Not refused: it takes the place of the oldest, which has sent nothing.
                assertEquals("HTTP/1.1 200 OK", scrapeStatus(over));
                assertTrue(isClosedByServer(sockets.get(0)), "the oldest idle connection is closed");
                assertFalse(isClosedByServer(sockets.get(1)), "the next one stays open");
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        // Closed ones are counted out: a new scrape is served.
        assertEquals(200, get("/metrics").statusCode());
    }

    /** Sends a scrape on {@code socket} and reads the status line of its reply. */
    private static String scrapeStatus(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /metrics HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(10_000);
        return new String(socket.getInputStream().readNBytes(15), StandardCharsets.US_ASCII);
    }

    @Test
    void otherPathsAreNotFound() throws Exception {
        HttpResponse<String> response = get("/");
        assertEquals(404, response.statusCode());
        assertEquals("not found: the metrics are at /metrics\n", response.body());
    }

    @Test
    void theEndpointClosesWithTheServer() {
        int metricsPort = server.metricsAddress().getPort();
        server.close();
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", metricsPort), 5_000);
            }
        });
    }

    @Test
    void aServerWithoutMetricsHasNoEndpoint() throws IOException {
        try (HftpServer plain = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start()) {
            assertNull(plain.metricsAddress());
        }
    }

    @Test
    void aMetricsPortInUseFailsTheStart() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            HftpServerBootstrap bootstrap = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)
                    .metricsPort(taken.getLocalPort());
            IOException e = assertThrows(IOException.class, bootstrap::start);
            assertInstanceOf(BindException.class, e);
            assertTrue(e.getMessage().contains("metrics"), e.getMessage());
        }
    }

    @Test
    void anHftpPortInUseFailsTheStartAndClosesTheMetricsEndpoint() throws IOException {
        int metricsPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            metricsPort = probe.getLocalPort();
        }
        HftpServerBootstrap bootstrap = new HftpServerBootstrap().directory(dir).address("127.0.0.1")
                .port(server.port()).metricsPort(metricsPort);
        assertThrows(BindException.class, bootstrap::start);
        // The endpoint had started before the HFTP bind failed: it was closed, its port is free again.
        try (ServerSocket again = new ServerSocket(metricsPort, 50, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(metricsPort, again.getLocalPort());
        } catch (BindException stillBound) {
            fail("the metrics port stayed bound after the failed start");
        }
    }

    /** A sink that keeps nothing. */
    private static final class Discard implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
