package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.hftp.it.Exchanges.HELP_REPLY;
import static dev.hftp.it.Exchanges.assertExchange;
import static dev.hftp.it.TestBytes.bytes;
import static dev.hftp.it.TestBytes.concat;
import static dev.hftp.it.HftpTestClient.escape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Faults around a running server: clients that vanish mid-transfer by the thousand, a file truncated while
 * it is sent, the served directory removed and recreated, a file the server's user cannot read, and idle
 * versus slow connections. Each test starts its own server; figures for the docs are printed to stdout.
 */
@Timeout(120)
class FaultsIT {

    private static final String OK = "0 OK\r\n";
    private static final String INTERNAL_ERROR = "199 INTERNAL SERVER ERROR\r\n";
    private static final String FILE_NOT_FOUND = "202 FILE NOT FOUND\r\n";

    @TempDir
    Path tmp;
    private Path dir;
    private HftpServer server;
    private final List<HftpTestClient> clients = new ArrayList<>();
    @RegisterExtension
    final JarProcesses processes = new JarProcesses();

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createDirectory(tmp.resolve("served"));
    }

    @AfterEach
    void stopServer() throws IOException {
        for (HftpTestClient client : clients) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------- (a) a thousand clients vanish

    /**
     * 1,000 clients, 32 at a time, each ask for a 50 MB slice of a sparse file (base64 or raw), check the
     * first 4 KB of the reply, and vanish: half with a FIN first (they shut down their output, check what
     * still comes in the next 4 KB, then close), half with a RST (SO_LINGER 0, then close). Afterwards the server
     * serves a new client, has no connection open, and this JVM (client and server) holds exactly the
     * descriptors it held before: none on the served file, and no other one (measured after a warm-up that
     * has used every event loop, so nothing is opened lazily during the run). Leaks: the extension.
     */
    @Test
    @Timeout(120)
    void shouldCostNothingWhenAThousandClientsVanishMidTransfer() throws Exception {
        assumeTrue(ProcFds.available(), "needs Linux /proc/self/fd");
        long size = 50L << 20;
        Path sparse = dir.resolve("sparse");
        byte[] head = new byte[12 * 1024];
        fillPattern(head, head.length, 0);
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.write(head);
            file.setLength(size);
        }
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
        int fdsAtStart = ProcFds.count();
        // The first 8 KB of each reply (the file begins with 12 KB of pattern, then a hole).
        byte[] base64Prefix = Arrays.copyOf(concat(bytes(OK), Base64.getEncoder().encode(head)), 8192);
        byte[] rawPrefix = Arrays.copyOf(concat(bytes(OK + "Content-Length: " + size + "\r\n\r\n"), head), 8192);

        // Warm-up: every event loop (twice the cores), class and pool in use before the baseline.
        vanish(64, 16, size, base64Prefix, rawPrefix);
        assertSettled(sparse);
        int fdsBefore = ProcFds.count();

        int clientCount = 1000;
        long start = System.nanoTime();
        VanishFigures figures = vanish(clientCount, 32, size, base64Prefix, rawPrefix);
        long vanishMillis = millisSince(start);
        long settleStart = System.nanoTime();
        boolean settled = ProcFds.await(5000, () -> server.openConnections() == 0 && ProcFds.countOpenOn(sparse) == 0);
        long settleMillis = millisSince(settleStart);
        int fdsOnFileAfter = ProcFds.openOn(sparse).size();
        assertTrue(settled, "5 s after the clients left: " + server.openConnections() + " connections open, "
                + fdsOnFileAfter + " descriptors on the served file");

        try (HftpTestClient next = new HftpTestClient(server.port())) {
            next.sendRaw("get_slice sparse 0 6 raw\r\nget_slice sparse 3 3\r\nquit\r\n");
            String base64 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(head, 3, 6));
            assertEquals(escape(concat(bytes(OK + "Content-Length: 6\r\n\r\n"), Arrays.copyOf(head, 6),
                            bytes(OK + base64 + "\r\n" + OK))),
                    escape(next.readUntilClosed()), "a new client after the 1,000");
        }
        assertTrue(ProcFds.await(5000, () -> ProcFds.countOrMinusOne() == fdsBefore && server.openConnections() == 0),
                "descriptors: " + fdsBefore + " before, " + ProcFds.count() + " after");
        int fdsAfter = ProcFds.count();
        AbuseSupport.sayf("FaultsIT vanishing clients: %d clients (%d FIN, %d RST; %d base64, %d raw; 32 at a time) "
                        + "vanished after 4 KB of a %d MB slice in %d ms; connections and descriptors on the file "
                        + "back to 0 in %d ms; descriptors of the JVM: %d at the server's start, %d before (after a "
                        + "warm-up of 64 clients), %d after; on the served file: %d; accepted %d%n",
                clientCount, figures.fin.get(), figures.rst.get(), figures.base64.get(), figures.raw.get(),
                size >> 20, vanishMillis, settleMillis, fdsAtStart, fdsBefore, fdsAfter, fdsOnFileAfter,
                server.acceptedConnections());
        assertEquals(0, fdsOnFileAfter, "descriptors left open on the served file");
        assertEquals(fdsBefore, fdsAfter, "descriptors of this JVM before and after");
        assertEquals(64 + clientCount + 1, server.acceptedConnections(), "connections accepted");
    }

    private static final class VanishFigures {
        final AtomicLong fin = new AtomicLong();
        final AtomicLong rst = new AtomicLong();
        final AtomicLong base64 = new AtomicLong();
        final AtomicLong raw = new AtomicLong();
    }

    private VanishFigures vanish(int count, int parallel, long size, byte[] base64Prefix, byte[] rawPrefix)
            throws Exception {
        VanishFigures figures = new VanishFigures();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                boolean raw = i % 2 == 1;
                boolean reset = i / 2 % 2 == 1;
                done.add(pool.submit(() -> {
                    vanishingClient(size, raw, reset, raw ? rawPrefix : base64Prefix, figures);
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "client threads did not stop");
        }
        return figures;
    }

    private void vanishingClient(long size, boolean raw, boolean reset, byte[] prefix, VanishFigures figures)
            throws IOException {
        try (Socket socket = new Socket()) {
            // A small window: what is in flight when the client leaves stays small.
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(bytes("get_slice sparse 0 " + size + (raw ? " raw" : "") + "\r\n"));
            byte[] first = in.readNBytes(4096);
            if (!Arrays.equals(Arrays.copyOf(prefix, 4096), first)) {
                throw new AssertionError("first 4 KB of the reply: " + escape(Arrays.copyOf(first, 80)) + "...");
            }
            (raw ? figures.raw : figures.base64).incrementAndGet();
            if (reset) {
                socket.setSoLinger(true, 0);
                figures.rst.incrementAndGet();
                return;
            }
            // FIN first: the server reads the end of the stream while it is sending. Whatever still comes
            // (the server may finish the reply to a half-closed client, or close) must be the true reply; then
            // the close: with unread data queued, Linux sends a RST, as for any process that exits mid-transfer.
            socket.shutdownOutput();
            byte[] next = readAtMost(in, prefix.length - 4096);
            if (!Arrays.equals(Arrays.copyOfRange(prefix, 4096, 4096 + next.length), next)) {
                throw new AssertionError("after the client's FIN, the next " + next.length + " bytes of the reply: "
                        + escape(Arrays.copyOf(next, Math.min(next.length, 80))) + "...");
            }
            figures.fin.incrementAndGet();
        }
    }

    /** Reads up to {@code n} bytes, fewer if the stream ends or is reset. */
    private static byte[] readAtMost(InputStream in, int n) throws IOException {
        byte[] bytes = new byte[n];
        int filled = 0;
        try {
            int read;
            while (filled < n && (read = in.read(bytes, filled, n - filled)) >= 0) {
                filled += read;
            }
        } catch (SocketException reset) {
            // Reset: what came before it is the answer.
        }
        return Arrays.copyOf(bytes, filled);
    }

    private void assertSettled(Path file) throws InterruptedException {
        assertTrue(ProcFds.await(5000, () -> server.openConnections() == 0 && ProcFds.countOpenOn(file) == 0),
                "warm-up connections did not close: " + server.openConnections());
    }

    // ---------------------------------------------------------------- (b) a file truncated while sent

    /**
     * A 200 MB file (every 8 bytes a different value, so a byte out of place shows), its whole slice asked
     * for; the client reads 2 MB and pauses, and the file is truncated to 1 MB while the server is still
     * sending (already past that point in the file). The client reads on: the connection must close before
     * the full reply, every byte received must be the true reply's byte at that place, the file must not stay
     * open, and the server must go on serving a client that was connected all along and a new one, both
     * seeing the file at 1 MB.
     */
    @ParameterizedTest(name = "raw={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void shouldCloseWithATruePrefixWhenTheFileIsTruncatedWhileSent(boolean raw) throws Exception {
        long size = 200L << 20;
        Path file = patternFile("big", size);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
        HftpTestClient other = connect();
        assertExchange(other, bytes("get_metadata big\r\n"), bytes(OK + size + "\r\n"));

        HftpTestClient client = connect();
        client.sendRaw("get_slice big 0 " + size + (raw ? " raw" : "") + "\r\n");
        PatternReply expected = new PatternReply(size, raw);
        InputStream in = client.inputStream();
        byte[] buffer = new byte[64 * 1024];
        long beforeTruncation = 0;
        while (beforeTruncation < 2L << 20) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, (2L << 20) - beforeTruncation));
            assertTrue(read > 0, "the connection closed after " + beforeTruncation + " bytes, before the truncation");
            expected.check(buffer, read);
            beforeTruncation += read;
        }
        long start = System.nanoTime();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(1L << 20);
        }
        long afterTruncation = 0;
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                expected.check(buffer, read);
                afterTruncation += read;
            }
        } catch (SocketTimeoutException e) {
            fail("the server did not close the connection in 10 s after the truncation; "
                    + (beforeTruncation + afterTruncation) + " bytes received");
        } catch (SocketException reset) {
            // A reset ends the connection too; the bytes before it were checked.
        }
        long closeMillis = millisSince(start);
        long received = beforeTruncation + afterTruncation;
        AbuseSupport.sayf("FaultsIT truncated while sent (%s): %d of %d bytes of the reply received (%d after the "
                        + "truncation to 1 MB), all true; closed %d ms after the truncation%n",
                raw ? "raw" : "base64", received, expected.total(), afterTruncation, closeMillis);
        assertTrue(received < expected.total(), "the whole reply came: " + received + " bytes");
        if (ProcFds.available()) {
            assertTrue(ProcFds.await(5000, () -> ProcFds.countOpenOn(file) == 0),
                    "the truncated file is still open after its connection closed");
        }

        byte[] firstBytes = new byte[6];
        fillPattern(firstBytes, 6, 0);
        String sliceReply = OK + Base64.getEncoder().encodeToString(firstBytes) + "\r\n";
        assertExchange(other, bytes("get_metadata big\r\n"), bytes(OK + (1 << 20) + "\r\n"));
        assertExchange(other, bytes("get_slice big 0 6\r\n"), bytes(sliceReply));
        HftpTestClient next = connect();
        assertExchange(next, bytes("get_slice big 0 6\r\n"), bytes(sliceReply));
        assertExchange(next, bytes("get_slice big 0 1048577\r\n"), bytes("203 OFFSET EXCEEDS FILE SIZE\r\n"));
        assertTrue(ProcFds.await(5000, () -> server.openConnections() == 2),
                "connections open, expected the one connected all along and the new one: " + server.openConnections());
    }

    // ---------------------------------------------------------------- (c) the directory removed, recreated

    /**
     * The served directory is removed, then replaced by a regular file, then recreated with other files,
     * while the server runs and a client stays connected. While it is missing (or not a directory), the
     * listing is empty and every name is {@code 202}, on the old connection and on a new one; once it is
     * back, its new files are served, without a restart.
     */
    @Test
    void shouldServeTheDirectoryAgainOnceRemovedAndRecreated() throws IOException {
        Files.write(dir.resolve("before"), bytes("before"));
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
        HftpTestClient staying = connect();
        assertExchange(staying, bytes("get_file_listing\r\n"), bytes(OK + "before\r\n\r\n"));

        Files.delete(dir.resolve("before"));
        Files.delete(dir);
        assertMissingDirectory(staying);
        assertMissingDirectory(connect());

        Files.write(dir, bytes("a file where the directory was"));
        assertMissingDirectory(staying);
        Files.delete(dir);

        Files.createDirectory(dir);
        Files.write(dir.resolve("after"), bytes("after!"));
        Files.write(dir.resolve("before"), bytes("back"));
        for (HftpTestClient client : List.of(staying, connect())) {
            assertExchange(client, bytes("get_file_listing\r\n"), bytes(OK + "after\r\nbefore\r\n\r\n"));
            assertExchange(client, bytes("get_metadata after\r\n"), bytes(OK + "6\r\n"));
            assertExchange(client, bytes("get_slice before 0 4\r\n"), bytes(OK + "YmFjaw==\r\n"));
            assertExchange(client, bytes("get_slice after 0 6 raw\r\n"), bytes(OK + "Content-Length: 6\r\n\r\nafter!"));
        }
    }

    private static void assertMissingDirectory(HftpTestClient client) throws IOException {
        assertExchange(client, bytes("get_file_listing\r\n"), bytes(OK + "\r\n"));
        assertExchange(client, bytes("get_metadata before\r\n"), bytes(FILE_NOT_FOUND));
        assertExchange(client, bytes("get_slice before 0 1\r\n"), bytes(FILE_NOT_FOUND));
        assertExchange(client, bytes("get_slice before 0 1 raw\r\n"), bytes(FILE_NOT_FOUND));
    }

    // ---------------------------------------------------------------- (d) a file that cannot be read

    /**
     * A file without read permission: {@code get_slice} (base64 and raw) is {@code 199} and the connection is
     * closed; {@code get_metadata} answers its size (decision 6 of docs/PROTOCOL.md: reading a size needs no
     * read permission), and the listing holds it (decision 5). Root reads any file whatever its mode, so as
     * root the server runs as a separate process under uid/gid 65534 ({@code setpriv}), from the jar, on a
     * directory under a world-traversable temporary directory; otherwise in-process.
     */
    @Test
    @Timeout(60)
    void shouldAnswer199AndCloseForSliceOfUnreadableFileAndItsSizeForMetadata() throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "hftp-faults-");
        JarProcess process = null;
        try {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path served = Files.createDirectory(base.resolve("served"));
            Files.setPosixFilePermissions(served, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path readable = Files.write(served.resolve("readable"), bytes("anyone may read"));
            Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
            Path unreadable = Files.write(served.resolve("unreadable"), bytes("no one may read this"));
            Files.setPosixFilePermissions(unreadable, Set.of());
            int port;
            if (isRoot(base)) {
                assumeTrue(onPath("setpriv"), "running as root without setpriv: cannot drop privileges");
                process = startUnprivilegedServer(base, served);
                port = Integer.parseInt(process.awaitServing().group(3));
                assertEquals("65534", uid(process.process), "the server process's real and effective uid");
            } else {
                assumeFalse(Files.isReadable(unreadable), "a file with mode 000 is readable here");
                server = new HftpServerBootstrap().directory(served).address("127.0.0.1").port(0).start();
                port = server.port();
            }
            AbuseSupport.sayf("FaultsIT unreadable file: server %s%n",
                    process != null ? "process " + process.process.pid() + " under uid 65534" : "in-process, uid not 0");

            HftpTestClient client = connect(port);
            assertExchange(client, bytes("get_slice readable 0 3\r\n"), bytes(OK + "YW55\r\n"));
            assertExchange(client, bytes("get_file_listing\r\n"), bytes(OK + "readable\r\nunreadable\r\n\r\n"));
            assertExchange(client, bytes("get_metadata unreadable\r\n"), bytes(OK + "20\r\n"));
            client.sendRaw("get_slice unreadable 0 1\r\nhelp\r\n");
            assertEquals(escape(bytes(INTERNAL_ERROR)), escape(client.readUntilClosed()),
                    "get_slice of the unreadable file, then the end of the stream (the pipelined help unanswered)");
            HftpTestClient rawClient = connect(port);
            rawClient.sendRaw("get_slice unreadable 0 20 raw\r\n");
            assertEquals(escape(bytes(INTERNAL_ERROR)), escape(rawClient.readUntilClosed()),
                    "raw get_slice of the unreadable file, then the end of the stream");
            assertExchange(connect(port), bytes("get_metadata readable\r\n"), bytes(OK + "15\r\n"));
        } finally {
            if (process != null) {
                // Before its directory goes.
                process.destroy();
            }
            TestFiles.deleteTree(base);
        }
    }

    private static boolean isRoot(Path ownDirectory) throws IOException {
        return ((Integer) Files.getAttribute(ownDirectory, "unix:uid")) == 0;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(entry -> !entry.isEmpty() && Files.isExecutable(Path.of(entry, command)));
    }

    /** The server's jar, copied where uid 65534 can read it, run under that uid with no groups. */
    private JarProcess startUnprivilegedServer(Path base, Path served) throws IOException {
        Path jar = Files.copy(AbuseSupport.serverJar(), base.resolve("hftp-server.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return processes.start(base, List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
                List.of("-Xmx64m"), jar, "-a", "127.0.0.1", "-p", "0", "-d", served.toString());
    }

    /** The real and effective uid of a process, when they are the same, from {@code /proc/PID/status}. */
    private static String uid(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("Uid:")) {
                String[] ids = line.substring(4).trim().split("\\s+");
                return ids[0].equals(ids[1]) ? ids[0] : line;
            }
        }
        return "unknown";
    }


    // ---------------------------------------------------------------- (e) idle and slow connections

    /** The idle timeout of the servers of (e). */
    private static final Duration IDLE = Duration.ofMillis(500);
    /** The slice the paced readers of (e) read: 48 MB, 64 MB of base64. */
    private static final int PACED_SIZE = 48 << 20;

    /**
     * With an idle timeout of 500 ms: a connection that sends nothing is closed after 500 ms (not before),
     * and so is one that asked for a long slice and then stopped reading (its transfer makes no progress);
     * one that reads a long base64 slice at a paced rate (256 KB every 10 ms, for 2 s: four timeouts, without
     * sending a byte) is not: it gets the whole reply, then an answer to {@code help}.
     *
     * <p>The pace is not lower because the kernel's send buffer (up to 4 MB here, {@code tcp_wmem}) hides a
     * slower reader from the server: the socket becomes writable again only once a third of it has drained,
     * so at 1.6 MB/s the server sees no progress for 0.8 s, longer than the timeout, exactly as for a reader
     * that stopped (measured: such a reader is closed after about 4 MB).
     */
    @Test
    @Timeout(60)
    void shouldCloseAnIdleConnectionButNotOneReadingALongSliceAtAPacedRate() throws Exception {
        patternFile("long", PACED_SIZE);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).idleTimeout(IDLE).start();
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> paced = startPacedReader(false, reading, release);
        try {
            assertTrue(reading.await(10, TimeUnit.SECONDS), "the paced reader did not start");
            HftpTestClient stalled = connect();
            stalled.sendRaw("get_slice long 0 " + PACED_SIZE + " raw\r\n");
            assertEquals(OK, stalled.readLine() + "\r\n");
            long stalledStart = System.nanoTime();
            HftpTestClient idle = connect();
            long idleStart = System.nanoTime();
            byte[] sent = idle.readUntilClosed();
            long idleMillis = millisSince(idleStart);
            assertEquals("", escape(sent), "sent to the idle connection");
            boolean oneLeft = ProcFds.await(5000, () -> server.openConnections() == 1);
            long stalledMillis = millisSince(stalledStart);
            assertTrue(oneLeft, "open connections, expected the paced reader only: " + server.openConnections()
                    + "; paced reader: " + describe(paced));
            long stalledReceived = stalled.readUntilClosed().length;
            release.countDown();
            String figures = join(paced);
            AbuseSupport.sayf("FaultsIT idle timeout %d ms: idle connection closed after %d ms; stalled reader "
                            + "closed within %d ms of its status line, after %d of %d bytes; %s%n", IDLE.toMillis(),
                    idleMillis, stalledMillis, stalledReceived, PACED_SIZE, figures);
            assertTrue(idleMillis >= 450 && idleMillis <= 3000,
                    "the idle connection was closed after " + idleMillis + " ms");
            assertTrue(stalledReceived < PACED_SIZE, "the stalled reader got the whole slice");
        } finally {
            release.countDown();
        }
    }

    /**
     * The same paced reader, of a raw slice: it must not be closed either.
     *
     * <p>The raw slice is one {@code FileRegion} write, which completes only at its end, and Netty's
     * {@code IdleStateHandler} delivers the first {@code ALL_IDLE} event after the last read or completed
     * write without looking at output progress ({@code observeOutput} only suppresses the events after the
     * first): the server must not take that first event for idleness while the transfer is under way.
     */
    @Test
    @Timeout(60)
    void shouldNotCloseAConnectionReadingALongRawSliceAtAPacedRate() throws Exception {
        patternFile("long", PACED_SIZE);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).idleTimeout(IDLE).start();
        CountDownLatch release = new CountDownLatch(1);
        release.countDown();
        String figures = join(startPacedReader(true, new CountDownLatch(1), release));
        AbuseSupport.sayf("FaultsIT idle timeout %d ms: %s%n", IDLE.toMillis(), figures);
    }

    private CompletableFuture<String> startPacedReader(boolean raw, CountDownLatch reading, CountDownLatch release) {
        CompletableFuture<String> reader = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                reader.complete(pacedReader(raw, reading, release));
            } catch (Throwable e) {
                reader.completeExceptionally(e);
            }
        }, "paced-reader-" + (raw ? "raw" : "base64"));
        thread.setDaemon(true);
        thread.start();
        return reader;
    }

    private static String join(CompletableFuture<String> reader) throws Exception {
        try {
            return reader.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause().getMessage(), e.getCause());
        }
    }

    private static String describe(CompletableFuture<String> reader) {
        if (!reader.isDone()) {
            return "running";
        }
        try {
            return reader.getNow(null);
        } catch (RuntimeException e) {
            return "failed: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    /**
     * Reads the slice of {@code long} at 256 KB every 10 ms for 2 s, then the rest at once, checking every
     * byte; then {@code help}; then keeps the connection open until released.
     */
    private String pacedReader(boolean raw, CountDownLatch reading, CountDownLatch release)
            throws IOException, InterruptedException {
        String kind = raw ? "raw" : "base64";
        try (HftpTestClient client = new HftpTestClient(server.port())) {
            client.sendRaw("get_slice long 0 " + PACED_SIZE + (raw ? " raw" : "") + "\r\n");
            PatternReply expected = new PatternReply(PACED_SIZE, raw);
            InputStream in = client.inputStream();
            byte[] buffer = new byte[256 * 1024];
            long received = 0;
            long start = System.nanoTime();
            reading.countDown();
            while (millisSince(start) < 2000 && received < expected.total()) {
                int read = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, expected.total() - received));
                expected.check(buffer, read);
                received += read;
                if (read < buffer.length && received < expected.total()) {
                    throw new IOException(kind + " paced reader: closed after " + received + " of " + expected.total()
                            + " bytes, " + millisSince(start) + " ms in");
                }
                // Pacing: this is the paced reader.
                Thread.sleep(10);
            }
            long pacedBytes = received;
            long pacedMillis = millisSince(start);
            while (received < expected.total()) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, expected.total() - received));
                if (read < 0) {
                    throw new IOException(kind + " paced reader: closed after " + received + " of " + expected.total()
                            + " bytes, " + millisSince(start) + " ms in");
                }
                expected.check(buffer, read);
                received += read;
            }
            client.sendRaw("help\r\n");
            byte[] help = client.readAtMost(HELP_REPLY.length());
            if (!Arrays.equals(bytes(HELP_REPLY), help)) {
                throw new IOException(kind + " paced reader: help after the slice: " + escape(help));
            }
            release.await(30, TimeUnit.SECONDS);
            return kind + " paced reader: " + pacedBytes + " bytes in " + pacedMillis + " ms, then the rest of "
                    + expected.total() + ", then help: never closed";
        }
    }

    // ---------------------------------------------------------------- helpers

    private HftpTestClient connect() throws IOException {
        return connect(server.port());
    }

    private HftpTestClient connect(int port) throws IOException {
        HftpTestClient client = new HftpTestClient(port);
        clients.add(client);
        return client;
    }

    /**
     * The content of the pattern files: the 8 bytes at offset 8k hold {@code k * 0x9E3779B97F4A7C15} (a
     * bijection), big-endian, so every aligned long differs and a byte out of place is seen.
     */
    private static void fillPattern(byte[] bytes, int length, long from) {
        if (from % 8 != 0) {
            throw new IllegalArgumentException("unaligned: " + from);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        long k = from / 8;
        while (buffer.remaining() >= 8) {
            buffer.putLong(k++ * 0x9E3779B97F4A7C15L);
        }
        long last = k * 0x9E3779B97F4A7C15L;
        for (int shift = 56; buffer.hasRemaining(); shift -= 8) {
            buffer.put((byte) (last >>> shift));
        }
    }

    private Path patternFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        byte[] block = new byte[1 << 20];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += block.length) {
                int length = (int) Math.min(block.length, size - at);
                fillPattern(block, length, at);
                ByteBuffer buffer = ByteBuffer.wrap(block, 0, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }
        return file;
    }

    /**
     * The true reply to {@code get_slice FILE 0 SIZE [raw]} of a pattern file, generated as it is checked so
     * that a reply of any length is compared without holding it.
     */
    private static final class PatternReply {
        private static final int BLOCK = 3 * 16 * 1024;

        private final long contentLength;
        private final boolean raw;
        private final long total;
        private byte[] current;
        private int currentAt;
        private long contentAt;
        private long position;
        private boolean trailerDone;

        PatternReply(long contentLength, boolean raw) {
            this.contentLength = contentLength;
            this.raw = raw;
            this.current = bytes(raw ? OK + "Content-Length: " + contentLength + "\r\n\r\n" : OK);
            this.total = current.length + (raw ? contentLength : (contentLength + 2) / 3 * 4 + 2);
        }

        long total() {
            return total;
        }

        /** Checks that {@code bytes[0, length)} are the next bytes of the reply. */
        void check(byte[] bytes, int length) {
            for (int i = 0; i < length; i++) {
                if (currentAt == current.length && !nextBlock()) {
                    fail("byte " + position + " is past the end of the reply (" + total + " bytes)");
                }
                if (bytes[i] != current[currentAt]) {
                    fail("byte " + position + " of the reply is " + (bytes[i] & 0xff) + ", expected "
                            + (current[currentAt] & 0xff) + ": not the true reply");
                }
                currentAt++;
                position++;
            }
        }

        private boolean nextBlock() {
            if (contentAt < contentLength) {
                int length = (int) Math.min(BLOCK, contentLength - contentAt);
                byte[] content = new byte[length];
                fillPattern(content, length, contentAt);
                contentAt += length;
                current = raw ? content : Base64.getEncoder().encode(content);
            } else if (!raw && !trailerDone) {
                trailerDone = true;
                current = bytes("\r\n");
            } else {
                return false;
            }
            currentAt = 0;
            return true;
        }
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }


}
