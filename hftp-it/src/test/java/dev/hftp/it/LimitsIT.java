package dev.hftp.it;

import dev.hftp.it.AbuseSupport.Memory;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import static dev.hftp.it.Exchanges.HELP_REPLY;
import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.UNPACED;
import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.expectBytes;
import static dev.hftp.it.AbuseSupport.expectRawSliceHeader;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.memory;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.patternBytes;
import static dev.hftp.it.AbuseSupport.readPatternBase64;
import static dev.hftp.it.AbuseSupport.readPatternRaw;
import static dev.hftp.it.AbuseSupport.writePatternFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each limit of {@link HftpServerBootstrap}, set through the embedding API and observed on the wire:
 * {@code maxConnections}, {@code idleTimeout}, {@code maxLineLength} and
 * {@code writeBufferHighWaterMark}.
 */
@Timeout(60)
class LimitsIT {

    private static final String OK = "0 OK\r\n";
    private static final long BIG = 100L * MiB;
    private static final long MEDIUM = 10L * MiB;
    private static final int METADATA_FILES = 500;

    @TempDir
    static Path dir;
    private HftpServer server;
    private final List<HftpTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void files() throws IOException {
        writePatternFile(dir.resolve("big"), BIG);
        writePatternFile(dir.resolve("medium"), MEDIUM);
        for (int i = 0; i < METADATA_FILES; i++) {
            Files.write(dir.resolve(String.format("m%03d", i)), new byte[i]);
        }
    }

    @AfterEach
    void stop() throws IOException {
        for (HftpTestClient client : clients) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private HftpServer start(UnaryOperator<HftpServerBootstrap> limits) throws IOException {
        server = limits.apply(new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)).start();
        return server;
    }

    private HftpTestClient connect() throws IOException {
        return connect(0);
    }

    private HftpTestClient connect(int receiveBufferBytes) throws IOException {
        HftpTestClient client = new HftpTestClient(server.port(), 10_000, receiveBufferBytes);
        clients.add(client);
        return client;
    }

    private static void assertHelp(HftpTestClient client) throws IOException {
        client.sendRaw("help\r\n");
        expectBytes(client.inputStream(), HELP_REPLY);
    }

    // ---------------------------------------------------------------- maxConnections

    @Test
    void connectionOverTheLimitIsAcceptedThenClosedAtOnceCountedAndTheNextOneServedOnceOneCloses()
            throws Exception {
        start(b -> b.maxConnections(3));
        List<HftpTestClient> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HftpTestClient client = connect();
            assertHelp(client);
            admitted.add(client);
        }
        assertEquals(3, server.openConnections());

        HftpTestClient fourth = connect(); // the TCP handshake succeeds: the kernel accepts it
        long start = System.nanoTime();
        assertEquals(-1, fourth.inputStream().read(), "the connection over the limit must be closed (end of stream)");
        long closedAfterMillis = (System.nanoTime() - start) / 1_000_000;
        await(() -> server.refusedConnections() == 1, Duration.ofSeconds(5), "refusedConnections() == 1");
        assertEquals(3, server.acceptedConnections());
        assertEquals(3, server.openConnections());
        assertTrue(closedAfterMillis < 2_000, "closed after " + closedAfterMillis + " ms, expected at once");
        for (HftpTestClient client : admitted) {
            assertHelp(client); // the refusal did not disturb the connections within the limit
        }

        admitted.get(0).close();
        await(() -> server.openConnections() == 2, Duration.ofSeconds(5), "openConnections() == 2 after a close");
        HftpTestClient next = connect();
        assertHelp(next);
        assertEquals(4, server.acceptedConnections());
        assertEquals(1, server.refusedConnections());

        // Full again: the next one over the limit is refused too.
        assertEquals(-1, connect().inputStream().read());
        await(() -> server.refusedConnections() == 2, Duration.ofSeconds(5), "refusedConnections() == 2");
        figure("LimitsIT", "maxConnections(3): 4th connection closed after %d ms; accepted %d, refused %d, open %d",
                closedAfterMillis, server.acceptedConnections(), server.refusedConnections(), server.openConnections());
    }

    // ---------------------------------------------------------------- idleTimeout

    @Test
    void idleConnectionIsClosedAfterTheTimeoutWhileABusyOneStaysOpen() throws Exception {
        start(b -> b.idleTimeout(Duration.ofMillis(500)));
        HftpTestClient idle = connect();
        HftpTestClient idleMidLine = connect();
        HftpTestClient busy = connect();
        idleMidLine.sendRaw("get_meta"); // an unfinished request is no activity once it stops coming
        long start = System.nanoTime();

        // The busy client talks every 150 ms for 1.5 s, three times the timeout: it must stay open.
        while (System.nanoTime() - start < 1_500_000_000L) {
            assertHelp(busy);
            Thread.sleep(150);
        }
        assertEquals(-1, idle.inputStream().read(), "the idle connection must have been closed");
        long idleClosedMillis = (System.nanoTime() - start) / 1_000_000; // an upper bound: it was closed before
        assertEquals(-1, idleMidLine.inputStream().read(), "the idle half-sent request must have been closed");
        assertHelp(busy);

        // Then the busy one goes quiet and is closed too, no sooner than the timeout.
        long quiet = System.nanoTime();
        assertEquals(-1, busy.inputStream().read());
        long busyClosedAfterMillis = (System.nanoTime() - quiet) / 1_000_000;
        figure("LimitsIT", "idleTimeout(500 ms): idle connections closed (seen at %d ms, after 1.5 s of the busy "
                + "client's traffic); the busy one closed %d ms after its last request", idleClosedMillis,
                busyClosedAfterMillis);
        assertTrue(busyClosedAfterMillis >= 400 && busyClosedAfterMillis < 5_000,
                "busy connection closed " + busyClosedAfterMillis + " ms after its last request, expected ~500 ms");
        await(() -> server.openConnections() == 0, Duration.ofSeconds(5), "no connection left open");
    }

    @Test
    void slowReaderOfALongBase64SliceIsNotIdle() throws Exception {
        readLongSliceSlowlyWithIdleTimeout(false);
    }

    /**
     * The same as a raw slice, which is one write (a file region) that completes only at its end, whereas a
     * base64 slice completes a write per chunk: Netty's IdleStateHandler, even with observeOutput, ignores
     * output progress for its first idle event, which the server must not take for idleness.
     */
    @Test
    void slowReaderOfALongRawSliceIsNotIdle() throws Exception {
        readLongSliceSlowlyWithIdleTimeout(true);
    }

    /** "Output that makes progress counts as activity: a slow reader of a long slice is not idle." */
    private void readLongSliceSlowlyWithIdleTimeout(boolean raw) throws Exception {
        start(b -> b.idleTimeout(Duration.ofSeconds(1)));
        long size = 24L * MiB;
        long pace = 8L * MiB; // 3 s, three times the timeout; the server's socket buffer drains in < 0.5 s
        HftpTestClient client = connect(64 * KiB);
        client.sendRaw("get_slice big 7 " + size + (raw ? " raw" : "") + "\r\n");
        long start = System.nanoTime();
        AtomicLong received = new AtomicLong();
        try {
            if (raw) {
                expectRawSliceHeader(client.inputStream(), size);
                readPatternRaw(client.inputStream(), 7, size, pace, received);
            } else {
                expectBytes(client.inputStream(), OK);
                readPatternBase64(client.inputStream(), 7, size, pace, received);
            }
        } catch (IOException e) {
            figure("LimitsIT", "idleTimeout(1 s): %s slice read at %s/s CUT after %d ms and %s: %s",
                    raw ? "raw" : "base64", mib(pace), (System.nanoTime() - start) / 1_000_000, mib(received.get()),
                    e.getMessage());
            throw e;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertHelp(client);
        figure("LimitsIT", "idleTimeout(1 s): a %s %s slice read at %s/s over %d ms arrived whole, connection open",
                mib(size), raw ? "raw" : "base64", mib(pace), millis);
        assertTrue(millis > 2_000, "the slice took " + millis + " ms: too fast to prove anything");
    }

    // ---------------------------------------------------------------- requests read on demand

    @Test
    void manyRequestsPipelinedBehindALongTransferAreAllAnsweredInOrder() throws Exception {
        start(b -> b);
        HftpTestClient client = connect();
        StringBuilder requests = new StringBuilder("get_slice big 0 " + BIG + " raw\r\n");
        for (int i = 0; i < METADATA_FILES; i++) {
            requests.append(String.format("get_metadata m%03d\r\n", i));
            if (i % 50 == 49) {
                // More transfers among them: each holds the requests behind it again.
                requests.append("get_slice big ").append(i * 1000L).append(" 4096\r\n");
            }
        }
        requests.append("help\r\n");
        long start = System.nanoTime();
        client.sendRaw(requests.toString());

        InputStream in = client.inputStream();
        expectRawSliceHeader(in, BIG);
        readPatternRaw(in, 0, BIG, UNPACED, new AtomicLong());
        for (int i = 0; i < METADATA_FILES; i++) {
            expectBytes(in, OK + i + "\r\n");
            if (i % 50 == 49) {
                expectBytes(in, OK + Base64.getEncoder().encodeToString(patternBytes(i * 1000L, 4096)) + "\r\n");
            }
        }
        expectBytes(in, HELP_REPLY);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(client.isSilentFor(200), "nothing may follow the last reply");
        figure("LimitsIT", "%d metadata + 10 slices pipelined behind a %s raw slice, "
                + "all %d replies in order in %d ms", METADATA_FILES, mib(BIG), METADATA_FILES + 12, millis);
    }

    // ---------------------------------------------------------------- maxLineLength

    @Test
    void linesLongerThanTheConfiguredLimitAreAnsweredAsTheWholeLine() throws Exception {
        start(b -> b.maxLineLength(64));
        String longName = "n".repeat(200); // a real file whose name alone is over the limit
        Files.writeString(dir.resolve(longName), "abc");
        try {
            HftpTestClient client = connect();
            InputStream in = client.inputStream();
            String atLimit = "get_metadata " + "q".repeat(64 - 13); // exactly 64 bytes
            client.sendRaw(atLimit + "\r\n");
            expectBytes(in, "202 FILE NOT FOUND\r\n");
            client.sendRaw("get_metadata " + longName + "\r\n");
            expectBytes(in, OK + "3\r\n");
            client.sendRaw("get_slice " + longName + " 1 2\r\n");
            expectBytes(in, OK + "YmM=\r\n");
            client.sendRaw("get_slice " + longName + " 00000000000000000000000000000000000000000000000000001 2 raw\r\n");
            expectBytes(in, OK + "Content-Length: 2\r\n\r\nbc");
            client.sendRaw("get_metadata " + "a".repeat(100) + "~\r\n");
            expectBytes(in, "201 INVALID ARGUMENTS FOR COMMAND\r\n");
            client.sendRaw("no_such_command_" + "x".repeat(100) + "\r\n");
            expectBytes(in, "200 NO SUCH COMMAND\r\n");
            byte[] fiveMiB = ("get_metadata " + "a".repeat(5 * MiB) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            client.sendRaw(fiveMiB);
            expectBytes(in, "202 FILE NOT FOUND\r\n");
            assertHelp(client);
        } finally {
            Files.delete(dir.resolve(longName));
        }
    }

    @Test
    void configuredLineLimitBoundsWhatTheServerBuffersForAnUnfinishedLine() throws Exception {
        int connections = 8;
        long withSmallLimit = bufferedByUnfinishedLines(KiB, connections);
        // Contrast: with a limit above the line, the same lines are buffered whole (8 MiB), which shows that
        // the measure sees them and that the small limit is what keeps the first figure low. Kept small enough
        // for a JVM run with -Xmx64m (64 MiB of direct memory too).
        long withLargeLimit = bufferedByUnfinishedLines(4 * MiB, connections);
        figure("LimitsIT", "maxLineLength: %d connections each with an unfinished 1 MiB line: server memory grew by "
                + "%s with maxLineLength(1 KiB), by %s with maxLineLength(4 MiB)", connections,
                mib(withSmallLimit), mib(withLargeLimit));
        assertTrue(withLargeLimit > connections * 3L * MiB / 4, "the contrast did not buffer the lines: "
                + mib(withLargeLimit));
        // Per connection: the 1 KiB limit, plus a socket read or two (up to 64 KiB each) and allocator slack.
        assertTrue(withSmallLimit < connections * 256L * KiB, "the 1 KiB limit let " + mib(withSmallLimit)
                + " be buffered for " + connections + " connections");
    }

    /** Starts a server with {@code limit}, sends each connection 1 MiB of one line, returns the memory growth. */
    private long bufferedByUnfinishedLines(int limit, int connections) throws Exception {
        start(b -> b.maxLineLength(limit));
        assertHelp(connect()); // the server's threads and buffers exist before the first measure
        byte[] unfinished = ("get_metadata " + "a".repeat(MiB - 13)).getBytes(StandardCharsets.US_ASCII);
        Memory before = memory();
        List<HftpTestClient> senders = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            HftpTestClient sender = connect();
            sender.sendRaw(unfinished);
            senders.add(sender);
        }
        // Nothing answers an unfinished line: let the server read what was sent until its memory settles.
        Memory during = memory();
        for (int round = 0; round < 40; round++) {
            Thread.sleep(100);
            Memory now = memory();
            boolean settled = Math.abs(now.directGrowthSince(during) + now.heapAfterGc() - during.heapAfterGc())
                    < 256 * KiB;
            during = now;
            if (settled && round >= 4) {
                break;
            }
        }
        for (HftpTestClient sender : senders) {
            // The whole line was received: its end gets the answer of the whole line.
            sender.sendRaw("\r\n");
            expectBytes(sender.inputStream(), "202 FILE NOT FOUND\r\n");
            assertHelp(sender);
        }
        figure("LimitsIT", "maxLineLength(%d) before: %s", limit, before);
        figure("LimitsIT", "maxLineLength(%d) with %d unfinished 1 MiB lines: %s", limit, connections, during);
        for (HftpTestClient client : clients) {
            client.close();
        }
        clients.clear();
        server.close();
        server = null;
        return during.directGrowthSince(before) + Math.max(0, during.heapAfterGc() - before.heapAfterGc());
    }

    // ---------------------------------------------------------------- writeBufferHighWaterMark

    @Test
    void smallWriteBufferStillServesLargeSlicesExactly() throws Exception {
        start(b -> b.writeBufferHighWaterMark(8 * KiB));
        HftpTestClient client = connect();
        InputStream in = client.inputStream();
        long start = System.nanoTime();
        // Pipelined: the base64 slice, the raw one, then a metadata that must come last.
        client.sendRaw("get_slice medium 0 " + MEDIUM + "\r\nget_slice medium 1 " + (MEDIUM - 1)
                + " raw\r\nget_metadata medium\r\n");
        expectBytes(in, OK);
        readPatternBase64(in, 0, MEDIUM, UNPACED, new AtomicLong());
        expectRawSliceHeader(in, MEDIUM - 1);
        readPatternRaw(in, 1, MEDIUM - 1, UNPACED, new AtomicLong());
        expectBytes(in, OK + MEDIUM + "\r\n");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertHelp(client);
        figure("LimitsIT", "writeBufferHighWaterMark(8 KiB): %s base64 + %s raw slices exact in %d ms",
                mib(MEDIUM), mib(MEDIUM - 1), millis);
    }
}
