package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.expectBytes;
import static dev.hftp.it.AbuseSupport.expectRawSliceHeader;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.readPatternBase64;
import static dev.hftp.it.AbuseSupport.readPatternRaw;
import static dev.hftp.it.AbuseSupport.writePatternFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Graceful shutdown: {@link HftpServer#close()} in an embedding application, and SIGTERM to the
 * {@code hftp-server} command. A transfer in flight finishes byte for byte within the grace period, while new
 * connections are refused and idle ones are closed at once; past the grace period, transfers are cut.
 *
 * <p>The transfers are read by clients with a small socket receive buffer at a set pace, so that they are
 * still running on the server when the shutdown starts, and what the kernel holds is small next to them.
 */
@Timeout(90)
class ShutdownIT {

    private static final String OK = "0 OK\r\n";
    private static final long SIZE = 100L * MiB;
    /** About 2.5 s for the 100 MiB slice: long enough to shut down in its middle, short for the build. */
    private static final long PACE = 40L * MiB;
    /** How long close() may run past the grace with an event loop stuck: 5 s, and some slack for a busy machine. */
    private static final long CLOSE_BOUND_AFTER_GRACE_MILLIS = 7_000;
    /** How long the process may run past the grace with its shutdown stuck: 5 + 2 s, and some slack. */
    private static final long EXIT_BOUND_AFTER_GRACE_MILLIS = 10_000;
    /** What the kernel may still hold for a client when the server has written the last byte. */
    private static final long KERNEL_SLACK = 8L * MiB;

    @TempDir
    static Path dir;
    private HftpServer server;
    private Process process;
    private final List<HftpTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void files() throws IOException {
        writePatternFile(dir.resolve("big"), SIZE);
    }

    @AfterEach
    void stop() throws Exception {
        for (HftpTestClient client : clients) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private HftpTestClient connect(int port) throws IOException {
        return connect(port, 0);
    }

    private HftpTestClient connect(int port, int receiveBufferBytes) throws IOException {
        HftpTestClient client = new HftpTestClient(port, 15_000, receiveBufferBytes);
        clients.add(client);
        return client;
    }

    /** A slice being read on its own thread, at a pace; {@code received} counts the slice's bytes. */
    private static final class Transfer {
        final AtomicLong received = new AtomicLong();
        /** Bytes per second; may be changed while it runs. */
        final AtomicLong pace;
        final CompletableFuture<Long> done = new CompletableFuture<>(); // completes with the time it ended
        volatile byte[] after;

        /**
         * Sends {@code get_slice big 0 SIZE} (raw or base64) and, pipelined behind it, {@code pipelined}; reads
         * the slice, then whatever comes until the server closes the connection.
         */
        Transfer(HftpTestClient client, boolean raw, long pace, String pipelined) throws IOException {
            this.pace = new AtomicLong(pace);
            client.sendRaw("get_slice big 0 " + SIZE + (raw ? " raw" : "") + "\r\n" + pipelined);
            Thread reader = new Thread(() -> {
                try {
                    InputStream in = client.inputStream();
                    if (raw) {
                        expectRawSliceHeader(in, SIZE);
                        readPatternRaw(in, 0, SIZE, this.pace::get, received);
                    } else {
                        expectBytes(in, OK);
                        readPatternBase64(in, 0, SIZE, this.pace::get, received);
                    }
                    long end = System.nanoTime();
                    after = client.readUntilClosed();
                    done.complete(end);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            }, "transfer-reader");
            reader.setDaemon(true);
            reader.start();
        }

        long awaitDone(Duration timeout) throws Exception {
            try {
                return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("transfer failed after " + mib(received.get()) + ": " + e.getCause(),
                        e.getCause());
            }
        }
    }

    /** Whether a connection to {@code port} is refused now. */
    private static boolean refused(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    /** Time until the server closes the connection: a read must end the stream within {@code timeout}. */
    private static long millisUntilClosed(HftpTestClient client, long sinceNanos) throws IOException {
        byte[] rest = client.readUntilClosed();
        assertEquals("", HftpTestClient.escape(rest), "nothing may come on a connection closed by the shutdown");
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    // ---------------------------------------------------------------- embedded: close()

    @ParameterizedTest(name = "raw={0}")
    @ValueSource(booleans = {true, false})
    void closeLetsTheTransferInFlightFinishRefusesNewConnectionsAndClosesIdleOnesAtOnce(boolean raw)
            throws Exception {
        Duration grace = Duration.ofSeconds(30);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).shutdownGrace(grace).start();
        int port = server.port();
        HftpTestClient idle = connect(port);
        idle.sendRaw("help\r\n");
        idle.readLine(); // answered: the server knows it, and it is idle now
        idle.readLines();
        HftpTestClient midLine = connect(port);
        midLine.sendRaw("get_metad"); // half a request: nothing is in flight for it
        HftpTestClient transferring = connect(port, 64 * KiB);
        // The metadata request is held behind the slice: close() does not answer it.
        Transfer transfer = new Transfer(transferring, raw, PACE, "get_metadata big\r\n");
        await(() -> transfer.received.get() >= 10L * MiB, Duration.ofSeconds(20), "10 MiB of the slice read");
        await(() -> server.openConnections() == 3, Duration.ofSeconds(5), "3 connections open");

        long start = System.nanoTime();
        CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
            server.close();
            return System.nanoTime();
        });
        long idleClosedMillis = millisUntilClosed(idle, start);
        long midLineClosedMillis = millisUntilClosed(midLine, start);
        await(() -> {
            try {
                return refused(port);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, Duration.ofSeconds(5), "new connections refused");
        long refusedMillis = (System.nanoTime() - start) / 1_000_000;
        long receivedWhenRefused = transfer.received.get();
        assertFalse(closed.isDone(), "close() returned while the transfer was still running");

        long transferEnd = transfer.awaitDone(grace);
        long closeEnd = closed.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        long closeMillis = (closeEnd - start) / 1_000_000;
        long transferMillis = (transferEnd - start) / 1_000_000;
        figure("ShutdownIT", "close() during a %s %s slice read at %s/s (%s read when close() was called): "
                + "idle connection closed after %d ms, half-sent request after %d ms, new connections refused "
                + "after %d ms (%s of the slice read by then); slice complete and exact %d ms after close() "
                + "was called; close() returned after %d ms (grace %d s)",
                mib(SIZE), raw ? "raw" : "base64", mib(PACE), mib(10L * MiB), idleClosedMillis,
                midLineClosedMillis, refusedMillis, mib(receivedWhenRefused), transferMillis, closeMillis,
                grace.toSeconds());
        assertEquals("", HftpTestClient.escape(transfer.after),
                "after the slice: the connection closes, the request held behind it is not answered");
        assertTrue(idleClosedMillis < 1_000, "idle connection closed after " + idleClosedMillis + " ms");
        assertTrue(midLineClosedMillis < 1_000, "half-sent request closed after " + midLineClosedMillis + " ms");
        assertTrue(receivedWhenRefused < SIZE - KERNEL_SLACK, "refused only when the transfer was over");
        // close() waited for the transfer: when it returned, the client had (nearly) all of it.
        assertTrue(closeEnd - transferEnd < 2_000_000_000L, "close() returned long after the transfer");
        assertTrue(closeMillis > 1_000, "close() returned after " + closeMillis + " ms: it did not wait");
        assertTrue(closeMillis < grace.toMillis(), "close() took the whole grace: " + closeMillis + " ms");
        assertEquals(0, server.openConnections());
        assertTrue(refused(port));
    }

    @Test
    void closeCutsASlowTransferShortlyAfterAShortGrace() throws Exception {
        Duration grace = Duration.ofMillis(300);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).shutdownGrace(grace).start();
        HftpTestClient transferring = connect(server.port(), 64 * KiB);
        long slow = 1L * MiB; // 100 s for the whole slice
        Transfer transfer = new Transfer(transferring, true, slow, "");
        await(() -> transfer.received.get() >= 256 * KiB, Duration.ofSeconds(10), "the slice started");

        long start = System.nanoTime();
        server.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;
        long receivedAtClose = transfer.received.get();
        transfer.pace.set(AbuseSupport.UNPACED); // what the kernel still holds for it, quickly
        try {
            transfer.awaitDone(Duration.ofSeconds(30));
            fail("the slow transfer was not cut");
        } catch (AssertionError expected) {
            // Cut: the stream ended early (or was reset).
        }
        long receivedInAll = transfer.received.get();
        figure("ShutdownIT", "close() with a %d ms grace during a raw slice read at %s/s: returned after %d ms; "
                + "the client had %s then, %s in all of %s (cut)", grace.toMillis(), mib(slow), closeMillis,
                mib(receivedAtClose), mib(receivedInAll), mib(SIZE));
        assertTrue(closeMillis >= grace.toMillis() - 20, "close() returned before the grace: " + closeMillis + " ms");
        assertTrue(closeMillis < grace.toMillis() + 3_000, "close() returned " + closeMillis + " ms after the call");
        assertTrue(receivedInAll < SIZE / 2, "the transfer was not cut: " + mib(receivedInAll));
        assertEquals(0, server.openConnections());
    }

    /**
     * An event loop stuck in a task (here the access log's appender, blocked as on a full pipe; a file call
     * that never returns would do the same) cannot run the closes that a shutdown asks of it. With one event
     * loop, the acceptor and both connections are on it: close() must still return shortly after the grace,
     * and the connections end as soon as the loop comes back.
     */
    @Test
    void closeReturnsShortlyAfterTheGraceEvenWithAStuckEventLoop() throws Exception {
        Duration grace = Duration.ofSeconds(1);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).ioThreads(1)
                .shutdownGrace(grace).start();
        StuckAccessLog log = StuckAccessLog.blockingOn("get_metadata big");
        HftpTestClient stuckClient;
        HftpTestClient other;
        long closeMillis;
        try {
            stuckClient = connect(server.port());
            stuckClient.sendRaw("get_metadata big\r\n");
            assertTrue(log.awaitStuck(Duration.ofSeconds(10)), "the event loop never logged the request");
            other = connect(server.port());
            other.sendRaw("help\r\n");
            assertTrue(other.isSilentFor(500), "the only event loop answered while stuck");

            long start = System.nanoTime();
            CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
                server.close();
                return System.nanoTime();
            });
            long bound = grace.toMillis() + CLOSE_BOUND_AFTER_GRACE_MILLIS;
            try {
                closeMillis = (closed.get(bound, TimeUnit.MILLISECONDS) - start) / 1_000_000;
            } catch (TimeoutException e) {
                throw new AssertionError("close() still running " + bound + " ms after it was called (grace "
                        + grace.toMillis() + " ms), with an event loop stuck");
            }
        } finally {
            log.release();
        }
        long released = System.nanoTime();
        long stuckClosedMillis = millisUntilClosedAfterStuck(stuckClient, released);
        long otherClosedMillis = millisUntilClosedAfterStuck(other, released);
        figure("ShutdownIT", "close() with a %d ms grace and the only event loop stuck: returned after %d ms; "
                + "once the loop came back, its connections closed after %d and %d ms", grace.toMillis(),
                closeMillis, stuckClosedMillis, otherClosedMillis);
        assertTrue(closeMillis >= grace.toMillis() - 20, "close() returned before the grace: " + closeMillis + " ms");
        assertTrue(stuckClosedMillis < 5_000 && otherClosedMillis < 5_000, "connections left open");
    }

    /** Time until the server closes a connection whose loop was stuck (a reply sent before may come first). */
    private static long millisUntilClosedAfterStuck(HftpTestClient client, long sinceNanos) throws IOException {
        client.readUntilClosed();
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    // ---------------------------------------------------------------- the command: SIGTERM

    private static final Pattern SERVING = Pattern.compile(" - Serving (.+) on 127\\.0\\.0\\.1:(\\d+)$");

    /** Starts {@code java -jar hftp-server.jar} on a free port and returns the port it logs. */
    private int startProcess(long graceSeconds, Path stderr) throws Exception {
        return startProcess(List.of(), List.of("--shutdown-grace", Long.toString(graceSeconds)), stderr, true);
    }

    /**
     * Starts {@code java [jvmOptions] -jar hftp-server.jar [options]} on a free port and returns the port it logs.
     * Its standard error goes to {@code stderr}, or, if that is null, to a pipe read only up to the {@code Serving}
     * line; its standard output is read to the end, or, unless {@code drainStdout}, not at all.
     */
    private int startProcess(List<String> jvmOptions, List<String> options, Path stderr, boolean drainStdout)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(AbuseSupport.javaLauncher().toString(), "-Xmx64m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", AbuseSupport.serverJar().toString(), "-a", "127.0.0.1", "-p", "0", "-d",
                dir.toString()));
        command.addAll(options);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (stderr != null) {
            builder.redirectError(stderr.toFile());
        }
        process = builder.start();
        if (drainStdout) {
            Thread stdout = new Thread(() -> {
                try (InputStream in = process.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // The process ended.
                }
            }, "server-stdout");
            stdout.setDaemon(true);
            stdout.start();
        }
        Matcher matcher = stderr != null ? awaitServingIn(stderr) : awaitServingOnPipe();
        assertEquals(dir.toRealPath().toString(), matcher.group(1));
        return Integer.parseInt(matcher.group(2));
    }

    private Matcher awaitServingIn(Path stderr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(stderr)) {
                Matcher matcher = SERVING.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
            assertTrue(process.isAlive(), "the server exited: " + Files.readString(stderr));
            Thread.sleep(20);
        }
        return fail("no Serving line in 30 s; stderr: " + Files.readString(stderr));
    }

    /** Reads the pipe up to the Serving line, then leaves it unread. */
    private Matcher awaitServingOnPipe() throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            // Not closed here: closing the pipe would fail the server's next write instead of blocking it.
            BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    if (SERVING.matcher(line).find()) {
                        return;
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
        }, "server-stderr");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                Matcher matcher = SERVING.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
        }
        return fail("no Serving line in 30 s; stderr: " + seen);
    }

    @Test
    void sigtermLetsTheTransferInFlightFinishThenExitsWithZero() throws Exception {
        Path stderr = dir.resolve("stderr-sigterm.txt");
        int grace = 10;
        int port = startProcess(grace, stderr);
        HftpTestClient idle = connect(port);
        assertEquals("0 OK", idle.command("get_metadata big").toString());
        assertEquals(Long.toString(SIZE), idle.readLine());
        HftpTestClient transferring = connect(port, 64 * KiB);
        Transfer transfer = new Transfer(transferring, true, PACE, "get_metadata big\r\n");
        await(() -> transfer.received.get() >= 10L * MiB, Duration.ofSeconds(20), "10 MiB of the slice read");

        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        long idleClosedMillis = millisUntilClosed(idle, start);
        await(() -> {
            try {
                return refused(port);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, Duration.ofSeconds(5), "new connections refused");
        long refusedMillis = (System.nanoTime() - start) / 1_000_000;
        long receivedWhenRefused = transfer.received.get();

        long transferEnd = transfer.awaitDone(Duration.ofSeconds(grace));
        if (!process.waitFor(grace + 5, TimeUnit.SECONDS)) {
            fail("the server did not exit within the grace period + 5 s");
        }
        long exitMillis = (System.nanoTime() - start) / 1_000_000;
        int exitCode = process.exitValue();
        String errors = Files.readString(stderr);
        figure("ShutdownIT", "SIGTERM to java -jar hftp-server.jar during a %s raw slice read at %s/s: idle "
                + "connection closed after %d ms, new connections refused after %d ms (%s of the slice read by "
                + "then), slice complete and exact after %d ms, exit code %d after %d ms (grace %d s); stderr: %s",
                mib(SIZE), mib(PACE), idleClosedMillis, refusedMillis, mib(receivedWhenRefused),
                (transferEnd - start) / 1_000_000, exitCode, exitMillis, grace,
                errors.isBlank() ? "(empty)" : errors.strip());
        assertEquals(0, exitCode, "exit code after SIGTERM; stderr: " + errors);
        assertEquals("", HftpTestClient.escape(transfer.after), "nothing after the slice: held request unanswered");
        assertTrue(idleClosedMillis < 2_000, "idle connection closed after " + idleClosedMillis + " ms");
        assertTrue(receivedWhenRefused < SIZE - KERNEL_SLACK, "refused only when the transfer was over");
        assertTrue(exitMillis < grace * 1000L, "exit after " + exitMillis + " ms: the grace was used up");
        assertTrue(exitMillis > 1_000, "exit after " + exitMillis + " ms: it cannot have waited for the transfer");
    }

    @Test
    void sigtermCutsAStalledTransferAfterTheGraceThenExitsWithZero() throws Exception {
        Path stderr = dir.resolve("stderr-grace.txt");
        int grace = 1;
        int port = startProcess(grace, stderr);
        HftpTestClient stalled = connect(port, 64 * KiB);
        stalled.sendRaw("get_slice big 0 " + SIZE + " raw\r\n");
        expectRawSliceHeader(stalled.inputStream(), SIZE); // then it reads nothing more
        Thread.sleep(200);

        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        if (!process.waitFor(grace + 10, TimeUnit.SECONDS)) {
            fail("the server did not exit within the grace period + 10 s");
        }
        long exitMillis = (System.nanoTime() - start) / 1_000_000;
        int exitCode = process.exitValue();
        byte[] rest;
        try {
            rest = stalled.readUntilClosed();
        } catch (IOException e) {
            throw new AssertionError("the stalled connection was not closed", e);
        }
        String errors = Files.readString(stderr);
        figure("ShutdownIT", "SIGTERM with --shutdown-grace %d and a stalled %s raw slice: exit code %d after %d ms; "
                + "the client then got %s of it (cut); stderr: %s", grace, mib(SIZE), exitCode, exitMillis,
                mib(rest.length), errors.isBlank() ? "(empty)" : errors.strip());
        assertEquals(0, exitCode, "exit code after SIGTERM; stderr: " + errors);
        assertTrue(exitMillis >= grace * 1000L - 50, "exit after " + exitMillis + " ms, before the grace");
        assertTrue(exitMillis < grace * 1000L + 5_000, "exit " + exitMillis + " ms after SIGTERM");
        assertTrue(rest.length < SIZE / 2, "the stalled transfer was not cut: " + mib(rest.length));
    }

    /**
     * The access log written to standard output, and nobody reading it (a log shipper that stopped): once the
     * pipe is full, the only event loop blocks in the write of an access line. SIGTERM must still end the
     * process shortly after the grace, with exit code 0, and say why on standard error.
     */
    @Test
    void sigtermExitsShortlyAfterTheGraceEvenWithAnEventLoopStuckOnItsAccessLog() throws Exception {
        Path stderr = dir.resolve("stderr-stuck-loop.txt");
        int grace = 1;
        int port = startProcess(List.of("-Dhftp.accessLog=info"),
                List.of("--shutdown-grace", Integer.toString(grace), "--io-threads", "1"), stderr, false);
        HftpTestClient client = connect(port);
        int requests = 5_000;
        client.sendRaw("help\r\n".repeat(requests));
        int replies = repliesUntilSilent(client, requests);
        assertTrue(replies > 0, "no reply at all: the server was not serving");
        assertTrue(replies < requests, "all " + requests + " requests answered: the access log never blocked");

        long start = System.nanoTime();
        // SIGTERM, without Process.destroy(), which also closes our ends of its pipes: that would unblock it.
        process.toHandle().destroy();
        long bound = grace * 1000L + EXIT_BOUND_AFTER_GRACE_MILLIS;
        if (!process.waitFor(bound, TimeUnit.MILLISECONDS)) {
            fail("the server did not exit within " + bound + " ms of SIGTERM (grace " + grace + " s) with its "
                    + "event loop stuck; stderr: " + Files.readString(stderr));
        }
        long exitMillis = (System.nanoTime() - start) / 1_000_000;
        String errors = Files.readString(stderr);
        figure("ShutdownIT", "SIGTERM with --shutdown-grace %d and the only event loop stuck on the access log "
                + "(stdout unread; %d of %d requests answered): exit code %d after %d ms; stderr: %s", grace,
                replies, requests, process.exitValue(), exitMillis, errors.strip());
        assertEquals(0, process.exitValue(), "exit code after SIGTERM; stderr: " + errors);
        assertTrue(exitMillis >= grace * 1000L - 50, "exit after " + exitMillis + " ms, before the grace");
        assertTrue(errors.contains("did not stop"), "no WARN line about the stuck event loop: " + errors);
    }

    /**
     * Standard error a pipe nobody reads, and one DEBUG line per connection (-v): once the pipe is full, the
     * event loop blocks in its log, and so does the shutdown, which logs too. Only halting ends such a process:
     * it must, shortly after the grace.
     */
    @Test
    void sigtermHaltsTheProcessWhenEvenItsShutdownIsStuck() throws Exception {
        int grace = 1;
        int port = startProcess(List.of(), List.of("--shutdown-grace", Integer.toString(grace), "--io-threads", "1",
                "-v"), null, true);
        int connections = 0;
        boolean stuck = false;
        while (!stuck && connections < 20_000) {
            try (HftpTestClient client = new HftpTestClient(port, 2_000)) {
                connections++;
                client.sendRaw("help\r\n");
                stuck = repliesUntilSilent(client, 1) == 0;
            }
        }
        assertTrue(stuck, "the server answered " + connections + " connections: its standard error never blocked");

        long start = System.nanoTime();
        // SIGTERM, without Process.destroy(), which also closes our ends of its pipes: that would unblock it.
        process.toHandle().destroy();
        long bound = grace * 1000L + EXIT_BOUND_AFTER_GRACE_MILLIS;
        if (!process.waitFor(bound, TimeUnit.MILLISECONDS)) {
            fail("the server did not exit within " + bound + " ms of SIGTERM (grace " + grace + " s) with its "
                    + "logging stuck");
        }
        long exitMillis = (System.nanoTime() - start) / 1_000_000;
        figure("ShutdownIT", "SIGTERM with --shutdown-grace %d, standard error unread and full after %d "
                + "connections (-v): halted with exit code %d after %d ms", grace, connections,
                process.exitValue(), exitMillis);
        assertEquals(0, process.exitValue());
        // The command halts 2 s after the server's own bound (its ShutdownWatchdog.EXIT_MARGIN).
        long halt = grace * 1000L + HftpServer.FORCED_CLOSE_TIMEOUT.toMillis() + 2_000;
        assertTrue(exitMillis >= halt - 100, "exit after " + exitMillis + " ms, before the halt at " + halt
                + " ms: the shutdown was not stuck");
    }

    /**
     * How many of {@code expected} help replies come before the server is silent for 3 s: long enough that a
     * pause of a busy machine is not taken for a stuck event loop.
     */
    private static int repliesUntilSilent(HftpTestClient client, int expected) throws IOException {
        client.socket().setSoTimeout(3_000);
        int replies = 0;
        try {
            while (replies < expected) {
                assertEquals("0 OK", client.readReply().toString());
                client.readLines();
                replies++;
            }
        } catch (SocketTimeoutException e) {
            // Silent: the event loop is stuck.
        }
        return replies;
    }
}
