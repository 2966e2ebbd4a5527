package dev.hftp.it;

import dev.hftp.it.AbuseSupport.Memory;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hftp.it.Exchanges.HELP_REPLY;
import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.SCALE;
import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.expectBytes;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.memory;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.millis;
import static dev.hftp.it.AbuseSupport.patternBytes;
import static dev.hftp.it.AbuseSupport.percentile;
import static dev.hftp.it.AbuseSupport.writePatternFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that abuse the server by being slow: a thousand connections that each send one byte per second,
 * and one that pipelines a hundred thousand 1 MiB slices and never reads a byte. Neither may slow down the
 * well-behaved clients served at the same time, nor make the server hold more than a bounded amount of
 * memory. The server runs in this JVM, so its memory is measured directly; every figure is printed and
 * appended to {@code target/abuse-figures.txt}.
 *
 * <p>{@code -Psoak} runs both for longer and bigger ({@code hftp.soak.scale}).
 */
class SlowClientsIT {

    private static final String OK = "0 OK\r\n";
    private static final int X_SIZE = 12345;
    private static final int DATA_SIZE = 64 * KiB;

    private static final int SLOW_CLIENTS = Integer.getInteger("hftp.soak.slowClients", 1000);
    private static final int NORMAL_CLIENTS = 10;
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration BASELINE = Duration.ofSeconds(3);
    private static final Duration WITH_SLOW_CLIENTS = Duration.ofSeconds(10L * SCALE);
    /** Between two requests of a normal client: they are steady clients, not a load test of two cores. */
    private static final long THINK_MILLIS = 2;

    private static final int PIPELINED = 100_000 * SCALE;
    private static final long BIG_SIZE = 1L << 30; // sparse
    private static final Duration UNDER_ABUSE = Duration.ofSeconds(3L * SCALE);

    @TempDir
    Path dir;
    private HftpServer server;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void files() throws IOException {
        Files.write(dir.resolve("x"), new byte[X_SIZE]);
        writePatternFile(dir.resolve("data"), DATA_SIZE);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        server.close();
    }

    // ---------------------------------------------------------------- a thousand slow clients

    @Test
    @Timeout(180)
    void thousandClientsSendingOneBytePerSecondDoNotDelayNormalClients() throws Exception {
        List<NormalClient> normal = new ArrayList<>();
        for (int i = 0; i < NORMAL_CLIENTS; i++) {
            normal.add(new NormalClient(server.port(), i));
        }
        resources.addAll(normal);
        runNormalClients(normal, WARM_UP); // JIT and buffers, not measured
        Latencies baseline = runNormalClients(normal, BASELINE);

        SlowFleet fleet = new SlowFleet();
        resources.add(fleet);
        long connectStart = System.nanoTime();
        fleet.connect(server.port(), SLOW_CLIENTS);
        long connectMillis = (System.nanoTime() - connectStart) / 1_000_000;
        await(() -> server.openConnections() == SLOW_CLIENTS + NORMAL_CLIENTS, Duration.ofSeconds(30),
                "all connections open on the server");
        fleet.start();
        Latencies withSlow = runNormalClients(normal, WITH_SLOW_CLIENTS);
        int openAtEnd = server.openConnections();
        fleet.stopDribbling();
        long dribbled = fleet.bytesSent();
        long answeredByDribbling = fleet.answered();
        long finishStart = System.nanoTime();
        fleet.finishRequestsAndAwaitReplies(Duration.ofSeconds(60));
        long finishMillis = (System.nanoTime() - finishStart) / 1_000_000;

        String test = "SlowClientsIT";
        figure(test, "%d slow connections opened in %d ms; %d bytes sent, one per second per connection over %d s; "
                + "%d requests completed by dribbling were answered on the way; then the %d unfinished ones were "
                + "completed at once and all %d replies were exact after %d ms; connections open at the end of the "
                + "phase: %d", SLOW_CLIENTS, connectMillis, dribbled, WITH_SLOW_CLIENTS.toSeconds(),
                answeredByDribbling, fleet.expected() - answeredByDribbling, fleet.expected(), finishMillis, openAtEnd);
        figure(test, "%d normal clients, baseline (%d s): %s", NORMAL_CLIENTS, BASELINE.toSeconds(), baseline);
        figure(test, "%d normal clients, with %d slow connections (%d s): %s", NORMAL_CLIENTS, SLOW_CLIENTS,
                WITH_SLOW_CLIENTS.toSeconds(), withSlow);

        assertEquals(SLOW_CLIENTS + NORMAL_CLIENTS, openAtEnd, "every slow connection must still be open");
        // Those that started 6 bytes or more into their request completed it by dribbling (10 of 16).
        assertTrue(answeredByDribbling >= SLOW_CLIENTS / 4, "only " + answeredByDribbling
                + " requests completed by dribbling were answered during the phase");
        assertTrue(baseline.count() >= 100, "too few baseline requests to measure: " + baseline.count());
        assertTrue(withSlow.count() >= 300, "too few requests with slow clients to measure: " + withSlow.count());
        long bound = Math.max(100_000_000L, 10 * baseline.p99());
        assertTrue(withSlow.p99() < bound, "p99 with slow clients " + millis(withSlow.p99()) + " over the bound "
                + millis(bound) + " (baseline p99 " + millis(baseline.p99()) + ")");
        assertEquals(fleet.expected(), fleet.answered());
    }

    /** A steady client: request, exact reply, a short pause, again; its latencies are recorded. */
    private static final class NormalClient implements AutoCloseable {
        private final HftpTestClient client;
        private final int id;
        private long sequence;

        NormalClient(int port, int id) throws IOException {
            this.client = new HftpTestClient(port, 10_000);
            this.id = id;
        }

        /** One request and its reply, checked byte for byte; returns the latency in nanoseconds. */
        long exchange() throws IOException {
            long n = sequence++;
            String request;
            String reply;
            switch ((int) (n % 3)) {
                case 0 -> {
                    request = "get_metadata x\r\n";
                    reply = OK + X_SIZE + "\r\n";
                }
                case 1 -> {
                    int offset = (int) ((n * 997 + id * 131) % (DATA_SIZE - 300));
                    request = "get_slice data " + offset + " 300\r\n";
                    reply = OK + Base64.getEncoder().encodeToString(patternBytes(offset, 300)) + "\r\n";
                }
                default -> {
                    request = "help\r\n";
                    reply = HELP_REPLY;
                }
            }
            long start = System.nanoTime();
            client.sendRaw(request);
            expectBytes(client.inputStream(), reply);
            return System.nanoTime() - start;
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    /** Latency samples of a phase. */
    private record Latencies(long[] sorted) {
        int count() {
            return sorted.length;
        }

        long p50() {
            return percentile(sorted, 0.50);
        }

        long p99() {
            return percentile(sorted, 0.99);
        }

        long max() {
            return sorted[sorted.length - 1];
        }

        @Override
        public String toString() {
            return String.format("%d requests, p50 %s, p99 %s, max %s", count(), millis(p50()), millis(p99()),
                    millis(max()));
        }
    }

    /** Runs each client on its own thread for {@code duration}; every reply must be exact. */
    private static Latencies runNormalClients(List<? extends NormalClient> clients, Duration duration)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients.size());
        try {
            long end = System.nanoTime() + duration.toNanos();
            List<Future<long[]>> results = new ArrayList<>();
            for (NormalClient client : clients) {
                results.add(threads.submit(() -> {
                    long[] samples = new long[1024];
                    int count = 0;
                    while (System.nanoTime() - end < 0) {
                        if (count == samples.length) {
                            samples = Arrays.copyOf(samples, count * 2);
                        }
                        samples[count++] = client.exchange();
                        Thread.sleep(THINK_MILLIS);
                    }
                    return Arrays.copyOf(samples, count);
                }));
            }
            long[] all = new long[0];
            for (Future<long[]> result : results) {
                long[] samples = result.get(duration.toSeconds() + 30, TimeUnit.SECONDS);
                int before = all.length;
                all = Arrays.copyOf(all, before + samples.length);
                System.arraycopy(samples, 0, all, before, samples.length);
            }
            Arrays.sort(all);
            return new Latencies(all);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Connections that each send {@code get_metadata x\r\n} one byte per second, over and over, driven by a
     * single scheduler thread (a hundredth of them every 10 ms), which also reads and checks their replies
     * with a selector.
     */
    private static final class SlowFleet implements AutoCloseable {
        private static final byte[] REQUEST = "get_metadata x\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] REPLY = (OK + X_SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII);
        private static final int TICKS_PER_SECOND = 100;

        private final List<SocketChannel> channels = new ArrayList<>();
        private final ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "slow-fleet-driver");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private Selector selector;
        private long[] sent;
        private long[] answered;
        private ByteBuffer[] pending;
        private long tick;

        void connect(int port, int count) throws IOException {
            selector = Selector.open();
            sent = new long[count];
            answered = new long[count];
            pending = new ByteBuffer[count];
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open();
                channels.add(channel);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                // Staggered: connection i starts with the first i % 16 bytes of its request already sent,
                // so that in any run some requests are completed by dribbling and answered on the way.
                ByteBuffer head = ByteBuffer.wrap(REQUEST, 0, i % REQUEST.length);
                while (head.hasRemaining()) {
                    sent[i] += channel.write(head);
                }
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, i);
                pending[i] = ByteBuffer.allocate(64);
            }
        }

        void start() {
            driver.scheduleAtFixedRate(this::tick, 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
        }

        /** One tick: the next hundredth of the connections sends its next byte; replies are read. */
        private void tick() {
            if (failure.get() != null) {
                return;
            }
            try {
                int slot = (int) (tick++ % TICKS_PER_SECOND);
                for (int i = slot; i < channels.size(); i += TICKS_PER_SECOND) {
                    ByteBuffer one = ByteBuffer.wrap(REQUEST, (int) (sent[i] % REQUEST.length), 1);
                    if (channels.get(i).write(one) != 1) {
                        throw new IOException("connection " + i + ": one byte could not be sent");
                    }
                    sent[i]++;
                }
                readReplies(0);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }

        private void readReplies(long timeoutMillis) throws IOException {
            int ready = timeoutMillis == 0 ? selector.selectNow() : selector.select(timeoutMillis);
            if (ready == 0) {
                return;
            }
            for (SelectionKey key : selector.selectedKeys()) {
                int i = (Integer) key.attachment();
                ByteBuffer buffer = pending[i];
                int n = ((SocketChannel) key.channel()).read(buffer);
                if (n < 0) {
                    throw new IOException("connection " + i + " closed by the server after " + sent[i] + " bytes");
                }
                buffer.flip();
                while (buffer.remaining() >= REPLY.length) {
                    byte[] reply = new byte[REPLY.length];
                    buffer.get(reply);
                    if (!Arrays.equals(REPLY, reply)) {
                        throw new IOException("connection " + i + ": wrong reply " + HftpTestClient.escape(reply));
                    }
                    answered[i]++;
                    if (answered[i] > sent[i] / REQUEST.length) {
                        throw new IOException("connection " + i + ": a reply to a request not yet complete");
                    }
                }
                buffer.compact();
            }
            selector.selectedKeys().clear();
        }

        void stopDribbling() throws Exception {
            driver.shutdown();
            assertTrue(driver.awaitTermination(10, TimeUnit.SECONDS), "the driver did not stop");
            rethrow();
        }

        /** Sends the rest of each connection's unfinished request at once, then waits for every reply. */
        void finishRequestsAndAwaitReplies(Duration timeout) throws Exception {
            for (int i = 0; i < channels.size(); i++) {
                int done = (int) (sent[i] % REQUEST.length);
                if (done != 0) {
                    ByteBuffer rest = ByteBuffer.wrap(REQUEST, done, REQUEST.length - done);
                    while (rest.hasRemaining()) {
                        sent[i] += channels.get(i).write(rest);
                    }
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (answered() < expected()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("after " + timeout.toSeconds() + " s, " + answered() + " of "
                            + expected() + " slow requests answered");
                }
                readReplies(100);
            }
        }

        private void rethrow() throws Exception {
            Throwable e = failure.get();
            if (e instanceof Exception exception) {
                throw exception;
            }
            if (e != null) {
                throw new AssertionError(e);
            }
        }

        long bytesSent() {
            return Arrays.stream(sent).sum();
        }

        long answered() {
            return Arrays.stream(answered).sum();
        }

        long expected() {
            return Arrays.stream(sent).map(s -> (s + REQUEST.length - 1) / REQUEST.length).sum();
        }

        @Override
        public void close() throws IOException {
            driver.shutdownNow();
            for (SocketChannel channel : channels) {
                channel.close();
            }
            if (selector != null) {
                selector.close();
            }
        }
    }

    // ---------------------------------------------------------------- a client that never reads

    /**
     * {@code padding} 0: the literal {@code get_slice big 0 1048576}, 25 bytes, 2.4 MiB in all, which the
     * kernel's socket buffers can hold whole. {@code padding} 1000: the same request with its offset written
     * with 1000 leading zeros, 100 MiB in all, far more than the kernel holds: the client's writes stall unless
     * the server keeps reading, which it must not do while it cannot send.
     */
    @ParameterizedTest(name = "offset padded with {0} zeros")
    @ValueSource(ints = {0, 1000})
    @Timeout(180)
    void clientPipeliningHundredThousandSlicesWithoutReadingKeepsTheServerBoundedAndOthersServed(int padding)
            throws Exception {
        try (RandomAccessFile big = new RandomAccessFile(dir.resolve("big").toFile(), "rw")) {
            big.setLength(BIG_SIZE);
        }
        String bigSliceReply = OK + "A".repeat((MiB / 3) * 4) + "AA==\r\n"; // 1 MiB of zeros
        byte[] request = ("get_slice big " + "0".repeat(padding + 1) + " 1048576\r\n").getBytes(StandardCharsets.US_ASCII);
        long total = (long) request.length * PIPELINED;

        List<NormalClient> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            others.add(new NormalClient(server.port(), i));
        }
        resources.addAll(others);
        runNormalClients(others, WARM_UP);
        fetchBigSlice(others.get(0), bigSliceReply);
        Latencies baseline = runNormalClients(others, Duration.ofSeconds(2));
        Memory before = memory();

        Abuser abuser = new Abuser(server.port(), request, PIPELINED);
        resources.add(abuser);
        // Until the server stops taking requests (or all are sent): then it holds what it holds.
        await(abuser::stalledOrDone, Duration.ofSeconds(60), "the abusive client's writes to stall or finish");
        Thread.sleep(500);
        Latencies underAbuse = runNormalClients(others, UNDER_ABUSE);
        fetchBigSlice(others.get(1), bigSliceReply);
        long written = abuser.written();
        Memory during = memory();
        int openDuring = server.openConnections();

        abuser.close(); // a reset: the kernel discards what it did not read
        await(() -> server.openConnections() == others.size(), Duration.ofSeconds(10),
                "the abusive connection closed on the server");
        Memory after = memory();
        fetchBigSlice(others.get(2), bigSliceReply);
        Latencies afterAbuse = runNormalClients(others, Duration.ofSeconds(1));

        String test = "SlowClientsIT";
        figure(test, "abusive client: %d pipelined '%s' (%d bytes each, %s in all), never reading: the kernel "
                + "took %s (%d requests) before the writes %s; connections open during: %d", PIPELINED,
                new String(request, 0, Math.min(request.length - 2, 40), StandardCharsets.US_ASCII)
                        + (request.length > 42 ? "..." : ""), request.length, mib(total), mib(written),
                written / request.length, written == total ? "ended" : "stalled", openDuring);
        figure(test, "memory before: %s", before);
        figure(test, "memory during: %s", during);
        figure(test, "memory after : %s", after);
        figure(test, "growth during: heap %s, direct %s, default allocator %s, fds %+d; after: heap %s, direct %s, "
                + "default allocator %s, fds %+d",
                mib(during.heapAfterGc() - before.heapAfterGc()), mib(during.directGrowthSince(before)),
                mib(during.allocatorDirect() - before.allocatorDirect()), during.fds() - before.fds(),
                mib(after.heapAfterGc() - before.heapAfterGc()), mib(after.directGrowthSince(before)),
                mib(after.allocatorDirect() - before.allocatorDirect()), after.fds() - before.fds());
        figure(test, "3 other clients, baseline: %s", baseline);
        figure(test, "3 other clients, under abuse (%d s): %s", UNDER_ABUSE.toSeconds(), underAbuse);
        figure(test, "3 other clients, after the abusive client left: %s", afterAbuse);

        assertEquals(others.size() + 1, openDuring, "the abusive connection was expected to be open during");
        if (total > 64L * MiB) {
            // More than the kernel holds for one connection: the server stopped reading.
            assertTrue(written < total / 2, "the server kept reading: " + mib(written) + " taken");
        }
        // What one stuck connection may cost: its write buffer (256 KiB), a chunk, the requests read ahead (64),
        // a socket read or two, and the allocator's slack. A server that decoded the 100,000 requests would hold
        // about 9 MiB of heap for them; one that kept reading, or queued replies, tens of MiB or all it has.
        assertTrue(during.heapAfterGc() - before.heapAfterGc() < 4L * MiB, "heap grew by "
                + mib(during.heapAfterGc() - before.heapAfterGc()));
        assertTrue(during.directGrowthSince(before) < 8L * MiB, "direct memory grew by "
                + mib(during.directGrowthSince(before)));
        assertTrue(during.fds() - before.fds() <= 4, "file descriptors grew by " + (during.fds() - before.fds()));
        // Back near the start once it left: nothing of it is kept, its file is closed.
        assertTrue(after.heapAfterGc() - before.heapAfterGc() < 2L * MiB, "heap after: "
                + mib(after.heapAfterGc() - before.heapAfterGc()));
        assertTrue(after.directGrowthSince(before) < 4L * MiB, "direct after: " + mib(after.directGrowthSince(before)));
        assertTrue(after.fds() <= before.fds(), "file descriptors after: " + (after.fds() - before.fds()));
        assertTrue(underAbuse.count() >= 100, "too few requests under abuse: " + underAbuse.count());
        long bound = Math.max(100_000_000L, 10 * baseline.p99());
        assertTrue(underAbuse.p99() < bound, "p99 under abuse " + millis(underAbuse.p99()) + " over the bound "
                + millis(bound));
    }

    private static void fetchBigSlice(NormalClient client, String reply) throws IOException {
        client.client.sendRaw("get_slice big 0 1048576\r\n");
        expectBytes(client.client.inputStream(), reply);
    }

    /**
     * The client that writes {@code count} copies of one request as fast as the server takes them (from a
     * block of copies, so that 100 MiB of requests need not be in memory), and reads nothing.
     */
    private static final class Abuser implements AutoCloseable {
        private final SocketChannel channel;
        private final ByteBuffer block;
        private final long total;
        private final AtomicLong written = new AtomicLong();
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile boolean stop;
        private final Thread writer;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Abuser(int port, byte[] request, long count) throws IOException {
            int perBlock = (int) Math.max(1, Math.min(count, 64 * KiB / request.length));
            byte[] copies = new byte[perBlock * request.length];
            for (int i = 0; i < perBlock; i++) {
                System.arraycopy(request, 0, copies, i * request.length, request.length);
            }
            this.block = ByteBuffer.wrap(copies);
            this.total = count * request.length;
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.configureBlocking(false);
            writer = new Thread(this::write, "abusive-writer");
            writer.setDaemon(true);
            writer.start();
        }

        private void write() {
            try {
                long done = 0;
                while (!stop && done < total) {
                    if (!block.hasRemaining()) {
                        block.clear();
                    }
                    block.limit((int) Math.min(block.capacity(), block.position() + (total - done)));
                    int n = channel.write(block);
                    if (n > 0) {
                        done = written.addAndGet(n);
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
                throw new AssertionError("the abusive client failed", failure.get());
            }
            return written.get() == total || System.nanoTime() - lastProgressNanos > 1_000_000_000L;
        }

        long written() {
            return written.get();
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
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                channel.close();
            }
        }
    }
}
