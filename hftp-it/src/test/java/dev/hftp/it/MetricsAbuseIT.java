package dev.hftp.it;

import dev.hftp.it.AbuseSupport.Memory;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.memory;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.millis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus endpoint against clients that would keep scrapers out or make it hold memory, over real
 * sockets on loopback: connections that each send half a request, a client that pipelines thousands of
 * scrapes and reads none of the replies, and a request that never ends.
 */
@Timeout(120)
class MetricsAbuseIT {

    /** MetricsEndpoint.MAX_CONNECTIONS, package-private in the server. */
    private static final int METRICS_CONNECTIONS = 32;
    /** MetricsEndpointInitializer.REQUEST_DEADLINE, package-private in the server. */
    private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);
    /** How long the server is watched while a client pipelines scrapes without reading, and its bound. */
    private static final Duration WATCH = Duration.ofSeconds(6);
    private static final long DIRECT_BOUND = 8L * MiB;
    private static final String SCRAPE = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    @TempDir
    Path dir;
    private HftpServer server;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).metricsPort(0).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        server.close();
    }

    private int metricsPort() {
        return server.metricsAddress().getPort();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", metricsPort());
        resources.add(socket);
        return socket;
    }

    /**
     * A whole scrape on a new connection that the server closes after it: its status line if it ends in
     * {@code timeout}; fails if the server closes first or does not answer in time.
     */
    private String scrape(Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", metricsPort()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] response;
            try {
                response = socket.getInputStream().readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no whole scrape in " + timeout.toMillis() + " ms", e);
            } catch (SocketException e) {
                throw new AssertionError("the scraper was refused: " + e, e);
            }
            String text = new String(response, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                throw new AssertionError("the scraper was refused: the server closed its connection unanswered");
            }
            assertTrue(text.contains("\nhftp_connections_open "), text);
            return text.substring(0, text.indexOf("\r\n"));
        }
    }

    /** Whether the server has closed {@code socket} (end of stream or reset), waiting at most {@code millis}. */
    private static boolean isClosedByServer(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Test
    void connectionsHoldingHalfARequestEachDoNotLockOutAScraper() throws Exception {
        int attackers = METRICS_CONNECTIONS + 8;
        List<Socket> halves = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            Socket half = connect();
            half.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            halves.add(half);
        }
        Thread.sleep(200);

        long start = System.nanoTime();
        // Well under the request deadline: the scraper gets in by evicting an attacker, not by waiting for one
        // to time out.
        String status = scrape(Duration.ofSeconds(3));
        long elapsed = System.nanoTime() - start;
        int evicted = 0;
        for (Socket half : halves) {
            evicted += isClosedByServer(half, 1) ? 1 : 0;
        }

        figure("MetricsAbuseIT", "%d connections holding half a request (limit %d): a scraper served in %s; "
                + "%d of them evicted", attackers, METRICS_CONNECTIONS, millis(elapsed), evicted);
        assertEquals("HTTP/1.1 200 OK", status);
        assertTrue(evicted >= attackers - METRICS_CONNECTIONS + 1, "evicted: " + evicted);
    }

    @Test
    void aClientPipeliningScrapesWithoutReadingHoldsLittleMemoryAndOthersAreServed() throws Exception {
        int pipelined = 20_000;
        scrape(Duration.ofSeconds(10)); // the scrape's classes loaded and its buffers allocated once
        Memory before = memory();

        Abuser abuser = new Abuser(metricsPort(), SCRAPE.getBytes(StandardCharsets.US_ASCII), pipelined);
        resources.add(abuser);
        await(abuser::stalledOrDone, Duration.ofSeconds(30), "the pipelining client's writes to stall or end");
        // The server answers what it has read until its socket takes no more, then must hold what it holds:
        // watched for a while, since a server that answers them all grows by 5-10 MiB a second here.
        long watchStart = System.nanoTime();
        Memory during;
        long direct;
        do {
            Thread.sleep(500);
            during = memory();
            direct = during.direct() - before.direct();
        } while (direct < DIRECT_BOUND && System.nanoTime() - watchStart < WATCH.toNanos());
        figure("MetricsAbuseIT", "%d pipelined 'GET /metrics' (%s) never read: the kernel took %s; growth after "
                        + "%s: heap %s, direct %s (%s in the server's pooled buffers)",
                pipelined, mib((long) pipelined * SCRAPE.length()), mib(abuser.written()),
                millis(System.nanoTime() - watchStart), mib(during.heapAfterGc() - before.heapAfterGc()), mib(direct),
                mib(during.directGrowthSince(before)));
        figure("MetricsAbuseIT", "memory before: %s", before);
        figure("MetricsAbuseIT", "memory during: %s", during);
        // A server that answered every request would queue 20,000 replies, 300 MiB; this one holds one reply
        // (16 KB), its write buffer (64 KiB at most) and a socket read (4 KiB), in an allocator chunk it has.
        assertTrue(direct < DIRECT_BOUND, "direct memory grew by " + mib(direct) + " in "
                + millis(System.nanoTime() - watchStart));
        assertTrue(during.directGrowthSince(before) < 256 * KiB, "the server's buffers grew by "
                + mib(during.directGrowthSince(before)));

        long start = System.nanoTime();
        String status = scrape(Duration.ofSeconds(5));
        long elapsed = System.nanoTime() - start;
        figure("MetricsAbuseIT", "meanwhile another scraper served in %s", millis(elapsed));

        assertEquals("HTTP/1.1 200 OK", status);
        assertTrue(elapsed < 2_000_000_000L, "another scraper waited " + millis(elapsed));
        // What was measured was a connection held, not one the server had given up.
        assertTrue(abuser.readsRepliesFor(Duration.ofSeconds(1)), "the server closed the pipelining connection");
    }

    @Test
    void aRequestNotWholeWithinTheDeadlineIsClosed() throws Exception {
        Socket slow = connect();
        OutputStream out = slow.getOutputStream();
        InputStream in = slow.getInputStream();
        long start = System.nanoTime();
        out.write("GET /metrics HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        // One more byte of the header every half second: never idle, never whole.
        slow.setSoTimeout(500);
        boolean closed = false;
        while (!closed && System.nanoTime() - start < REQUEST_DEADLINE.toNanos() * 2) {
            try {
                closed = in.read() == -1;
            } catch (SocketTimeoutException stillOpen) {
                try {
                    out.write('a');
                } catch (SocketException reset) {
                    closed = true;
                }
            } catch (SocketException reset) {
                closed = true;
            }
        }
        long elapsed = System.nanoTime() - start;

        figure("MetricsAbuseIT", "a request head dribbled a byte every 500 ms: closed after %s",
                closed ? millis(elapsed) : "never (still open after " + millis(elapsed) + ")");
        assertTrue(closed, "still open after " + millis(elapsed));
        assertTrue(elapsed > REQUEST_DEADLINE.toNanos() - 500_000_000L, "closed early, after " + millis(elapsed));
        assertTrue(elapsed < REQUEST_DEADLINE.toNanos() + 3_000_000_000L, "closed late, after " + millis(elapsed));
    }

    /** Writes {@code count} copies of a request as fast as the server takes them, and reads nothing. */
    private static final class Abuser implements AutoCloseable {
        private final SocketChannel channel;
        private final ByteBuffer requests;
        private final long total;
        private final AtomicLong written = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread writer;
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile boolean stop;

        Abuser(int port, byte[] request, int count) throws IOException {
            requests = ByteBuffer.allocate(request.length * count);
            for (int i = 0; i < count; i++) {
                requests.put(request);
            }
            requests.flip();
            total = requests.remaining();
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.configureBlocking(false);
            writer = new Thread(this::write, "pipelining-scraper");
            writer.setDaemon(true);
            writer.start();
        }

        private void write() {
            try {
                while (!stop && requests.hasRemaining()) {
                    // 64 KiB at a time: the JDK copies each write through a direct buffer of its size.
                    ByteBuffer part = requests.slice();
                    part.limit(Math.min(part.remaining(), 64 * KiB));
                    int n = channel.write(part);
                    if (n > 0) {
                        requests.position(requests.position() + n);
                        written.addAndGet(n);
                        lastProgressNanos = System.nanoTime();
                    } else {
                        Thread.sleep(5);
                    }
                }
            } catch (Throwable e) {
                if (!stop) {
                    failure.set(e);
                }
            }
        }

        boolean stalledOrDone() {
            if (failure.get() != null) {
                throw new AssertionError("the pipelining client failed", failure.get());
            }
            return written.get() == total || System.nanoTime() - lastProgressNanos > 1_000_000_000L;
        }

        long written() {
            return written.get();
        }

        /** Reads replies for {@code duration}: false if the server closes the connection meanwhile. */
        boolean readsRepliesFor(Duration duration) throws InterruptedException {
            ByteBuffer replies = ByteBuffer.allocate(64 * KiB);
            long end = System.nanoTime() + duration.toNanos();
            try {
                while (System.nanoTime() - end < 0) {
                    replies.clear();
                    int n = channel.read(replies);
                    if (n < 0) {
                        return false;
                    }
                    if (n == 0) {
                        Thread.sleep(5);
                    }
                }
                return true;
            } catch (IOException reset) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            stop = true;
            try {
                writer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (channel.isOpen()) {
                // A reset: the kernel drops what the server did not read.
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                channel.close();
            }
        }
    }
}
