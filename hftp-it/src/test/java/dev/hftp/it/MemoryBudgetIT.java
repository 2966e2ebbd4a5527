package dev.hftp.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.javaLauncher;
import static dev.hftp.it.AbuseSupport.patternBytes;
import static dev.hftp.it.AbuseSupport.serverJar;
import static dev.hftp.it.AbuseSupport.writePatternFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's one memory budget (issue 12, item 7): the server runs as a process at {@code -Xmx128m}, so 128 MiB
 * of direct memory, with {@code --max-connections 10000} (what a user may well ask for); two attacks each take
 * more than that if every connection gets what it asks, and neither may make the server fail with
 * {@link OutOfMemoryError}, nor keep a small request of another client waiting more than 2 s.
 */
class MemoryBudgetIT {

    /** What the issue measured: 128 MiB of heap, hence of direct memory. */
    private static final String HEAP = "-Xmx128m";
    private static final int SLOW_READERS = 500;
    private static final int LINE_HOLDERS = 2_000;
    /** The unfinished line each holder sends: just under the 64 KiB limit, so it is buffered, not streamed. */
    private static final int HELD_LINE = 65_530;
    private static final long BIG = 64L << 20;
    /** Another client's small request is answered within this, whatever the attack. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private Process server;
    private Path log;
    /** The server's metrics endpoint, whose hftp_buffered_bytes shows what the budget holds. */
    private volatile URI metrics;
    private final List<SocketChannel> attackers = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        Path served = Files.createDirectory(dir.resolve("served"));
        writePatternFile(served.resolve("big"), BIG);
        Files.writeString(served.resolve("small"), "0123456789");
        log = dir.resolve("server.log");
        server = new ProcessBuilder(javaLauncher().toString(), HEAP, "-XX:+UseSerialGC", "-jar",
                serverJar().toString(), "-a", "127.0.0.1", "-p", "0", "-d", served.toString(),
                "--max-connections", "10000", "--metrics-port", "0")
                .redirectErrorStream(true)
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel attacker : attackers) {
            attacker.close();
        }
        if (server != null) {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * 500 clients each ask for a 64 MiB base64 slice and never read it. Before the budget, each got its write
     * buffer (256 KiB) plus a chunk queued, 160 MiB in all: the server failed with "Cannot reserve direct buffer
     * memory", and other clients got 199 or waited for seconds.
     */
    @Test
    @Timeout(120)
    void slowBase64ReadersLeaveRoomForSmallRequests() throws Exception {
        int port = awaitPort();
        try (HftpTestClient before = new HftpTestClient(port, 10_000)) {
            assertSmallRequestsAnswered(before, "a client connected before the attack");
            long alone = downloadMillis(before);
            BudgetWatch watch = new BudgetWatch();
            for (int i = 0; i < SLOW_READERS; i++) {
                // A small receive buffer keeps the reply on the server's side, where the budget has to hold it.
                SocketChannel reader = attacker(port, 4096);
                reader.write(ByteBuffer.wrap(("get_slice big 0 " + BIG + "\r\n").getBytes(StandardCharsets.US_ASCII)));
            }
            // Time for the server to fill every reader's queue as far as it lets it.
            Thread.sleep(3_000);
            assertSmallRequestsAnswered(before, "a client connected before the attack");
            // A bulk transfer still goes through, with less in flight.
            long during = downloadMillis(before);
            figure("MemoryBudgetIT", "1 MB base64 slice: %d ms alone, %d ms during %d stalled readers (this "
                    + "client reads a byte per call)", alone, during, SLOW_READERS);
            assertAnsweredOrRefusedAtOnce(port, SLOW_READERS + " stalled readers");
            watch.stop();
            assertBudgetHeld(watch, SLOW_READERS + " stalled readers");
        }
        assertNoOutOfMemory();
    }

    /**
     * 2,000 clients each send 65,530 bytes of a line and never end it. Before the budget, each buffered its line
     * (128 MiB in all): 53 OutOfMemoryErrors, others stalled 25 s.
     */
    @Test
    @Timeout(120)
    void unfinishedLinesLeaveRoomForSmallRequests() throws Exception {
        int port = awaitPort();
        byte[] line = new byte[HELD_LINE];
        Arrays.fill(line, (byte) 'a');
        try (HftpTestClient before = new HftpTestClient(port, 10_000)) {
            assertSmallRequestsAnswered(before, "a client connected before the attack");
            BudgetWatch watch = new BudgetWatch();
            for (int i = 0; i < LINE_HOLDERS; i++) {
                SocketChannel holder = attacker(port, 0);
                // Whatever the kernel takes now: the rest would wait for the server to read, which it may not.
                holder.configureBlocking(false);
                holder.write(ByteBuffer.wrap(line));
            }
            Thread.sleep(3_000);
            assertSmallRequestsAnswered(before, "a client connected before the attack");
            assertAnsweredOrRefusedAtOnce(port, LINE_HOLDERS + " unfinished lines");
            watch.stop();
            assertBudgetHeld(watch, LINE_HOLDERS + " unfinished lines");
        }
        assertNoOutOfMemory();
    }

    /**
     * A client connecting during the attack is served, or refused at once if the server cannot hold one more
     * connection: never left waiting.
     */
    private static void assertAnsweredOrRefusedAtOnce(int port, String attack) throws IOException {
        try (HftpTestClient after = new HftpTestClient(port, 10_000)) {
            long start = System.nanoTime();
            try {
                assertSmallRequestsAnswered(after, "a client connected during the attack");
            } catch (IOException refused) {
                long took = System.nanoTime() - start;
                figure("MemoryBudgetIT", "a client connecting during %s was refused in %d ms: %s", attack,
                        TimeUnit.NANOSECONDS.toMillis(took), refused.getMessage());
                assertTrue(took < ANSWERED_WITHIN.toNanos(), "a client refused during the attack is refused at "
                        + "once: " + refused);
            }
        }
    }

    private static void assertBudgetHeld(BudgetWatch watch, String attack) {
        figure("MemoryBudgetIT", "during %s the connections held at most %,d bytes buffered (budget %,d)", attack,
                watch.most, watch.limit);
        assertTrue(watch.most > 0, "the attack made the server buffer something");
        assertTrue(watch.most <= watch.limit, "the buffered bytes stayed within the budget");
    }

    private static long downloadMillis(HftpTestClient client) throws IOException {
        long start = System.nanoTime();
        client.sendRaw("get_slice big 1000 1000000\r\n");
        assertEquals("0 OK", client.readReply().toString());
        assertArrayEquals(patternBytes(1000, 1_000_000), client.readSlice(), "a 1 MB slice");
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** The most {@code hftp_buffered_bytes} showed while it ran, sampled every 50 ms; and the budget's limit. */
    private final class BudgetWatch {
        private final HttpClient http = HttpClient.newHttpClient();
        private final Thread sampler;
        private volatile boolean stop;
        private volatile long most;
        private volatile long limit;
        private volatile String failure;

        BudgetWatch() {
            sampler = new Thread(() -> {
                while (!stop) {
                    try {
                        String text = http.send(HttpRequest.newBuilder(metrics).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        most = Math.max(most, gauge(text, "hftp_buffered_bytes"));
                        limit = gauge(text, "hftp_memory_budget_bytes");
                        Thread.sleep(50);
                    } catch (IOException | RuntimeException e) {
                        failure = e.toString();
                        return;
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "budget-watch");
            sampler.setDaemon(true);
            sampler.start();
        }

        private long gauge(String text, String name) {
            for (String line : text.split("\n")) {
                if (line.startsWith(name + " ")) {
                    return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
            throw new IllegalStateException("no " + name + " in the metrics");
        }

        /** Stops sampling; fails if a sample could not be read. */
        void stop() throws InterruptedException {
            stop = true;
            sampler.join(5_000);
            assertEquals(null, failure, "the metrics endpoint answered every sample");
        }
    }

    private SocketChannel attacker(int port, int receiveBuffer) throws IOException {
        SocketChannel channel = SocketChannel.open();
        attackers.add(channel);
        if (receiveBuffer > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
        }
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        return channel;
    }

    /** {@code get_metadata}, a listing and {@code help}, each answered right and within 2 s. */
    private static void assertSmallRequestsAnswered(HftpTestClient client, String who) throws IOException {
        long start = System.nanoTime();
        assertEquals("0 OK", client.command("get_metadata small").toString(), who);
        assertEquals("10", client.readLine(), who);
        assertEquals("0 OK", client.command("get_file_listing").toString(), who);
        assertEquals(List.of("big", "small"), client.readLines().stream().sorted().toList(), who);
        assertEquals("0 OK", client.command("get_slice small 2 3").toString(), who);
        assertArrayEquals("234".getBytes(StandardCharsets.US_ASCII), client.readSlice(), who);
        long took = System.nanoTime() - start;
        figure("MemoryBudgetIT", "%s: three small requests answered in %d ms", who,
                TimeUnit.NANOSECONDS.toMillis(took));
        assertTrue(took < ANSWERED_WITHIN.toNanos(), who + ": three small requests took "
                + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
    }

    private void assertNoOutOfMemory() throws IOException {
        assertTrue(server.isAlive(), "the server is still running");
        String output = log == null || !Files.exists(log) ? "" : Files.readString(log);
        assertFalse(output.contains("OutOfMemoryError"), "the server's output:\n" + output);
    }

    /** Reads the port from the server's {@code Serving DIR on ADDR:PORT} line, and keeps its output in {@link #log}. */
    private int awaitPort() throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                    Files.writeString(log, line + System.lineSeparator(), StandardCharsets.US_ASCII,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int port = 0;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.contains(" - Serving ")) {
                port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
            }
            if (line != null && line.contains(" - Metrics at ")) {
                metrics = URI.create(line.substring(line.indexOf(" - Metrics at ") + " - Metrics at ".length()).trim());
            }
            if (port > 0 && metrics != null) {
                return port;
            }
            if (line == null && !server.isAlive()) {
                throw new AssertionError("the server exited with " + server.exitValue());
            }
        }
        throw new AssertionError("the server did not say where it listens in 30 s");
    }
}
