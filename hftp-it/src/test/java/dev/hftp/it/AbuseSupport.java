package dev.hftp.it;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * What the abuse tests ({@link SlowClientsIT}, {@link LimitsIT}, {@link ShutdownIT}) share: their scale,
 * files whose every byte can be recomputed (so that slices of any size are checked byte for byte while
 * they stream, without holding them), paced readers, percentiles, memory figures of this JVM, and a log of
 * the figures measured.
 */
final class AbuseSupport {

    /**
     * How much longer and bigger the long-running variants are: 1 in {@code mvn verify}, more with
     * {@code -Psoak} (see hftp-it/pom.xml), which sets {@code hftp.soak.scale}.
     */
    static final int SCALE = Math.max(1, Integer.getInteger("hftp.soak.scale", 1));

    static final int KiB = 1024;
    static final int MiB = 1024 * 1024;

    private AbuseSupport() {
    }

    // ---------------------------------------------------------------- pattern files

    /** The byte at {@code position} of every pattern file: a hash of the position, never a short cycle. */
    static byte patternByte(long position) {
        long z = (position >>> 3) * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (byte) (z >>> ((position & 7) * 8));
    }

    /** Fills {@code bytes} with the pattern from {@code position}. */
    static void pattern(long position, byte[] bytes, int offset, int length) {
        for (int i = 0; i < length; i++) {
            bytes[offset + i] = patternByte(position + i);
        }
    }

    /** Writes a file of {@code size} pattern bytes. */
    static Path writePatternFile(Path file, long size) throws IOException {
        byte[] block = new byte[MiB];
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            for (long written = 0; written < size; ) {
                int n = (int) Math.min(block.length, size - written);
                pattern(written, block, 0, n);
                out.write(block, 0, n);
                written += n;
            }
        }
        return file;
    }

    /** The pattern bytes {@code [offset, offset + size)}. */
    static byte[] patternBytes(long offset, int size) {
        byte[] bytes = new byte[size];
        pattern(offset, bytes, 0, size);
        return bytes;
    }

    // ---------------------------------------------------------------- paced, verifying readers

    /** No pace: as fast as the socket goes. */
    static final long UNPACED = Long.MAX_VALUE;

    /**
     * Reads {@code size} raw bytes that must be the pattern from {@code offset}, at most {@code bytesPerSecond}
     * on average; {@code received} counts them as they arrive. Fails at the first wrong byte or if the stream
     * ends early.
     */
    static void readPatternRaw(InputStream in, long offset, long size, long bytesPerSecond, AtomicLong received)
            throws IOException {
        readPatternRaw(in, offset, size, () -> bytesPerSecond, received);
    }

    /** As {@link #readPatternRaw(InputStream, long, long, long, AtomicLong)}, with a pace that may change. */
    static void readPatternRaw(InputStream in, long offset, long size, LongSupplier bytesPerSecond,
                               AtomicLong received) throws IOException {
        byte[] buffer = new byte[64 * KiB];
        long start = System.nanoTime();
        long done = 0;
        while (done < size) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - done));
            if (n < 0) {
                throw new IOException("connection closed after " + done + " of " + size + " slice bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buffer[i] != patternByte(offset + done + i)) {
                    throw new IOException("wrong byte at slice position " + (done + i) + " (file offset "
                            + (offset + done + i) + ")");
                }
            }
            done += n;
            received.set(done);
            pace(start, done, bytesPerSecond);
        }
    }

    /**
     * Reads the one-line base64 body of a slice of {@code size} pattern bytes from {@code offset}, CRLF
     * included, decoding it block by block; {@code received} counts the decoded bytes. The pace applies to
     * the decoded bytes.
     */
    static void readPatternBase64(InputStream in, long offset, long size, long bytesPerSecond, AtomicLong received)
            throws IOException {
        readPatternBase64(in, offset, size, () -> bytesPerSecond, received);
    }

    /** As {@link #readPatternBase64(InputStream, long, long, long, AtomicLong)}, with a pace that may change. */
    static void readPatternBase64(InputStream in, long offset, long size, LongSupplier bytesPerSecond,
                                  AtomicLong received) throws IOException {
        long encoded = (size + 2) / 3 * 4;
        byte[] buffer = new byte[64 * KiB]; // a multiple of 4: every block but the last decodes alone
        Base64.Decoder decoder = Base64.getDecoder();
        long start = System.nanoTime();
        long read = 0;
        long decoded = 0;
        while (read < encoded) {
            int want = (int) Math.min(buffer.length, encoded - read);
            int filled = 0;
            while (filled < want) {
                int n = in.read(buffer, filled, want - filled);
                if (n < 0) {
                    throw new IOException("connection closed after " + (read + filled) + " of " + encoded
                            + " base64 characters");
                }
                filled += n;
            }
            byte[] bytes;
            try {
                bytes = decoder.decode(Arrays.copyOf(buffer, filled));
            } catch (IllegalArgumentException e) {
                throw new IOException("invalid base64 at character " + read + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != patternByte(offset + decoded + i)) {
                    throw new IOException("wrong byte at slice position " + (decoded + i));
                }
            }
            read += filled;
            decoded += bytes.length;
            received.set(decoded);
            pace(start, decoded, bytesPerSecond);
        }
        if (decoded != size) {
            throw new IOException("decoded " + decoded + " bytes, expected " + size);
        }
        byte[] eol = in.readNBytes(2);
        if (eol.length != 2 || eol[0] != '\r' || eol[1] != '\n') {
            throw new IOException("slice line not ended by CRLF: " + HftpTestClient.escape(eol));
        }
    }

    private static void pace(long startNanos, long done, LongSupplier pace) throws IOException {
        long bytesPerSecond = pace.getAsLong();
        if (bytesPerSecond == UNPACED) {
            return;
        }
        long dueNanos = startNanos + (long) (done * 1e9 / bytesPerSecond);
        long waitMillis = (dueNanos - System.nanoTime()) / 1_000_000;
        if (waitMillis > 0) {
            try {
                Thread.sleep(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Reads the status line and the header of a raw slice of {@code size} bytes. */
    static void expectRawSliceHeader(InputStream in, long size) throws IOException {
        expectBytes(in, "0 OK\r\nContent-Length: " + size + "\r\n\r\n");
    }

    /** Reads exactly the bytes of {@code expected}, or fails showing what came instead. */
    static void expectBytes(InputStream in, String expected) throws IOException {
        byte[] want = expected.getBytes(StandardCharsets.ISO_8859_1);
        byte[] got = in.readNBytes(want.length);
        if (!Arrays.equals(want, got)) {
            throw new IOException("expected " + HftpTestClient.escape(want) + " but got " + HftpTestClient.escape(got));
        }
    }

    // ---------------------------------------------------------------- figures

    /** The value at quantile {@code q} (0 to 1) of sorted samples, nearest rank. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String millis(long nanos) {
        return String.format("%.2f ms", nanos / 1e6);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%.2f MiB", bytes / (double) MiB);
    }

    /**
     * Whether tests print their figures and progress lines: {@code mvn -B verify -Dhftp.test.verbose}. A passing build
     * is otherwise quiet; the figures still go to {@code target/abuse-figures.txt}.
     */
    static final boolean VERBOSE = System.getProperty("hftp.test.verbose") != null
            && !System.getProperty("hftp.test.verbose").equals("false");

    /** A line for whoever watches the tests run, printed only with {@code -Dhftp.test.verbose}. */
    static void say(String line) {
        if (VERBOSE) {
            System.out.println(line);
        }
    }

    /** {@link #say} with a format. */
    static void sayf(String format, Object... args) {
        say(String.format(format, args).stripTrailing());
    }

    /** Prints a figure (with {@code -Dhftp.test.verbose}) and appends it to {@code target/abuse-figures.txt}. */
    static void figure(String test, String format, Object... args) {
        String line = "[" + test + "] " + String.format(format, args);
        say(line);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            try {
                Files.writeString(target.resolve("abuse-figures.txt"), line + System.lineSeparator(),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The memory this JVM holds, after garbage collection: heap in use, direct memory (what the JDK's
     * {@code direct} buffer pool counts, and Netty's own counter), what
     * Netty's default allocator (adaptive in Netty 4.2) and {@link PooledByteBufAllocator#DEFAULT} hold, and
     * the open file descriptors (sockets and files).
     */
    record Memory(long heapAfterGc, long nioDirect, long nettyDirectCounter, long allocatorDirect,
                  long allocatorHeap, long pooledDirect, long pooledHeap, long pooledPinned, long fds) {

        /**
         * Direct memory all told: Netty 4.2 on Java 17 allocates its direct buffers through the JDK (so the JDK's
         * pool counts them) and also counts them itself; the JDK's pool also holds the JDK's own socket buffers.
         */
        long direct() {
            return Math.max(nioDirect, nettyDirectCounter);
        }

        /**
         * How much more the server's buffers hold in {@code this} than in {@code before}: the server allocates
         * from {@link PooledByteBufAllocator#DEFAULT}, whose arenas reserve direct memory 4 MiB at a time (and
         * earlier tests in the same JVM reserved some), so what its live buffers pin is the exact measure.
         */
        long directGrowthSince(Memory before) {
            return pooledPinned - before.pooledPinned;
        }

        @Override
        public String toString() {
            return String.format("heap after GC %s, direct %s (JDK direct pool %s, Netty counter %s), "
                            + "default allocator %s direct + %s heap, "
                            + "PooledByteBufAllocator.DEFAULT %s direct + %s heap (%s in buffers), "
                            + "%d fds",
                    mib(heapAfterGc), mib(direct()), mib(nioDirect), mib(nettyDirectCounter), mib(allocatorDirect),
                    mib(allocatorHeap), mib(pooledDirect), mib(pooledHeap), mib(pooledPinned), fds);
        }
    }

    static Memory memory() throws InterruptedException {
        long heap = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        long nioDirect = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        long allocatorDirect = -1;
        long allocatorHeap = -1;
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            allocatorDirect = metric.usedDirectMemory();
            allocatorHeap = metric.usedHeapMemory();
        }
        ByteBufAllocatorMetric pooled = PooledByteBufAllocator.DEFAULT.metric();
        return new Memory(heap, nioDirect, PlatformDependent.usedDirectMemory(), allocatorDirect, allocatorHeap,
                pooled.usedDirectMemory(), pooled.usedHeapMemory(),
                PooledByteBufAllocator.DEFAULT.pinnedDirectMemory() + PooledByteBufAllocator.DEFAULT.pinnedHeapMemory(),
                openFileDescriptors());
    }

    private static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- waiting

    /** Waits until {@code condition} holds, polling; fails with {@code what} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    // ---------------------------------------------------------------- the server as a process

    /**
     * The shaded server jar: {@code hftp.server.jar} as the failsafe execution sets it, else where the
     * hftp-server module builds it (the working directory of failsafe is this module).
     */
    static Path serverJar() {
        String property = System.getProperty("hftp.server.jar");
        Path jar = property != null ? Path.of(property) : Path.of("..", "hftp-server", "target", "hftp-server.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("server jar not found: " + jar.toAbsolutePath()
                    + " (run the package phase of hftp-server first, e.g. mvn verify)");
        }
        return jar.toAbsolutePath();
    }

    /** The java launcher of this JVM. */
    static Path javaLauncher() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
