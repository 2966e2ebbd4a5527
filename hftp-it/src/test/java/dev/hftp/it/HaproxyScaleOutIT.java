package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.it.HaproxyExtension.Routed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.expectBytes;
import static dev.hftp.it.AbuseSupport.expectRawSliceHeader;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.patternBytes;
import static dev.hftp.it.AbuseSupport.readPatternRaw;
import static dev.hftp.it.AbuseSupport.writePatternFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out: two instances over one shared read-only directory behind HAProxy in TCP mode (Debian's
 * {@code haproxy}, run by the test as a child process; only in the {@code haproxy} profile, see
 * hftp-it/pom.xml and docs/OPERATIONS.md). HFTP keeps no state between requests and a connection is served
 * wholly by one instance, so any instance can serve any connection: requests through HAProxy are answered byte
 * for byte by both instances, and a file downloaded in ranges over several connections (spread over both)
 * joins into the right bytes. Then one instance is closed while it streams a slice: the slice completes
 * (graceful close), HAProxy's health check takes the instance out, and every new connection succeeds on the
 * other one. Last, a third instance behind a frontend that sends the PROXY protocol logs the clients' own
 * addresses. Each test starts its own instances and HAProxy (ServerExtension, HaproxyExtension).
 *
 * <p>Which instance served a connection is taken from HAProxy's log (one line per connection, with the
 * client's port and the server's name), since both instances serve the same bytes; the instances' own
 * counters confirm it. What a client can see while an instance shuts down is asserted exactly, see
 * {@link #closingOneInstanceLetsItsTransferFinishAndTheOtherServesEveryNewConnection()}.
 */
class HaproxyScaleOutIT {

    private static final String TEXT = "!Que calor que hace hoy, pinta una birra!";
    /** Not a multiple of 3, so that base64 slices of the whole file end in padding. */
    private static final int PATTERN_SIZE = 3 * MiB + 7;
    /** The file streamed while its instance shuts down: about 4 s at {@link #PACE}. */
    private static final long BIG_SIZE = 64L * MiB;
    private static final long PACE = 16L * MiB;
    private static final List<String> NAMES = List.of("archivo.txt", "big", "pattern.bin");
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final Path WORK = Path.of("target", "haproxy-it").toAbsolutePath();

    @TempDir
    Path dir;
    @RegisterExtension
    final ServerExtension servers = new ServerExtension();
    @RegisterExtension
    final HaproxyExtension haproxies = new HaproxyExtension();
    private HftpServer a;
    private HftpServer b;
    private HaproxyExtension.Haproxy haproxy;

    // ---------------------------------------------------------------- setup: files, instances, HAProxy

    /**
     * The shared directory, read-only as a shared directory should be for the servers (the test runs as root on
     * some machines, where this is not enforced; the servers only read in any case).
     */
    @BeforeEach
    void writeFiles() throws IOException {
        Files.writeString(dir.resolve("archivo.txt"), TEXT, StandardCharsets.US_ASCII);
        writePatternFile(dir.resolve("pattern.bin"), PATTERN_SIZE);
        writePatternFile(dir.resolve("big"), BIG_SIZE);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    @AfterEach
    void makeDeletable() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    /** Two instances, a and b, behind one HAProxy frontend in TCP mode with health checks. */
    private void startBalanced() throws Exception {
        a = servers.start(ServerExtension.on(dir).shutdownGrace(GRACE));
        b = servers.start(ServerExtension.on(dir).shutdownGrace(GRACE));
        haproxy = haproxies.start(WORK, port -> config(port, String.join("\n",
                "backend instances",
                "    balance leastconn",
                "    option tcp-check",
                "    tcp-check send \"help\\r\\n\"",
                "    tcp-check expect string \"0 OK\"",
                "    server a 127.0.0.1:" + a.port() + " check inter 200ms fall 1 rise 1",
                "    server b 127.0.0.1:" + b.port() + " check inter 200ms fall 1 rise 1")));
        AbuseSupport.say("[HaproxyScaleOutIT] HAProxy on 127.0.0.1:" + haproxy.port() + " in front of a (port "
                + a.port() + ") and b (port " + b.port() + ")");
    }

    /** The configuration the test runs HAProxy with; docs/OPERATIONS.md shows the same for production. */
    private static String config(int port, String backend) {
        return String.join("\n",
                "global",
                "    log stdout format raw local0 info",
                "defaults",
                "    mode tcp",
                "    log global",
                "    log-format \"" + HaproxyExtension.LOG_FORMAT + "\"",
                "    option redispatch 1",
                "    retries 2",
                "    timeout connect 1s",
                "    timeout client 30s",
                "    timeout server 30s",
                "    timeout check 1s",
                "frontend hftp",
                "    bind 127.0.0.1:" + port,
                "    default_backend " + backend.substring("backend ".length(), backend.indexOf('\n')),
                backend,
                "");
    }

    // ---------------------------------------------------------------- sessions through HAProxy

    /**
     * One whole session through HAProxy, every reply checked byte for byte: listing, metadata, a base64 and a
     * raw slice of a range that depends on {@code n}, quit. Returns the client's port (HAProxy logs it).
     * {@code beforeQuit} runs with the connection still open.
     */
    private int session(int n, CountDownLatch beforeQuit, CountDownLatch quit) throws Exception {
        try (HftpTestClient client = new HftpTestClient(haproxy.port())) {
            int port = client.socket().getLocalPort();
            assertEquals("0 OK", client.command("get_file_listing").toString());
            assertEquals(NAMES, client.readLines());
            assertEquals("0 OK", client.command("get_metadata pattern.bin").toString());
            assertEquals(Integer.toString(PATTERN_SIZE), client.readLine());
            int size = 1 + (n * 7919) % (256 * KiB);
            int offset = (int) ((n * 104_729L) % (PATTERN_SIZE - size));
            String range = offset + " " + size;
            assertEquals("0 OK", client.command("get_slice pattern.bin " + range).toString());
            assertArrayEquals(patternBytes(offset, size), readBase64Slice(client, size), "base64 slice " + range);
            assertEquals("0 OK", client.command("get_slice pattern.bin " + range + " raw").toString());
            assertArrayEquals(patternBytes(offset, size), client.readRawSlice(), "raw slice " + range);
            assertEquals("0 OK", client.command("get_slice archivo.txt 5 20").toString());
            assertEquals("Y2Fsb3IgcXVlIGhhY2UgaG95LCA=", client.readLine());
            if (beforeQuit != null) {
                beforeQuit.countDown();
                assertTrue(quit.await(20, TimeUnit.SECONDS), "not released");
            }
            assertEquals("0 OK", client.command("quit").toString());
            assertTrue(client.isClosedByServer(), "quit did not close the connection");
            return port;
        }
    }

    /** {@code count} sessions at once, all holding their connections open until all have been answered. */
    private List<Integer> concurrentSessions(int first, int count, Runnable whileAllOpen) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch answered = new CountDownLatch(count);
            CountDownLatch quit = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = first + i;
                futures.add(pool.submit(() -> session(n, answered, quit)));
            }
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!answered.await(20, TimeUnit.MILLISECONDS)) {
                    for (Future<Integer> future : futures) {
                        if (future.isDone()) {
                            result(future); // a session that ended before quit failed: throws its failure
                        }
                    }
                    assertTrue(System.nanoTime() < deadline, "concurrent sessions not answered in 10 s");
                }
                whileAllOpen.run();
            } finally {
                quit.countDown();
            }
            List<Integer> ports = new ArrayList<>();
            for (Future<Integer> future : futures) {
                ports.add(result(future));
            }
            return ports;
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T result(Future<T> future) throws Exception {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (Exception) e.getCause();
        }
    }

    private static Map<String, Integer> countByServer(Iterable<Routed> routes) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Routed route : routes) {
            counts.merge(route.server(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Reads the body of a base64 slice of {@code size} bytes in one go (the test client reads a line a byte at a
     * time, too slow for hundreds of large slices) and decodes it strictly: anything but base64 then CRLF fails.
     */
    private static byte[] readBase64Slice(HftpTestClient client, int size) throws IOException {
        byte[] text = client.readBytes((size + 2) / 3 * 4);
        expectBytes(client.inputStream(), "\r\n");
        return Base64.getDecoder().decode(text);
    }


    // ---------------------------------------------------------------- 1. both instances serve

    @Test
    @Timeout(30)
    void requestsThroughHaproxyAreServedByBothInstancesByteForByte() throws Exception {
        startBalanced();
        long acceptedA = a.acceptedConnections();
        long acceptedB = b.acceptedConnections();
        List<Integer> ports = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            ports.add(session(n, null, null));
        }
        int[] open = new int[2];
        ports.addAll(concurrentSessions(40, 16, () -> {
            open[0] = a.openConnections();
            open[1] = b.openConnections();
        }));
        // With 16 sessions open at once, both instances hold some (a health check may add one for a moment).
        assertTrue(open[0] >= 1 && open[1] >= 1 && open[0] + open[1] >= 16,
                "16 connections open through HAProxy: a holds " + open[0] + ", b " + open[1]);

        // A file downloaded as 8 ranges over 8 connections at once, spread over both instances by HAProxy.
        byte[] file = Files.readAllBytes(dir.resolve("pattern.bin"));
        int parts = 8;
        int partSize = (PATTERN_SIZE + parts - 1) / parts;
        byte[] joined = new byte[PATTERN_SIZE];
        ExecutorService pool = Executors.newFixedThreadPool(parts);
        List<Future<Integer>> ranges = new ArrayList<>();
        try {
            for (int i = 0; i < parts; i++) {
                int offset = i * partSize;
                int size = Math.min(partSize, PATTERN_SIZE - offset);
                boolean raw = i % 2 == 1;
                ranges.add(pool.submit(() -> {
                    try (HftpTestClient client = new HftpTestClient(haproxy.port())) {
                        String request = "get_slice pattern.bin " + offset + " " + size + (raw ? " raw" : "");
                        assertEquals("0 OK", client.command(request).toString());
                        byte[] part = raw ? client.readRawSlice() : readBase64Slice(client, size);
                        assertEquals(size, part.length);
                        System.arraycopy(part, 0, joined, offset, size);
                        assertEquals("0 OK", client.command("quit").toString());
                        assertTrue(client.isClosedByServer());
                        return client.socket().getLocalPort();
                    }
                }));
            }
            for (Future<Integer> range : ranges) {
                ports.add(result(range));
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(TestFiles.sha256(file), TestFiles.sha256(joined), "SHA-256 of the file joined from 8 ranges");

        Map<Integer, Routed> routes = haproxy.routes(ports);
        Map<String, Integer> byServer = countByServer(routes.values());
        long servedA = a.acceptedConnections() - acceptedA;
        long servedB = b.acceptedConnections() - acceptedB;
        figure("HaproxyScaleOutIT", "%d connections through HAProxy (40 one after another, 16 at once, 8 ranges at "
                        + "once): HAProxy's log gives %s; the instances accepted a %d and b %d connections meanwhile "
                        + "(their own and HAProxy's health checks); with 16 open at once a held %d and b %d",
                ports.size(), byServer, servedA, servedB, open[0], open[1]);
        for (Routed route : routes.values()) {
            assertEquals("0", route.retries(), "HAProxy retried a connection while both were up: " + route);
            assertEquals("--", route.termination(), "connection not ended normally: " + route);
        }
        // leastconn (round robin among equally loaded instances): both serve, about half each.
        assertTrue(byServer.getOrDefault("a", 0) >= ports.size() / 4, "a served too few: " + byServer);
        assertTrue(byServer.getOrDefault("b", 0) >= ports.size() / 4, "b served too few: " + byServer);
        assertEquals(ports.size(), byServer.get("a") + byServer.get("b"), "unknown servers: " + byServer);
        assertTrue(servedA >= byServer.get("a") && servedB >= byServer.get("b"),
                "the instances' counters disagree with HAProxy's log: a " + servedA + ", b " + servedB);
        assertEquals(0, a.refusedConnections() + b.refusedConnections());
    }

    // ---------------------------------------------------------------- 2. one instance shuts down

    /** A raw slice of the whole big file, read at {@link #PACE} on its own thread, then quit. */
    private static final class Transfer {
        final HftpTestClient client;
        final int port;
        final AtomicLong received = new AtomicLong();
        final CompletableFuture<String> after = new CompletableFuture<>();

        Transfer(int proxyPort) throws IOException {
            // A small receive buffer: the bulk of the slice stays to be sent by the instance.
            client = new HftpTestClient(proxyPort, 15_000, 64 * KiB);
            port = client.socket().getLocalPort();
            client.sendRaw("get_slice big 0 " + BIG_SIZE + " raw\r\n");
            Thread reader = new Thread(() -> {
                try {
                    expectRawSliceHeader(client.inputStream(), BIG_SIZE);
                    readPatternRaw(client.inputStream(), 0, BIG_SIZE, PACE, received);
                    try {
                        client.sendRaw("quit\r\n");
                    } catch (SocketException e) {
                        // Closed already: the draining instance closes the connection after the slice.
                    }
                    String rest = HftpTestClient.escape(client.readUntilClosed());
                    // HAProxy ends (and logs) the connection once this side is closed too.
                    client.close();
                    after.complete(rest);
                } catch (Throwable e) {
                    after.completeExceptionally(e);
                }
            }, "transfer-" + port);
            reader.setDaemon(true);
            reader.start();
        }

        /** What came after the slice, escaped, once the connection is closed. */
        String awaitAfter() throws Exception {
            try {
                return after.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("transfer on port " + port + " failed after " + mib(received.get()) + ": "
                        + e.getCause(), e.getCause());
            }
        }
    }

    /** A short session through HAProxy that a client repeats once on a new connection if it is closed unanswered. */
    private record Attempt(int port, Optional<String> closedUnanswered) {
    }

    /**
     * Metadata and a base64 slice, then quit. Returns the attempt; a connection closed where a status line was
     * expected ends it as "closed unanswered" (the client would retry); anything else wrong fails the test.
     */
    private Attempt shortSession(int n) throws Exception {
        try (HftpTestClient client = new HftpTestClient(haproxy.port())) {
            int port = client.socket().getLocalPort();
            int offset = (n * 4099) % (PATTERN_SIZE - 4096);
            for (String request : List.of("get_metadata pattern.bin", "get_slice pattern.bin " + offset + " 4096",
                    "quit")) {
                HftpTestClient.Reply reply;
                try {
                    reply = client.command(request);
                } catch (SocketException e) {
                    return new Attempt(port, Optional.of(request + ": " + e));
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).startsWith("connection closed after 0 bytes")) {
                        throw e;
                    }
                    return new Attempt(port, Optional.of(request + ": " + e.getMessage()));
                }
                // Once a reply has begun, it must come whole.
                assertEquals("0 OK", reply.toString(), request);
                if (request.startsWith("get_metadata")) {
                    assertEquals(Integer.toString(PATTERN_SIZE), client.readLine());
                } else if (request.startsWith("get_slice")) {
                    assertArrayEquals(patternBytes(offset, 4096), readBase64Slice(client, 4096));
                }
            }
            assertTrue(client.isClosedByServer());
            return new Attempt(port, Optional.empty());
        }
    }

    /**
     * One instance ({@code a}) is closed while two slices stream through HAProxy, one from each instance
     * ({@code leastconn} gives the second to the instance without the first; HAProxy's log confirms it afterwards).
     * <ul>
     * <li>{@code close()} waits for its transfer: that slice completes byte for byte, then the instance closes
     *     the connection (the {@code quit} sent after it is not answered); the other slice completes and its
     *     {@code quit} is answered.</li>
     * <li>While {@code a} drains, new sessions run one after another. A connection HAProxy routes to {@code a}
     *     after its listener closed is refused, and HAProxy redispatches it to {@code b} (its log shows the retry);
     *     the health check marks {@code a} down within about 200 ms. A connection {@code a} accepted just before
     *     it stopped listening is served until it is idle, then closed between replies (never within one): the
     *     client sees the connection closed where a status line was due, and repeats its session once on a new
     *     connection. Asserted: every session succeeds at the first or the second attempt, no reply is cut.</li>
     * <li>Once {@code close()} has returned and HAProxy has marked {@code a} down, every new connection succeeds
     *     at the first attempt, is served by {@code b}, and HAProxy retried none.</li>
     * </ul>
     */
    @Test
    @Timeout(40)
    void closingOneInstanceLetsItsTransferFinishAndTheOtherServesEveryNewConnection() throws Exception {
        startBalanced();
        Transfer first = new Transfer(haproxy.port());
        Transfer second = new Transfer(haproxy.port());
        await(() -> first.received.get() >= 4L * MiB && second.received.get() >= 4L * MiB, Duration.ofSeconds(10),
                "4 MiB of both slices read");
        await(() -> a.openConnections() >= 1 && b.openConnections() >= 1, Duration.ofSeconds(5),
                "a transfer open on each instance");

        long start = System.nanoTime();
        long receivedAtClose = Math.min(first.received.get(), second.received.get());
        CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
            a.close();
            return System.nanoTime();
        });
        // New sessions one after another for as long as a drains.
        List<Attempt> attempts = new ArrayList<>();
        int sessions = 0;
        int retried = 0;
        while (!closed.isDone()) {
            Attempt attempt = shortSession(sessions);
            attempts.add(attempt);
            if (attempt.closedUnanswered().isPresent()) {
                retried++;
                AbuseSupport.say("[HaproxyScaleOutIT] session " + sessions + " closed unanswered ("
                        + attempt.closedUnanswered().get() + "), repeated on a new connection");
                Attempt again = shortSession(sessions);
                attempts.add(again);
                assertTrue(again.closedUnanswered().isEmpty(), "the repeated session failed too: " + again);
            }
            sessions++;
            Thread.sleep(10);
        }
        long closeMillis = (closed.get(GRACE.toSeconds(), TimeUnit.SECONDS) - start) / 1_000_000;
        String afterFirst = first.awaitAfter();
        String afterSecond = second.awaitAfter();
        await(() -> haproxy.downNanos("instances/a") != 0, Duration.ofSeconds(5), "HAProxy's report that a is down");
        long downAfterMillis = (haproxy.downNanos("instances/a") - start) / 1_000_000;

        // a is out: every new connection, one after another and at once, succeeds the first time, on b.
        long acceptedB = b.acceptedConnections();
        List<Integer> afterPorts = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            afterPorts.add(session(1000 + n, null, null));
        }
        afterPorts.addAll(concurrentSessions(1040, 8, () -> { }));
        long servedB = b.acceptedConnections() - acceptedB;

        List<Integer> drainPorts = new ArrayList<>();
        attempts.forEach(attempt -> drainPorts.add(attempt.port()));
        List<Integer> all = new ArrayList<>(drainPorts);
        all.addAll(afterPorts);
        all.add(first.port);
        all.add(second.port);
        Map<Integer, Routed> routes = haproxy.routes(all);
        Routed firstRoute = routes.get(first.port);
        Routed secondRoute = routes.get(second.port);
        List<Routed> drainRoutes = drainPorts.stream().map(routes::get).toList();
        List<Routed> afterRoutes = afterPorts.stream().map(routes::get).toList();
        long redispatched = drainRoutes.stream().filter(route -> !route.retries().equals("0")).count();
        long slowestConnect = drainRoutes.stream().mapToLong(Routed::connectMillis).max().orElse(-1);
        figure("HaproxyScaleOutIT", "a closed while a %s raw slice streamed from each instance at %s/s (%s read by "
                        + "then): close() returned after %d ms (grace %d s), both slices complete; HAProxy marked a "
                        + "down %d ms after close(); %d sessions during the drain: %d connections by server %s, %d "
                        + "retried by HAProxy (redispatched; slowest connect %d ms), %d closed unanswered and "
                        + "repeated by the client; after: %d sessions, by server %s, b accepted %d connections "
                        + "meanwhile",
                mib(BIG_SIZE), mib(PACE), mib(receivedAtClose), closeMillis, GRACE.toSeconds(), downAfterMillis,
                sessions, attempts.size(), countByServer(drainRoutes), redispatched, slowestConnect, retried,
                afterPorts.size(), countByServer(afterRoutes), servedB);

        // The slices: one from each instance, both complete (readPatternRaw checked every byte).
        assertEquals(List.of("a", "b"), Stream.of(firstRoute.server(), secondRoute.server()).sorted().toList(),
                "the two slices did not go to different instances: " + firstRoute + ", " + secondRoute);
        Transfer onA = firstRoute.server().equals("a") ? first : second;
        Transfer onB = onA == first ? second : first;
        assertEquals("", onA == first ? afterFirst : afterSecond,
                "after its slice, the closing instance closes the connection without answering quit");
        assertEquals("0 OK\\r\\n", onB == first ? afterFirst : afterSecond, "quit answered by b");
        assertEquals(BIG_SIZE, onA.received.get());
        long rawReply = ("0 OK\r\nContent-Length: " + BIG_SIZE + "\r\n\r\n").length() + BIG_SIZE;
        assertEquals(rawReply, (onA == first ? firstRoute : secondRoute).bytes(), "HAProxy's count of a's reply");
        assertTrue(closeMillis > 1_000, "close() returned after " + closeMillis + " ms: it did not wait for the slice");
        assertTrue(closeMillis < GRACE.toMillis(), "close() took the whole grace: " + closeMillis + " ms");
        assertTrue(receivedAtClose < BIG_SIZE / 2, "the slice was not in flight when a was closed");
        assertTrue(downAfterMillis >= 0 && downAfterMillis < 2_000, "a marked down after " + downAfterMillis + " ms");

        // During the drain: every session succeeded (at most one repeat each, checked above); none went to an
        // instance other than a or b.
        assertTrue(sessions >= 10, "only " + sessions + " sessions during the drain");
        for (Routed route : drainRoutes) {
            assertTrue(route.server().equals("a") || route.server().equals("b"), "unexpected route " + route);
        }
        // After: all on b, HAProxy retried none, every connection ended normally.
        for (Routed route : afterRoutes) {
            assertEquals("b", route.server(), "a connection went to the closed instance: " + route);
            assertEquals("0", route.retries(), "HAProxy retried a connection after a was marked down: " + route);
            assertEquals("--", route.termination(), "connection not ended normally: " + route);
        }
        assertTrue(servedB >= afterPorts.size(), "b accepted " + servedB + " connections");
        assertEquals(0, a.openConnections());
    }

    // ---------------------------------------------------------------- the PROXY protocol

    /**
     * Behind a frontend that sends the PROXY protocol (v2) and an instance with {@code --proxy-protocol}: the
     * access log names the client (its own port, which HAProxy's connection towards the instance does not
     * have), health checks that send the header keep the instance up, and a client that bypasses HAProxy is
     * closed unanswered.
     */
    @Test
    @Timeout(20)
    void theProxyProtocolCarriesTheClientAddressToTheAccessLog() throws Exception {
        // On loopback the list of balancers is optional; given, as in production, HAProxy's address (127.0.0.1).
        HftpServer c = servers.start(ServerExtension.on(dir).proxyProtocol(true).proxyProtocolFrom("127.0.0.1"));
        // The client's address travels to c in a PROXY v2 header, health checks included.
        haproxy = haproxies.start(WORK, port -> config(port, String.join("\n",
                "backend proxied",
                "    option tcp-check",
                "    tcp-check send \"help\\r\\n\"",
                "    tcp-check expect string \"0 OK\"",
                "    server c 127.0.0.1:" + c.port() + " send-proxy-v2 check-send-proxy check inter 200ms fall 1 rise 1")));
        AccessLogCapture capture = AccessLogCapture.begin();
        try {
            int clientPort;
            try (HftpTestClient client = new HftpTestClient(haproxy.port())) {
                clientPort = client.socket().getLocalPort();
                assertEquals("0 OK", client.command("get_metadata archivo.txt").toString());
                assertEquals(Integer.toString(TEXT.length()), client.readLine());
                assertEquals("202 FILE NOT FOUND", client.command("get_metadata nope").toString());
            }
            // Health checks ("help", every 200 ms) are logged too: only this client's requests are looked at.
            List<String> lines = capture.await(2, line -> line.contains(" get_metadata "));
            assertTrue(lines.get(0).startsWith("127.0.0.1:" + clientPort + " get_metadata archivo.txt "),
                    "access log: " + lines);
            assertTrue(lines.get(1).startsWith("127.0.0.1:" + clientPort + " get_metadata nope - - 202 "),
                    "access log: " + lines);
        } finally {
            capture.stop();
        }
        assertFalse(haproxy.output().contains("proxied/c is DOWN"), "c went down under health checks that send "
                + "the PROXY header: " + haproxy.output());

        // Straight to the instance, without HAProxy's header: closed, not answered.
        try (HftpTestClient direct = new HftpTestClient(c.port())) {
            direct.sendRaw("get_metadata archivo.txt\r\n");
            assertEquals(-1, direct.socket().getInputStream().read());
        }
    }
}
